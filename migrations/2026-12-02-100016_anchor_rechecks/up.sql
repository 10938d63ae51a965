-- When a new version of a source supersedes one, every quote and claim anchored in the earlier
-- version is re-anchored in the new text (`domain::reanchor`): one row each, keyed by the new
-- version. The records stay in the version they were read in; this says where their words are
-- now, and whether they are still the same words.
CREATE TABLE anchor_rechecks (
    id                  uuid PRIMARY KEY,
    workspace_id        uuid NOT NULL DEFAULT attest_current_workspace() REFERENCES workspaces (id),
    source_id           uuid NOT NULL,
    record_source_id  uuid NOT NULL,
    quote_id            uuid,
    claim_id            uuid,
    outcome             text NOT NULL,
    -- The anchor in the new text (unless gone or ambiguous), the similarity and word diff of a
    -- changed passage, the best similarity of a gone one, the occurrences of an ambiguous one.
    result              jsonb NOT NULL,
    -- Whether this re-check made a verdict on the record stale.
    made_stale          boolean NOT NULL,
    checked_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT anchor_rechecks_one_record CHECK (num_nonnulls(quote_id, claim_id) = 1),
    CONSTRAINT anchor_rechecks_outcome CHECK (outcome IN ('unchanged', 'moved', 'changed', 'gone', 'ambiguous')),
    CONSTRAINT anchor_rechecks_source_fkey FOREIGN KEY (workspace_id, source_id)
        REFERENCES sources (workspace_id, id),
    CONSTRAINT anchor_rechecks_record_source_fkey FOREIGN KEY (workspace_id, record_source_id)
        REFERENCES sources (workspace_id, id),
    CONSTRAINT anchor_rechecks_quote_fkey FOREIGN KEY (workspace_id, quote_id) REFERENCES quotes (workspace_id, id),
    CONSTRAINT anchor_rechecks_claim_fkey FOREIGN KEY (workspace_id, claim_id) REFERENCES claims (workspace_id, id)
);

-- A version's re-check, page by page, all of it or one outcome.
CREATE INDEX anchor_rechecks_source_idx ON anchor_rechecks (source_id, id);
CREATE INDEX anchor_rechecks_outcome_idx ON anchor_rechecks (source_id, outcome, id);
CREATE INDEX anchor_rechecks_quote_idx ON anchor_rechecks (quote_id) WHERE quote_id IS NOT NULL;
CREATE INDEX anchor_rechecks_claim_idx ON anchor_rechecks (claim_id) WHERE claim_id IS NOT NULL;

ALTER TABLE anchor_rechecks ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_isolation ON anchor_rechecks TO attest_app
    USING (workspace_id = attest_current_workspace());

-- Re-checks are facts about a version: written once, never rewritten.
CREATE TRIGGER anchor_rechecks_append_only BEFORE UPDATE ON anchor_rechecks
    FOR EACH ROW EXECUTE FUNCTION refuse_history_rewrite();
