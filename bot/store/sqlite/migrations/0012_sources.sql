-- News sources polled on a schedule (bot/sources/), and where each article was read on the web.

CREATE TABLE sources (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL,              -- shown to users; the article's source name
    kind            TEXT NOT NULL CHECK (kind IN ('feed', 'list', 'epaper', 'page')),
    url             TEXT NOT NULL,              -- epaper: a pattern with {date:%Y%m/%d}
    selectors       TEXT NOT NULL DEFAULT '{}', -- JSON: links, next, pages, title, body, ...
    interval_min    INTEGER NOT NULL DEFAULT 60,
    status          TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused')),
    paused_reason   TEXT NOT NULL DEFAULT '',
    etag            TEXT,                       -- of the index page, for conditional requests
    last_modified   TEXT,
    body_hash       TEXT,                       -- of the index page, where servers ignore both
    failures        INTEGER NOT NULL DEFAULT 0, -- consecutive failed polls
    last_success_at TEXT,
    last_error      TEXT NOT NULL DEFAULT '',
    last_error_at   TEXT,
    next_poll_at    TEXT NOT NULL DEFAULT '',   -- UTC ISO; '' = due now
    created_at      TEXT NOT NULL,
    UNIQUE (kind, url)
);

-- Every URL a stored article was read at: its own, and other sites' copies of the same
-- story. key is the normalised URL (bot/sources/urls.py); guid is a feed entry's id.
CREATE TABLE article_urls (
    key          TEXT PRIMARY KEY,
    url          TEXT NOT NULL,
    article_id   INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    source_id    INTEGER REFERENCES sources(id) ON DELETE SET NULL,
    guid         TEXT,
    content_hash TEXT NOT NULL,                 -- of the extracted text, to notice edits
    first_seen   TEXT NOT NULL,
    fetched_at   TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX article_urls_article ON article_urls(article_id);
CREATE INDEX article_urls_guid ON article_urls(guid) WHERE guid IS NOT NULL;
CREATE INDEX article_urls_source_seen ON article_urls(source_id, first_seen);

-- The article as it read before an edit on its site replaced it (newest version in articles).
CREATE TABLE article_versions (
    article_id  INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    title       TEXT NOT NULL,
    text        TEXT NOT NULL,
    replaced_at TEXT NOT NULL,
    PRIMARY KEY (article_id, version)
) WITHOUT ROWID;

ALTER TABLE articles ADD COLUMN url TEXT;
ALTER TABLE articles ADD COLUMN source_id INTEGER REFERENCES sources(id) ON DELETE SET NULL;
ALTER TABLE articles ADD COLUMN fetched_at TEXT;
ALTER TABLE articles ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
