-- Digest subscriptions and the log that makes each digest reach each subscriber once.

-- A chat (private, group or channel) receiving the digest at a local time, daily or on
-- one weekday (weekly digest of the week before), for the articles matching `filters`
-- (the search query language: 地区: 主题: words).
CREATE TABLE subscriptions (
    id          INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL,
    chat_type   TEXT NOT NULL,
    chat_title  TEXT NOT NULL DEFAULT '',
    owner       INTEGER,                -- the user who subscribed (manages a channel's)
    at_time     TEXT NOT NULL,          -- HH:MM in the configured timezone
    weekday     INTEGER CHECK (weekday BETWEEN 0 AND 6),  -- NULL: daily; 0 = Monday
    filters     TEXT NOT NULL DEFAULT '',
    skip_empty  INTEGER NOT NULL DEFAULT 0,  -- 1: no message on a day without articles
    status      TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'stopped')),
    reason      TEXT NOT NULL DEFAULT '',    -- why it was stopped (blocked, removed)
    due_from    TEXT NOT NULL,          -- UTC ISO: no digest is due from a scheduled moment
                                        -- before it (creation, or resuming after a pause)
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX subscriptions_chat ON subscriptions(chat_id);

-- One row per (subscription, digest date), inserted as 'sending' before the digest goes
-- out and set to 'sent' (or 'empty' when an empty day was skipped) once it has: a row
-- in any state means that digest is never sent again. 'unknown' marks a send whose
-- outcome was lost (the process died mid-send or the request timed out).
CREATE TABLE digest_deliveries (
    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
    digest_date     TEXT NOT NULL,      -- first day the digest covers
    state           TEXT NOT NULL CHECK (state IN ('sending', 'sent', 'empty', 'unknown', 'failed')),
    messages        INTEGER NOT NULL DEFAULT 0,
    at              TEXT NOT NULL,
    PRIMARY KEY (subscription_id, digest_date)
) WITHOUT ROWID;
CREATE INDEX digest_deliveries_date ON digest_deliveries(digest_date);

-- Channels whose daily digest an admin switched on in /channels before subscriptions
-- existed (chats.settings {"digest": true}) keep it, at the default time, from now on.
INSERT INTO subscriptions (chat_id, chat_type, chat_title, at_time, due_from, created_at, updated_at)
SELECT id, type, title, '08:30', strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now'),
       strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now'), strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')
FROM chats WHERE type = 'channel' AND json_extract(settings, '$.digest') = 1;
