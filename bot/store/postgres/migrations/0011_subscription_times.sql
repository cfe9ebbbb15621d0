-- A subscription's time of day is HH:MM from 00:00 to 23:59. Before this check one row with
-- 25:61 (from a forged button) made every digest round fail and the bot unable to start.
-- Rows stored before are paused with the reason (a round would set them aside the same
-- way); from then on a CHECK refuses bad times (SQLite, which cannot add one to a table in
-- place, uses triggers).
UPDATE subscriptions SET status = 'paused', reason = '发送时间无效：' || at_time
WHERE status != 'stopped'
  AND NOT (at_time ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$');

-- NOT VALID: the rows paused above keep the time their reason names; every row inserted or
-- updated from now on is checked. Unlike SQLite's triggers (which check only a change of
-- at_time), any update of such a row is refused until its time is put right.
ALTER TABLE subscriptions ADD CONSTRAINT subscriptions_at_time
    CHECK (at_time ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$') NOT VALID;
