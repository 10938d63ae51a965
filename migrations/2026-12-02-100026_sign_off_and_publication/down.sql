CREATE FUNCTION attest_withdraw_stale() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'claims' THEN
        DELETE FROM fact_checks WHERE claim_id = NEW.id;
    ELSE
        DELETE FROM fact_checks WHERE quote_id = NEW.id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER quotes_withdraw_stale AFTER UPDATE ON quotes
    FOR EACH ROW WHEN (OLD.stale_reasons IS NULL AND NEW.stale_reasons IS NOT NULL)
    EXECUTE FUNCTION attest_withdraw_stale();
CREATE TRIGGER claims_withdraw_stale AFTER UPDATE ON claims
    FOR EACH ROW WHEN (OLD.stale_reasons IS NULL AND NEW.stale_reasons IS NOT NULL)
    EXECUTE FUNCTION attest_withdraw_stale();
DROP TABLE fact_check_corrections;
DROP INDEX fact_checks_changed_idx;
DELETE FROM fact_checks WHERE state <> 'published';
ALTER TABLE fact_checks
    DROP CONSTRAINT fact_checks_notice,
    DROP CONSTRAINT fact_checks_state,
    DROP COLUMN version,
    DROP COLUMN notice,
    DROP COLUMN state,
    DROP COLUMN modified_at,
    DROP COLUMN published_by,
    DROP COLUMN authors,
    DROP COLUMN language,
    DROP COLUMN article_url,
    DROP COLUMN summary,
    DROP COLUMN headline;
DROP TABLE sign_offs;
