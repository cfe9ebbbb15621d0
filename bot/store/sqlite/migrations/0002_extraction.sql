-- What each article is about (bot/extract/): place mentions, the distinct places with the
-- primary ones marked, key figures, cases and topics. All rows of an article are
-- rewritten together by ingest or `casebot reindex`; articles.extract_version says which
-- extractor wrote them.

ALTER TABLE articles ADD COLUMN extract_version INTEGER NOT NULL DEFAULT 0;

-- What is only ever read for one article at a time, one row per article: its place
-- mentions [[name, code, level, prefecture, parent, paragraph, start, end, inferred,
-- ambiguous, candidates]] and key figures [[text, value, unit, counts, paragraph, start,
-- end]] as JSON arrays (field order: bot/store/db.py). Nothing queries them across
-- articles, so they need no rows and indexes of their own.
CREATE TABLE article_extracts (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    mentions   TEXT NOT NULL,
    figures    TEXT NOT NULL
);

-- One row per distinct resolved division an article names or is about; what statistics count.
CREATE TABLE article_places (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    code       TEXT NOT NULL,
    level      TEXT NOT NULL,
    prefecture TEXT NOT NULL,
    is_primary INTEGER NOT NULL DEFAULT 0,
    mentions   INTEGER NOT NULL,        -- 0 for a primary place only implied by its children
    PRIMARY KEY (article_id, code)
) WITHOUT ROWID;
CREATE INDEX article_places_code ON article_places(code);
CREATE INDEX article_places_prefecture ON article_places(prefecture);

CREATE TABLE cases (
    id              INTEGER PRIMARY KEY,
    article_id      INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,   -- order within the article
    actor           TEXT NOT NULL,
    place           TEXT,               -- code of the most specific place
    place_name      TEXT NOT NULL,
    prefecture      TEXT,
    practice        TEXT NOT NULL,
    summary         TEXT NOT NULL,
    speaker_name    TEXT,
    speaker_title   TEXT,
    first_paragraph INTEGER NOT NULL,
    last_paragraph  INTEGER NOT NULL,
    figures         TEXT NOT NULL DEFAULT '[]',   -- JSON, as in article_extracts
    topics          TEXT NOT NULL DEFAULT '[]',   -- JSON array
    UNIQUE (article_id, seq)
);
CREATE INDEX cases_place ON cases(place);
CREATE INDEX cases_prefecture ON cases(prefecture);

-- Topics from data/topics.toml, best first. (Keywords are computed when shown: storing
-- them would cost ingest more than computing them for the few articles a person reads.)
CREATE TABLE article_topics (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    rank       INTEGER NOT NULL,
    topic      TEXT NOT NULL,
    PRIMARY KEY (article_id, rank)
) WITHOUT ROWID;
CREATE INDEX article_topics_topic ON article_topics(topic);
