CREATE OR REPLACE FUNCTION attest_fact_checks_worded_like(wording text) RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT id FROM fact_checks WHERE claim_reviewed % wording
$$;

CREATE OR REPLACE FUNCTION attest_fact_checks_of_speakers_worded_like(names text[], wording text) RETURNS SETOF uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    folded_name text;
BEGIN
    FOREACH folded_name IN ARRAY coalesce(names, '{}') LOOP
        RETURN QUERY SELECT fact_checks.id FROM fact_checks
                      WHERE attest_fold(fact_checks.speaker_name) = folded_name
                        AND fact_checks.claim_reviewed % wording;
    END LOOP;
END
$$;
