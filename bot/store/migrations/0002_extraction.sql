-- What each article is about (bot/extract/): place mentions, the distinct places with the
-- primary ones marked, key figures, cases, topics and keywords. All rows of an article are
-- rewritten together by ingest or `casebot reindex`; articles.extract_version says which
-- extractor wrote them.

ALTER TABLE articles ADD COLUMN extract_version INTEGER NOT NULL DEFAULT 0;

CREATE TABLE place_mentions (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,           -- as written
    code       TEXT,                    -- gazetteer code; NULL if ambiguous, inferred or outside
    level      TEXT NOT NULL,           -- prefecture, county, township, village, outside
    prefecture TEXT,                    -- 盟市 code of code (or of parent, if inferred)
    parent     TEXT,                    -- enclosing division of an inferred place
    paragraph  INTEGER NOT NULL,        -- -1 = title
    start      INTEGER NOT NULL,        -- offsets into the title or articles.text
    end        INTEGER NOT NULL,
    inferred   INTEGER NOT NULL DEFAULT 0,
    ambiguous  INTEGER NOT NULL DEFAULT 0,
    candidates TEXT                     -- JSON array of codes, if ambiguous
);
CREATE INDEX place_mentions_article ON place_mentions(article_id);

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

CREATE TABLE figures (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    paragraph  INTEGER NOT NULL,
    start      INTEGER NOT NULL,
    end        INTEGER NOT NULL,
    text       TEXT NOT NULL,
    value      REAL NOT NULL,
    unit       TEXT NOT NULL,
    counts     TEXT NOT NULL
);
CREATE INDEX figures_article ON figures(article_id);

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
    figures         TEXT NOT NULL DEFAULT '[]',   -- JSON, as in the figures table
    topics          TEXT NOT NULL DEFAULT '[]',   -- JSON array
    UNIQUE (article_id, seq)
);
CREATE INDEX cases_place ON cases(place);
CREATE INDEX cases_prefecture ON cases(prefecture);

-- Topics (from data/topics.toml) and keywords, best first.
CREATE TABLE article_terms (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('topic', 'keyword')),
    rank       INTEGER NOT NULL,
    term       TEXT NOT NULL,
    PRIMARY KEY (article_id, kind, rank)
) WITHOUT ROWID;
CREATE INDEX article_terms_term ON article_terms(kind, term);
