CREATE FUNCTION attest_notify_record_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('attest_record_changes', OLD.id::text);
    RETURN NULL;
END
$$;

CREATE FUNCTION attest_notify_records_emptied() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('attest_record_changes', '*');
    RETURN NULL;
END
$$;

DO $$
DECLARE
    record_table text;
BEGIN
    FOREACH record_table IN ARRAY ARRAY['sources', 'speakers', 'quotes', 'claims'] LOOP
        EXECUTE format('DROP TRIGGER %I ON %I', record_table || '_record_changed', record_table);
        EXECUTE format('DROP TRIGGER %I ON %I', record_table || '_records_emptied', record_table);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE OR DELETE ON %I
                        FOR EACH ROW EXECUTE FUNCTION attest_notify_record_change()',
                       record_table || '_notify_change', record_table);
        EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %I
                        FOR EACH STATEMENT EXECUTE FUNCTION attest_notify_records_emptied()',
                       record_table || '_notify_emptied', record_table);
    END LOOP;
END
$$;

DROP FUNCTION attest_record_changed();
DROP FUNCTION attest_records_emptied();
DROP TABLE record_changes;
