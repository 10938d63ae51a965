-- Matches rank at most 500 fact-checks worded alike: past the threshold every one of them is a
-- match, and ranking all of thousands of near-identical verdicts would make one lookup's cost
-- grow with the table.
CREATE OR REPLACE FUNCTION attest_fact_checks_worded_like(wording text) RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT id FROM fact_checks WHERE claim_reviewed % wording LIMIT 500
$$;

CREATE OR REPLACE FUNCTION attest_fact_checks_of_speakers_worded_like(names text[], wording text) RETURNS SETOF uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    folded_name text;
    left_to_find bigint := 500;
    found bigint;
BEGIN
    FOREACH folded_name IN ARRAY coalesce(names, '{}') LOOP
        EXIT WHEN left_to_find <= 0;
        RETURN QUERY SELECT fact_checks.id FROM fact_checks
                      WHERE attest_fold(fact_checks.speaker_name) = folded_name
                        AND fact_checks.claim_reviewed % wording
                      LIMIT left_to_find;
        GET DIAGNOSTICS found = ROW_COUNT;
        left_to_find := left_to_find - found;
    END LOOP;
END
$$;
