-- A change to what ClaimReview shows of a source marks each verdict resting on it stale once:
-- a verdict already stale for its source keeps its version. So the rows a change touched are
-- exactly those it made stale, and the server audits each (`db::stale::marked_by_source_change`).
CREATE OR REPLACE FUNCTION attest_stale_on_source_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE quotes SET stale_reasons = attest_add_reasons(stale_reasons, '{source}'),
                      stale_since = coalesce(stale_since, now()), version = version + 1, updated_at = now()
     WHERE source_id = NEW.id AND attest_is_verdict(status) AND deleted_at IS NULL
       AND NOT coalesce('source' = ANY(stale_reasons), false);
    UPDATE claims SET stale_reasons = attest_add_reasons(stale_reasons, '{source}'),
                      stale_since = coalesce(stale_since, now()), version = version + 1, updated_at = now()
     WHERE source_id = NEW.id AND attest_is_verdict(status) AND deleted_at IS NULL
       AND NOT coalesce('source' = ANY(stale_reasons), false);
    RETURN NULL;
END
$$;
