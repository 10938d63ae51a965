CREATE OR REPLACE FUNCTION attest_stale_on_source_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE quotes SET stale_reasons = attest_add_reasons(stale_reasons, '{source}'),
                      stale_since = coalesce(stale_since, now()), version = version + 1, updated_at = now()
     WHERE source_id = NEW.id AND attest_is_verdict(status) AND deleted_at IS NULL;
    UPDATE claims SET stale_reasons = attest_add_reasons(stale_reasons, '{source}'),
                      stale_since = coalesce(stale_since, now()), version = version + 1, updated_at = now()
     WHERE source_id = NEW.id AND attest_is_verdict(status) AND deleted_at IS NULL;
    RETURN NULL;
END
$$;
