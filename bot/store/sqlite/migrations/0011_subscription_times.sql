-- A subscription's time of day is HH:MM from 00:00 to 23:59. Before this check one row with
-- 25:61 (from a forged button) made every digest round fail and the bot unable to start.
-- SQLite cannot add a CHECK to a table in place, so triggers refuse bad times; rows stored
-- before are paused with the reason (a round would set them aside the same way).
UPDATE subscriptions SET status = 'paused', reason = '发送时间无效：' || at_time
WHERE status != 'stopped'
  AND NOT (at_time GLOB '[0-2][0-9]:[0-5][0-9]' AND at_time <= '23:59');

CREATE TRIGGER subscriptions_time_insert BEFORE INSERT ON subscriptions
WHEN NOT (NEW.at_time GLOB '[0-2][0-9]:[0-5][0-9]' AND NEW.at_time <= '23:59')
BEGIN
    SELECT RAISE(ABORT, 'subscriptions.at_time must be HH:MM, 00:00 to 23:59');
END;

CREATE TRIGGER subscriptions_time_update BEFORE UPDATE OF at_time ON subscriptions
WHEN NOT (NEW.at_time GLOB '[0-2][0-9]:[0-5][0-9]' AND NEW.at_time <= '23:59')
BEGIN
    SELECT RAISE(ABORT, 'subscriptions.at_time must be HH:MM, 00:00 to 23:59');
END;
