-- Row-level security applies a query's own conditions after the policy's unless they are
-- leakproof, and only leakproof conditions can join the policy's in an index condition. Text,
-- uuid, integer and timestamp comparisons are leakproof; lower(), enum comparisons, full-text
-- `@@` and trigram `%` are not, so under the policies their indexes went unused and those
-- filters read the whole workspace row by row. This migration gives each of them a form an
-- index serves again.

-- Case-insensitive matches as stored keys: `key = lower($1)` compares text.
ALTER TABLE claims ADD COLUMN metric_key text NOT NULL GENERATED ALWAYS AS (lower(metric)) STORED;
DROP INDEX claims_metric_idx;
CREATE INDEX claims_metric_idx ON claims (workspace_id, metric_key, id);

ALTER TABLE speakers ADD COLUMN name_key text NOT NULL GENERATED ALWAYS AS (lower(name)) STORED;
DROP INDEX speakers_name_idx;
CREATE INDEX speakers_name_idx ON speakers (workspace_id, name_key, id);

-- A review status as text. The enum-to-text cast is only stable (labels can be renamed); this
-- one is immutable because a migration that renames a label recomputes these keys.
CREATE FUNCTION attest_review_status_key(status review_status) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN status::text;

ALTER TABLE quotes ADD COLUMN status_key text NOT NULL
    GENERATED ALWAYS AS (attest_review_status_key(status)) STORED;
DROP INDEX quotes_status_idx;
CREATE INDEX quotes_status_idx ON quotes (workspace_id, status_key, id) WHERE deleted_at IS NULL;

ALTER TABLE claims ADD COLUMN status_key text NOT NULL
    GENERATED ALWAYS AS (attest_review_status_key(status)) STORED;
DROP INDEX claims_status_idx;
CREATE INDEX claims_status_idx ON claims (workspace_id, status_key, id) WHERE deleted_at IS NULL;

-- Full-text and trigram matches run in functions of the tables' owner, whom the policies do
-- not bind, with the policies' own condition written beside the match, so one index serves
-- both. They return ids only: callers read the rows themselves, through the policies.

-- The records of `records` (sources, quotes or claims) in the caller's workspace whose search
-- vector matches `query`, in arrival slice `slice` when given, the first `max_rows` found
-- (NULL: all). ROWS: searches that use it look for rare words, and few rows make the planner
-- read each by its key rather than hash the workspace.
CREATE FUNCTION attest_full_text_matches(records text, query tsquery, slice integer, max_rows integer)
RETURNS SETOF uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 100 SET search_path = public, pg_temp AS $$
BEGIN
    IF records NOT IN ('sources', 'quotes', 'claims') THEN
        RAISE EXCEPTION 'no full-text search on %', records;
    END IF;
    -- Planned per call, with the values: the slice joins the index condition when given.
    RETURN QUERY EXECUTE format(
        'SELECT id FROM %I WHERE workspace_id = attest_current_workspace() AND search_vector @@ $1 %s LIMIT $3',
        records, CASE WHEN slice IS NULL THEN '' ELSE 'AND arrival_slice = $2' END)
    USING query, slice, max_rows;
END
$$;

-- Quotes of the caller's workspace worded like `wording` (pg_trgm's `%`, past the session's
-- similarity threshold).
CREATE FUNCTION attest_quotes_worded_like(wording text) RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT id FROM quotes WHERE workspace_id = attest_current_workspace() AND text % wording
$$;

-- Fact-checks whose reviewed claim is worded like `wording`, of any workspace: the trigram
-- index is on the wording alone, and reading the rows through the policy keeps those the
-- caller may not read.
CREATE FUNCTION attest_fact_checks_worded_like(wording text) RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT id FROM fact_checks WHERE claim_reviewed % wording
$$;
