-- Approvals and objections of a verdict, as the workspace's sign-off policy asks for them:
-- recorded like reviews, never rewritten. One per person and verdict.
CREATE TABLE sign_offs (
    id            uuid PRIMARY KEY,
    workspace_id  uuid NOT NULL DEFAULT attest_current_workspace() REFERENCES workspaces (id),
    review_id     uuid NOT NULL,
    quote_id      uuid,
    claim_id      uuid,
    approves      boolean NOT NULL,
    signer_id     uuid NOT NULL REFERENCES users (id),
    -- The signer's role in the workspace when they signed: what the policy counts.
    signer_role   user_role NOT NULL,
    note          text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT sign_offs_one_item CHECK (num_nonnulls(quote_id, claim_id) = 1),
    CONSTRAINT sign_offs_review_fkey FOREIGN KEY (workspace_id, review_id) REFERENCES reviews (workspace_id, id),
    CONSTRAINT sign_offs_once_per_signer UNIQUE (review_id, signer_id)
);
CREATE TRIGGER sign_offs_append_only BEFORE UPDATE OR DELETE ON sign_offs
    FOR EACH ROW EXECUTE FUNCTION refuse_history_rewrite();
ALTER TABLE sign_offs ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_isolation ON sign_offs TO attest_app
    USING (workspace_id = attest_current_workspace());

-- A fact-check is now what an editor publishes, not every verdict: the article's headline,
-- summary, address, language and authors, and its state. Those published before keep being
-- published (their documents fall back to the API's own address).
ALTER TABLE fact_checks
    ADD COLUMN headline      text,
    ADD COLUMN summary       text,
    ADD COLUMN article_url   text,
    ADD COLUMN language      text,
    ADD COLUMN authors       text[] NOT NULL DEFAULT '{}',
    ADD COLUMN published_by  uuid REFERENCES users (id),
    ADD COLUMN modified_at   timestamptz,
    ADD COLUMN state         text NOT NULL DEFAULT 'published',
    -- Why it was unpublished or retracted: shown wherever the fact-check was.
    ADD COLUMN notice        text,
    ADD COLUMN version       integer NOT NULL DEFAULT 1,
    ADD CONSTRAINT fact_checks_state CHECK (state IN ('published', 'unpublished', 'retracted')),
    ADD CONSTRAINT fact_checks_notice CHECK ((state = 'published') = (notice IS NULL));
CREATE INDEX fact_checks_changed_idx ON fact_checks ((coalesce(modified_at, published_at)), id)
    WHERE state = 'published';

-- Each correction of a published fact-check, with its note: shown in the document.
CREATE TABLE fact_check_corrections (
    id             uuid PRIMARY KEY,
    workspace_id   uuid NOT NULL DEFAULT attest_current_workspace() REFERENCES workspaces (id),
    fact_check_id  uuid NOT NULL REFERENCES fact_checks (id),
    note           text NOT NULL,
    corrected_by   uuid NOT NULL REFERENCES users (id),
    corrected_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX fact_check_corrections_of_idx ON fact_check_corrections (fact_check_id, corrected_at);
CREATE TRIGGER fact_check_corrections_append_only BEFORE UPDATE OR DELETE ON fact_check_corrections
    FOR EACH ROW EXECUTE FUNCTION refuse_history_rewrite();
ALTER TABLE fact_check_corrections ENABLE ROW LEVEL SECURITY;
-- Corrections are as public as the fact-check they correct.
CREATE POLICY fact_check_corrections_shared ON fact_check_corrections FOR SELECT TO attest_app
    USING (EXISTS (SELECT FROM fact_checks f WHERE f.id = fact_check_corrections.fact_check_id));
CREATE POLICY fact_check_corrections_own_insert ON fact_check_corrections FOR INSERT TO attest_app
    WITH CHECK (workspace_id = attest_current_workspace());

-- A publication stays what was published when the item changes: an editor corrects it. The
-- verdict still becomes stale (and the item needs review again).
DROP TRIGGER quotes_withdraw_stale ON quotes;
DROP TRIGGER claims_withdraw_stale ON claims;
DROP FUNCTION attest_withdraw_stale();
