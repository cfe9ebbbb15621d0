-- What a reply needs lives in the database, so that any bot replica can give it (or the
-- same process after a restart).

-- A source /sources add tested, waiting for its 保存 button (the key is in the button).
-- spec: JSON of bot.sources.service.SourceSpec.
CREATE TABLE pending_sources (
    key        TEXT PRIMARY KEY,
    spec       TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- How many times the bot (any replica) changed the library: a cached /stats answer older
-- than the last change is counted again (bot/chat/stats.py). One row once the bot changed
-- something (none before: an empty library has an empty table).
CREATE TABLE library_edits (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    edits BIGINT NOT NULL
);
