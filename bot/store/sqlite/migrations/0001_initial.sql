-- Source files, articles with their paragraphs and captions, and the search index.
-- Later migrations add localities, cases and figures beside these tables.

CREATE TABLE source_files (
    id          INTEGER PRIMARY KEY,
    path        TEXT NOT NULL,          -- as given to `casebot ingest`
    name        TEXT NOT NULL,          -- file name, shown to users
    sha256      TEXT NOT NULL,
    format      TEXT NOT NULL,          -- txt, md, docx, pdf, html
    encoding    TEXT,                   -- detected text encoding, if a text file
    size        INTEGER NOT NULL,
    source      TEXT,                   -- --source NAME (e.g. the newspaper)
    ingested_at TEXT NOT NULL
);
CREATE INDEX source_files_sha256 ON source_files(sha256);

CREATE TABLE articles (
    id            INTEGER PRIMARY KEY,
    file_id       INTEGER NOT NULL REFERENCES source_files(id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,     -- position in its file
    title         TEXT NOT NULL,
    subtitle      TEXT,
    authors       TEXT NOT NULL DEFAULT '[]',   -- JSON array of names
    column_name   TEXT,
    date          TEXT NOT NULL,        -- YYYY-MM-DD
    date_origin   TEXT NOT NULL CHECK (date_origin IN ('option', 'filename', 'metadata', 'ingest')),
    original_text TEXT NOT NULL,        -- the raw lines it came from
    text          TEXT NOT NULL,        -- normalised body, paragraphs separated by \n
    script        TEXT NOT NULL DEFAULT 'simplified' CHECK (script IN ('simplified', 'traditional')),
    fingerprint   TEXT NOT NULL UNIQUE,
    duplicate_of  INTEGER REFERENCES articles(id) ON DELETE SET NULL,  -- near-duplicate of
    similarity    REAL,                 -- rapidfuzz ratio to duplicate_of
    created_at    TEXT NOT NULL,
    UNIQUE (file_id, seq)
);
CREATE INDEX articles_date ON articles(date);
CREATE INDEX articles_duplicate_of ON articles(duplicate_of) WHERE duplicate_of IS NOT NULL;

CREATE TABLE paragraphs (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    idx        INTEGER NOT NULL,
    start      INTEGER NOT NULL,        -- offsets into articles.text
    end        INTEGER NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('body', 'subheading')),
    PRIMARY KEY (article_id, idx)
) WITHOUT ROWID;

CREATE TABLE captions (
    id         INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    text       TEXT NOT NULL,
    credit     TEXT
);
CREATE INDEX captions_article ON captions(article_id);

-- LSH band keys of each article's MinHash sketch: candidates for near-duplicate checks.
CREATE TABLE article_sketch (
    hash       INTEGER NOT NULL,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    PRIMARY KEY (hash, article_id)
) WITHOUT ROWID;

-- Contentless: the text lives in `articles`; rowid = articles.id. Tokens are produced by
-- bot/segment.py and joined with spaces, so unicode61 only splits on those spaces.
-- Near-duplicates are not indexed: their original stands for them.
CREATE VIRTUAL TABLE article_fts USING fts5(
    title_words, body_words, title_grams, body_grams,
    content = '', tokenize = 'unicode61 remove_diacritics 0'
);

-- bm25 weights: title words, body words, title grams, body grams. Words (jieba) carry the
-- ranking; grams guarantee substring recall and add a little.
INSERT INTO article_fts (article_fts, rank) VALUES ('rank', 'bm25(10.0, 2.0, 3.0, 0.5)');
