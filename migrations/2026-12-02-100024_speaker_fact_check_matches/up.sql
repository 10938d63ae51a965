-- A quote's matches are fact-checks of the same speaker worded like it. The trigram index alone
-- walks the posting lists of every common trigram over all fact-checks; with the folded speaker
-- name beside the wording in one GIN index (btree_gin), the scan is bounded by that speaker's
-- fact-checks.
CREATE INDEX fact_checks_speaker_wording_idx
    ON fact_checks USING gin (attest_fold(speaker_name), claim_reviewed gin_trgm_ops);

-- Fact-checks of any workspace by a speaker with one of the folded `names`, worded like
-- `wording`; as attest_fact_checks_worded_like, the caller reads the rows through the policy.
-- One scan per name: given a list, the planner prices the trigram condition alone as cheaper
-- and leaves the name out of the index scan.
CREATE FUNCTION attest_fact_checks_of_speakers_worded_like(names text[], wording text) RETURNS SETOF uuid
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
