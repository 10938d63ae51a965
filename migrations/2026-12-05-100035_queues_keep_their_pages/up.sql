-- Every writer inserts into these queues and a server's own session empties them, so their
-- tails fall empty again and again. Vacuum truncates an empty tail under an ACCESS EXCLUSIVE
-- lock, and each writer's insert then waits for it (`Lock:relation`); the pages are reused
-- by the next inserts anyway.
ALTER TABLE log_pending SET (vacuum_truncate = false);
ALTER TABLE record_changes SET (vacuum_truncate = false);
