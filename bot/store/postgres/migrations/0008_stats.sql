-- Statistics by locality (bot/store/stats.py) read counts from an aggregate kept up to date
-- by triggers, so /stats costs a few index ranges whatever the size of the library.
--
-- One row per (topic, place, day): the articles primarily about the place (an article's
-- primary places are a chain from its 盟市 down, so each level counts it once) and the cases
-- whose most specific place it is (a place's cases are the sum over its code range).
-- topic '' counts every article; a topic's rows count the articles tagged with it and their
-- cases. Near-duplicates never count. Ambiguous, inferred and outside places have no
-- article_places row and cases no code: they never count.
CREATE TABLE stat_counts (
    topic    TEXT NOT NULL,
    code     TEXT COLLATE "C" NOT NULL,  -- read by code ranges, as article_places.code
    date     TEXT NOT NULL,
    articles INTEGER NOT NULL DEFAULT 0,
    cases    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (topic, code, date)
);

-- The topics an article counts under: '' (every article) and its own.
CREATE VIEW stat_topics AS
SELECT id AS article_id, '' AS topic FROM articles
UNION ALL SELECT article_id, topic FROM article_topics;

INSERT INTO stat_counts (topic, code, date, articles, cases)
SELECT topic, code, date, sum(articles), sum(cases) FROM (
    SELECT t.topic, p.code, a.date, 1 AS articles, 0 AS cases
    FROM article_places p JOIN articles a ON a.id = p.article_id
    JOIN stat_topics t ON t.article_id = a.id
    WHERE p.is_primary AND a.duplicate_of IS NULL
    UNION ALL
    SELECT t.topic, c.place, a.date, 0, 1
    FROM cases c JOIN articles a ON a.id = c.article_id JOIN stat_topics t ON t.article_id = a.id
    WHERE c.place IS NOT NULL AND a.duplicate_of IS NULL
) AS counted GROUP BY topic, code, date;

-- Extraction rows of an article are deleted and inserted together (places, cases, then
-- topics): whichever of a place/case and a topic comes second adds or removes the topic's
-- count, so the order does not matter. PostgreSQL runs a statement's row triggers after the
-- whole statement, not after each row as SQLite does; that changes nothing here, since no
-- trigger reads the table it is on.
--
-- The additions count each matching row once, as SQLite's row-by-row upserts do, but
-- grouped first: PostgreSQL refuses an upsert that meets the same key twice (an article
-- tagged twice with one topic).
CREATE FUNCTION stat_place_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stat_counts (topic, code, date, articles)
    SELECT t.topic, NEW.code, a.date, count(*) FROM articles a, stat_topics t
    WHERE a.id = NEW.article_id AND t.article_id = a.id AND a.duplicate_of IS NULL
    GROUP BY t.topic, a.date
    ON CONFLICT (topic, code, date) DO UPDATE SET articles = stat_counts.articles + excluded.articles;
    RETURN NULL;
END $$;
CREATE TRIGGER stat_place_added AFTER INSERT ON article_places
FOR EACH ROW WHEN (NEW.is_primary) EXECUTE FUNCTION stat_place_added();

CREATE FUNCTION stat_place_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE stat_counts SET articles = articles - 1
    WHERE code = OLD.code
      AND date = (SELECT date FROM articles WHERE id = OLD.article_id AND duplicate_of IS NULL)
      AND topic IN (SELECT topic FROM stat_topics WHERE article_id = OLD.article_id);
    RETURN NULL;
END $$;
CREATE TRIGGER stat_place_removed AFTER DELETE ON article_places
FOR EACH ROW WHEN (OLD.is_primary) EXECUTE FUNCTION stat_place_removed();

CREATE FUNCTION stat_case_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stat_counts (topic, code, date, cases)
    SELECT t.topic, NEW.place, a.date, count(*) FROM articles a, stat_topics t
    WHERE a.id = NEW.article_id AND t.article_id = a.id AND a.duplicate_of IS NULL
    GROUP BY t.topic, a.date
    ON CONFLICT (topic, code, date) DO UPDATE SET cases = stat_counts.cases + excluded.cases;
    RETURN NULL;
END $$;
CREATE TRIGGER stat_case_added AFTER INSERT ON cases
FOR EACH ROW WHEN (NEW.place IS NOT NULL) EXECUTE FUNCTION stat_case_added();

CREATE FUNCTION stat_case_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE stat_counts SET cases = cases - 1
    WHERE code = OLD.place
      AND date = (SELECT date FROM articles WHERE id = OLD.article_id AND duplicate_of IS NULL)
      AND topic IN (SELECT topic FROM stat_topics WHERE article_id = OLD.article_id);
    RETURN NULL;
END $$;
CREATE TRIGGER stat_case_removed AFTER DELETE ON cases
FOR EACH ROW WHEN (OLD.place IS NOT NULL) EXECUTE FUNCTION stat_case_removed();

CREATE FUNCTION stat_topic_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stat_counts (topic, code, date, articles)
    SELECT NEW.topic, p.code, a.date, 1 FROM article_places p JOIN articles a ON a.id = p.article_id
    WHERE p.article_id = NEW.article_id AND p.is_primary AND a.duplicate_of IS NULL
    ON CONFLICT (topic, code, date) DO UPDATE SET articles = stat_counts.articles + excluded.articles;
    INSERT INTO stat_counts (topic, code, date, cases)
    SELECT NEW.topic, c.place, a.date, count(*) FROM cases c JOIN articles a ON a.id = c.article_id
    WHERE c.article_id = NEW.article_id AND c.place IS NOT NULL AND a.duplicate_of IS NULL
    GROUP BY c.place, a.date
    ON CONFLICT (topic, code, date) DO UPDATE SET cases = stat_counts.cases + excluded.cases;
    RETURN NULL;
END $$;
CREATE TRIGGER stat_topic_added AFTER INSERT ON article_topics
FOR EACH ROW EXECUTE FUNCTION stat_topic_added();

CREATE FUNCTION stat_topic_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE stat_counts SET articles = articles - 1
    WHERE topic = OLD.topic
      AND date = (SELECT date FROM articles WHERE id = OLD.article_id AND duplicate_of IS NULL)
      AND code IN (SELECT code FROM article_places WHERE article_id = OLD.article_id
                   AND is_primary);
    UPDATE stat_counts SET cases = cases - (
        SELECT count(*) FROM cases WHERE article_id = OLD.article_id AND place = stat_counts.code)
    WHERE topic = OLD.topic
      AND date = (SELECT date FROM articles WHERE id = OLD.article_id AND duplicate_of IS NULL)
      AND code IN (SELECT place FROM cases WHERE article_id = OLD.article_id);
    RETURN NULL;
END $$;
CREATE TRIGGER stat_topic_removed AFTER DELETE ON article_topics
FOR EACH ROW EXECUTE FUNCTION stat_topic_removed();

-- The newest articles primarily about a place: the primary rows are a small part of
-- article_places (one chain per article against a dozen places named).
CREATE INDEX article_places_primary ON article_places(code, article_id) WHERE is_primary;
