-- stat_counts gains what an article adds once per write (Store.write_extractions sums a
-- file's or a reindex batch's additions in Python, by 0008's rules, and upserts the sums)
-- instead of from a trigger per inserted place, case and topic row: the triggers ran twice
-- the SQL of writing the rows themselves. Removals stay with 0008's delete triggers, which
-- follow any delete, cascades included. Their functions go with them.
DROP TRIGGER stat_place_added ON article_places;
DROP TRIGGER stat_case_added ON cases;
DROP TRIGGER stat_topic_added ON article_topics;
DROP FUNCTION stat_place_added();
DROP FUNCTION stat_case_added();
DROP FUNCTION stat_topic_added();
