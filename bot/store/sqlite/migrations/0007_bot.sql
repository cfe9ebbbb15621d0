-- What the Telegram bot keeps between restarts.

-- Staff and admins added in the bot (config lists are read from the settings, not stored).
-- kind 'user' ids are Telegram user ids; kind 'chat' ids are group/channel chat ids.
CREATE TABLE members (
    kind TEXT NOT NULL CHECK (kind IN ('user', 'chat')),
    id INTEGER NOT NULL,
    role TEXT NOT NULL DEFAULT 'staff' CHECK (role IN ('staff', 'admin')),
    label TEXT,
    added_by INTEGER,
    added_at TEXT NOT NULL,
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;

-- Who did what and when: admin actions, ingests, refusals of admin commands.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor INTEGER,
    chat INTEGER,
    action TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);

-- A search's query text behind the short key in its paging buttons (callback data holds
-- 64 bytes, a query may not fit), so old buttons keep working after a restart.
CREATE TABLE saved_queries (
    key TEXT PRIMARY KEY,
    query TEXT NOT NULL,
    created_at TEXT NOT NULL
) WITHOUT ROWID;

-- Groups and channels the bot was added to, with their settings (JSON object).
CREATE TABLE chats (
    id INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    bot_status TEXT NOT NULL,
    settings TEXT NOT NULL DEFAULT '{}',
    updated_at TEXT NOT NULL
);
