ALTER TABLE record_changes RESET (vacuum_truncate);
ALTER TABLE log_pending RESET (vacuum_truncate);
