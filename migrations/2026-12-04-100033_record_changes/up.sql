-- The record caches learn of changes from a table instead of NOTIFY. PostgreSQL serialises the
-- commits of all transactions that notify (each holds one database-wide lock from its
-- pre-commit until its commit record is flushed), so a notice per change made every writer
-- commit alone, with no WAL flush shared. An insert here takes no lock shared by writers.
-- Each server reads the rows its last read could not have seen (src/cache/follower.rs): every
-- transaction below its last snapshot's xmin had ended by then, so only later ones can add
-- rows it has not read, whatever order they commit in.
CREATE TABLE record_changes (
    -- The writing transaction's id (pg_current_xact_id, as bigint: xid8 never passes 2^63).
    xact      bigint NOT NULL DEFAULT pg_current_xact_id()::text::bigint,
    -- NULL when a table was emptied: every record goes.
    record_id uuid
);
CREATE INDEX record_changes_xact ON record_changes (xact);
-- Written only by the triggers below; read and trimmed by the servers' own sessions.
REVOKE ALL ON record_changes FROM attest_app;

-- Every change to a record row, by anyone (the API, another server, the CLI, plain SQL).
-- Inserts need no row: nothing is cached for an id before it exists.
CREATE FUNCTION attest_record_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO record_changes (record_id) VALUES (OLD.id);
    RETURN NULL;
END
$$;

-- A TRUNCATE names no rows: every cached record goes.
CREATE FUNCTION attest_records_emptied() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO record_changes (record_id) VALUES (NULL);
    RETURN NULL;
END
$$;

DO $$
DECLARE
    record_table text;
BEGIN
    FOREACH record_table IN ARRAY ARRAY['sources', 'speakers', 'quotes', 'claims'] LOOP
        EXECUTE format('DROP TRIGGER %I ON %I', record_table || '_notify_change', record_table);
        EXECUTE format('DROP TRIGGER %I ON %I', record_table || '_notify_emptied', record_table);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE OR DELETE ON %I
                        FOR EACH ROW EXECUTE FUNCTION attest_record_changed()',
                       record_table || '_record_changed', record_table);
        EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %I
                        FOR EACH STATEMENT EXECUTE FUNCTION attest_records_emptied()',
                       record_table || '_records_emptied', record_table);
    END LOOP;
END
$$;

DROP FUNCTION attest_notify_record_change();
DROP FUNCTION attest_notify_records_emptied();
