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
    code     TEXT NOT NULL,
    date     TEXT NOT NULL,
    articles INTEGER NOT NULL DEFAULT 0,
    cases    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (topic, code, date)
) WITHOUT ROWID;

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
) GROUP BY topic, code, date;

-- Extraction rows of an article are deleted and inserted together (places, cases, then
-- topics): whichever of a place/case and a topic comes second adds or removes the topic's
-- count, so the order does not matter.
CREATE TRIGGER stat_place_added AFTER INSERT ON article_places WHEN new.is_primary BEGIN
    INSERT INTO stat_counts (topic, code, date, articles)
    SELECT t.topic, new.code, a.date, 1 FROM articles a, stat_topics t
    WHERE a.id = new.article_id AND t.article_id = a.id AND a.duplicate_of IS NULL
    ON CONFLICT (topic, code, date) DO UPDATE SET articles = articles + 1;
END;

CREATE TRIGGER stat_place_removed AFTER DELETE ON article_places WHEN old.is_primary BEGIN
    UPDATE stat_counts SET articles = articles - 1
    WHERE code = old.code
      AND date = (SELECT date FROM articles WHERE id = old.article_id AND duplicate_of IS NULL)
      AND topic IN (SELECT topic FROM stat_topics WHERE article_id = old.article_id);
END;

CREATE TRIGGER stat_case_added AFTER INSERT ON cases WHEN new.place IS NOT NULL BEGIN
    INSERT INTO stat_counts (topic, code, date, cases)
    SELECT t.topic, new.place, a.date, 1 FROM articles a, stat_topics t
    WHERE a.id = new.article_id AND t.article_id = a.id AND a.duplicate_of IS NULL
    ON CONFLICT (topic, code, date) DO UPDATE SET cases = cases + 1;
END;

CREATE TRIGGER stat_case_removed AFTER DELETE ON cases WHEN old.place IS NOT NULL BEGIN
    UPDATE stat_counts SET cases = cases - 1
    WHERE code = old.place
      AND date = (SELECT date FROM articles WHERE id = old.article_id AND duplicate_of IS NULL)
      AND topic IN (SELECT topic FROM stat_topics WHERE article_id = old.article_id);
END;

CREATE TRIGGER stat_topic_added AFTER INSERT ON article_topics BEGIN
    INSERT INTO stat_counts (topic, code, date, articles)
    SELECT new.topic, p.code, a.date, 1 FROM article_places p JOIN articles a ON a.id = p.article_id
    WHERE p.article_id = new.article_id AND p.is_primary AND a.duplicate_of IS NULL
    ON CONFLICT (topic, code, date) DO UPDATE SET articles = articles + excluded.articles;
    INSERT INTO stat_counts (topic, code, date, cases)
    SELECT new.topic, c.place, a.date, count(*) FROM cases c JOIN articles a ON a.id = c.article_id
    WHERE c.article_id = new.article_id AND c.place IS NOT NULL AND a.duplicate_of IS NULL
    GROUP BY c.place
    ON CONFLICT (topic, code, date) DO UPDATE SET cases = cases + excluded.cases;
END;

CREATE TRIGGER stat_topic_removed AFTER DELETE ON article_topics BEGIN
    UPDATE stat_counts SET articles = articles - 1
    WHERE topic = old.topic
      AND date = (SELECT date FROM articles WHERE id = old.article_id AND duplicate_of IS NULL)
      AND code IN (SELECT code FROM article_places WHERE article_id = old.article_id
                   AND is_primary);
    UPDATE stat_counts SET cases = cases - (
        SELECT count(*) FROM cases WHERE article_id = old.article_id AND place = stat_counts.code)
    WHERE topic = old.topic
      AND date = (SELECT date FROM articles WHERE id = old.article_id AND duplicate_of IS NULL)
      AND code IN (SELECT place FROM cases WHERE article_id = old.article_id);
END;

-- The newest articles primarily about a place: the primary rows are a small part of
-- article_places (one chain per article against a dozen places named).
CREATE INDEX article_places_primary ON article_places(code, article_id) WHERE is_primary;
