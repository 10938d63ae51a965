-- Workspaces: several newsrooms on one server, each seeing only its own records. Isolation is
-- PostgreSQL's: every workspace-owned table has row-level security keyed on the workspace the
-- transaction set (`SET LOCAL attest.workspace`), and the server's sessions run as
-- `attest_app`, a role that cannot bypass it. A query that forgets to say which workspace it
-- means finds nothing rather than another newsroom's rows.

-- The workspace the current transaction acts in; NULL when none was set.
CREATE FUNCTION attest_current_workspace() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE
RETURN nullif(current_setting('attest.workspace', true), '')::uuid;

-- The signed-in user the transaction acts for (`SET LOCAL attest.caller`); NULL for anonymous
-- readers and for work of the server's own.
CREATE FUNCTION attest_current_caller() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE
RETURN nullif(current_setting('attest.caller', true), '')::uuid;

CREATE TABLE workspaces (
    id                 uuid PRIMARY KEY,
    -- How callers name it (`Attest-Workspace: <slug>`).
    slug               text NOT NULL,
    name               text NOT NULL,
    -- The rating scale of its verdicts: [{"value": 1, "label": "False"}, ...], worst first.
    rating_scale       jsonb NOT NULL,
    -- Approvals a verdict needs before it may be published: [{"role": "editor", "count": 1}].
    sign_off           jsonb NOT NULL DEFAULT '[]',
    -- How far (in percent) a figure may stray from its evidence and still match.
    figure_tolerance_percent numeric NOT NULL DEFAULT 0,
    -- Who stands behind its published fact-checks (ClaimReview's author); the server's
    -- configured publisher when unset.
    publisher_name     text,
    publisher_url      text,
    -- Whether its published fact-checks may be read by anyone, signed in or not.
    public_fact_checks boolean NOT NULL DEFAULT false,
    version            integer NOT NULL DEFAULT 1,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT workspaces_slug_format CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    CONSTRAINT workspaces_tolerance_range CHECK (figure_tolerance_percent BETWEEN 0 AND 100)
);

CREATE UNIQUE INDEX workspaces_slug_key ON workspaces (slug);

-- Everything that existed before workspaces belongs to the default one, which a caller who
-- names no workspace acts in.
INSERT INTO workspaces (id, slug, name, rating_scale)
VALUES ('00000000-0000-7000-8000-000000000001', 'default', 'Default',
        '[{"value": 1, "label": "False"}, {"value": 2, "label": "Misleading"},
          {"value": 3, "label": "Mixed"}, {"value": 4, "label": "Mostly true"},
          {"value": 5, "label": "True"}]');

-- Each workspace rates on its own scale (`workspaces.rating_scale`), checked when a review
-- is recorded; a rating keeps the ends of the scale it was given on.
ALTER TABLE reviews DROP CONSTRAINT reviews_rating_range,
    ADD COLUMN rating_worst smallint,
    ADD COLUMN rating_best smallint;
-- Ratings given so far were on the fixed 1-to-5 scale: saying so rewrites no verdict, so the
-- append-only guard steps aside for this one statement.
ALTER TABLE reviews DISABLE TRIGGER reviews_append_only;
UPDATE reviews SET rating_worst = 1, rating_best = 5 WHERE rating_value IS NOT NULL;
ALTER TABLE reviews ENABLE TRIGGER reviews_append_only;
ALTER TABLE reviews
    ADD CONSTRAINT reviews_rating_scaled CHECK ((rating_value IS NULL) = (rating_best IS NULL)
        AND (rating_value IS NULL) = (rating_worst IS NULL)),
    ADD CONSTRAINT reviews_rating_range CHECK (rating_value BETWEEN rating_worst AND rating_best);

-- A user's role in a workspace. Users themselves are instance-wide (one sign-in).
CREATE TABLE memberships (
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    user_id      uuid NOT NULL REFERENCES users (id),
    role         user_role NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, user_id)
);

CREATE INDEX memberships_user_id_idx ON memberships (user_id, workspace_id);

INSERT INTO memberships (workspace_id, user_id, role)
SELECT '00000000-0000-7000-8000-000000000001', id, role FROM users;

-- Instance administrators create workspaces and manage their members; the role moved to
-- memberships.
ALTER TABLE users ADD COLUMN instance_admin boolean NOT NULL DEFAULT false;
UPDATE users SET instance_admin = true WHERE role = 'admin';
ALTER TABLE users DROP COLUMN role;

-- The owning workspace of every workspace-owned row: existing rows are the default
-- workspace's; new rows take the transaction's (and row-level security refuses any other).
DO $$
DECLARE
    owned text;
BEGIN
    FOREACH owned IN ARRAY ARRAY['sources', 'speakers', 'quotes', 'claims', 'reviews',
                                 'review_evidence', 'audit_events', 'api_keys'] LOOP
        EXECUTE format('ALTER TABLE %I ADD COLUMN workspace_id uuid NOT NULL
                            DEFAULT ''00000000-0000-7000-8000-000000000001'' REFERENCES workspaces (id)', owned);
        EXECUTE format('ALTER TABLE %I ALTER COLUMN workspace_id SET DEFAULT attest_current_workspace()', owned);
    END LOOP;
END
$$;

-- Changes to accounts (a new password) belong to no workspace: their events have none, and
-- no workspace reads them.
ALTER TABLE audit_events ALTER COLUMN workspace_id DROP NOT NULL;

-- (workspace_id, id) is unique so that references can name both: a row can only ever point
-- at a row of its own workspace, whatever the code does (foreign key checks do not see
-- row-level security). The same indexes serve each workspace's lists in id order.
ALTER TABLE sources ADD CONSTRAINT sources_workspace_id_key UNIQUE (workspace_id, id);
ALTER TABLE speakers ADD CONSTRAINT speakers_workspace_id_key UNIQUE (workspace_id, id);
ALTER TABLE quotes ADD CONSTRAINT quotes_workspace_id_key UNIQUE (workspace_id, id);
ALTER TABLE claims ADD CONSTRAINT claims_workspace_id_key UNIQUE (workspace_id, id);
ALTER TABLE reviews ADD CONSTRAINT reviews_workspace_id_key UNIQUE (workspace_id, id);

ALTER TABLE sources DROP CONSTRAINT sources_supersedes_id_fkey,
    ADD CONSTRAINT sources_supersedes_id_fkey FOREIGN KEY (workspace_id, supersedes_id)
        REFERENCES sources (workspace_id, id);
ALTER TABLE quotes DROP CONSTRAINT quotes_source_id_fkey,
    DROP CONSTRAINT quotes_speaker_id_fkey,
    DROP CONSTRAINT quotes_canonical_quote_id_fkey,
    ADD CONSTRAINT quotes_source_id_fkey FOREIGN KEY (workspace_id, source_id)
        REFERENCES sources (workspace_id, id),
    ADD CONSTRAINT quotes_speaker_id_fkey FOREIGN KEY (workspace_id, speaker_id)
        REFERENCES speakers (workspace_id, id),
    ADD CONSTRAINT quotes_canonical_quote_id_fkey FOREIGN KEY (workspace_id, canonical_quote_id)
        REFERENCES quotes (workspace_id, id);
ALTER TABLE claims DROP CONSTRAINT claims_source_id_fkey,
    DROP CONSTRAINT claims_claimant_id_fkey,
    ADD CONSTRAINT claims_source_id_fkey FOREIGN KEY (workspace_id, source_id)
        REFERENCES sources (workspace_id, id),
    ADD CONSTRAINT claims_claimant_id_fkey FOREIGN KEY (workspace_id, claimant_id)
        REFERENCES speakers (workspace_id, id);
ALTER TABLE reviews DROP CONSTRAINT reviews_quote_id_fkey,
    DROP CONSTRAINT reviews_claim_id_fkey,
    ADD CONSTRAINT reviews_quote_id_fkey FOREIGN KEY (workspace_id, quote_id)
        REFERENCES quotes (workspace_id, id),
    ADD CONSTRAINT reviews_claim_id_fkey FOREIGN KEY (workspace_id, claim_id)
        REFERENCES claims (workspace_id, id);
ALTER TABLE review_evidence DROP CONSTRAINT review_evidence_review_id_fkey,
    DROP CONSTRAINT review_evidence_source_id_fkey,
    ADD CONSTRAINT review_evidence_review_id_fkey FOREIGN KEY (workspace_id, review_id)
        REFERENCES reviews (workspace_id, id),
    ADD CONSTRAINT review_evidence_source_id_fkey FOREIGN KEY (workspace_id, source_id)
        REFERENCES sources (workspace_id, id);

-- Every filtered list reads one workspace's rows in key order: the workspace leads each
-- index, so a small newsroom's page never walks past a large one's rows.
DROP INDEX sources_publisher_idx;
CREATE INDEX sources_publisher_idx ON sources (workspace_id, publisher, id);
DROP INDEX sources_published_at_idx;
CREATE INDEX sources_published_at_idx ON sources (workspace_id, published_at, id);
DROP INDEX sources_search_idx;
CREATE INDEX sources_search_idx ON sources USING gin (workspace_id, arrival_slice, search_vector);

DROP INDEX speakers_wikidata_qid_key;
CREATE UNIQUE INDEX speakers_wikidata_qid_key ON speakers (workspace_id, wikidata_qid) WHERE deleted_at IS NULL;
DROP INDEX speakers_name_idx;
CREATE INDEX speakers_name_idx ON speakers (workspace_id, lower(name), id);

DROP INDEX quotes_status_idx;
CREATE INDEX quotes_status_idx ON quotes (workspace_id, status, id) WHERE deleted_at IS NULL;
DROP INDEX quotes_reviewed_at_idx;
CREATE INDEX quotes_reviewed_at_idx ON quotes (workspace_id, reviewed_at, id) WHERE reviewed_at IS NOT NULL;
DROP INDEX quotes_search_idx;
CREATE INDEX quotes_search_idx ON quotes USING gin (workspace_id, arrival_slice, search_vector);

DROP INDEX claims_metric_idx;
CREATE INDEX claims_metric_idx ON claims (workspace_id, lower(metric), id);
DROP INDEX claims_status_idx;
CREATE INDEX claims_status_idx ON claims (workspace_id, status, id) WHERE deleted_at IS NULL;
DROP INDEX claims_reviewed_at_idx;
CREATE INDEX claims_reviewed_at_idx ON claims (workspace_id, reviewed_at, id) WHERE reviewed_at IS NOT NULL;
DROP INDEX claims_search_idx;
CREATE INDEX claims_search_idx ON claims USING gin (workspace_id, arrival_slice, search_vector);

CREATE INDEX audit_events_workspace_idx ON audit_events (workspace_id, seq);
CREATE INDEX api_keys_workspace_id_idx ON api_keys (workspace_id, id);

-- Published verdicts, shared: every workspace (and, where the publishing workspace allows,
-- anyone) may read them; only the publishing workspace writes them. One row per item whose
-- latest verdict stands: what was judged, by whom it was said, and the rating.
CREATE TABLE fact_checks (
    id              uuid PRIMARY KEY,
    workspace_id    uuid NOT NULL DEFAULT attest_current_workspace() REFERENCES workspaces (id),
    quote_id        uuid,
    claim_id        uuid,
    review_id       uuid NOT NULL,
    -- The words or the statement judged, and who said them, for matching across workspaces.
    claim_reviewed  text NOT NULL,
    speaker_name    text,
    rating_value    smallint NOT NULL,
    rating_label    text NOT NULL,
    rating_worst    smallint NOT NULL,
    rating_best     smallint NOT NULL,
    published_at    timestamptz NOT NULL,
    CONSTRAINT fact_checks_one_item CHECK (num_nonnulls(quote_id, claim_id) = 1),
    CONSTRAINT fact_checks_quote_fkey FOREIGN KEY (workspace_id, quote_id) REFERENCES quotes (workspace_id, id),
    CONSTRAINT fact_checks_claim_fkey FOREIGN KEY (workspace_id, claim_id) REFERENCES claims (workspace_id, id),
    CONSTRAINT fact_checks_review_fkey FOREIGN KEY (workspace_id, review_id) REFERENCES reviews (workspace_id, id)
);

CREATE UNIQUE INDEX fact_checks_quote_key ON fact_checks (quote_id) WHERE quote_id IS NOT NULL;
CREATE UNIQUE INDEX fact_checks_claim_key ON fact_checks (claim_id) WHERE claim_id IS NOT NULL;
CREATE INDEX fact_checks_published_idx ON fact_checks (published_at, id);
CREATE INDEX fact_checks_claim_reviewed_trgm_idx ON fact_checks USING gin (claim_reviewed gin_trgm_ops);

-- The role the server's sessions run as (`SET ROLE attest_app` once per connection): it may
-- read and write the tables, but neither owns them nor bypasses row-level security. Roles are
-- per cluster, so another database's migration may have made it already.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'attest_app') THEN
        CREATE ROLE attest_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
    END IF;
END
$$;
GRANT attest_app TO CURRENT_USER;
GRANT USAGE ON SCHEMA public TO attest_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO attest_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO attest_app;
REVOKE INSERT, UPDATE, DELETE ON __diesel_schema_migrations FROM attest_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO attest_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO attest_app;

-- One policy per workspace-owned table: rows of the transaction's workspace, and no other,
-- may be read or written.
DO $$
DECLARE
    owned text;
BEGIN
    FOREACH owned IN ARRAY ARRAY['sources', 'speakers', 'quotes', 'claims', 'reviews',
                                 'review_evidence', 'api_keys'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', owned);
        EXECUTE format('CREATE POLICY workspace_isolation ON %I TO attest_app
                            USING (workspace_id = attest_current_workspace())', owned);
    END LOOP;
END
$$;

ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_isolation ON audit_events TO attest_app
    USING (workspace_id = attest_current_workspace())
    WITH CHECK (workspace_id IS NOT DISTINCT FROM attest_current_workspace());

-- A workspace's roster is its own; a user also sees their own memberships, wherever they are.
ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_isolation ON memberships TO attest_app
    USING (workspace_id = attest_current_workspace() OR user_id = attest_current_caller())
    WITH CHECK (workspace_id = attest_current_workspace());

-- How many workspaces a user belongs to (an account shared by several is changed only by an
-- instance administrator), without saying which.
CREATE FUNCTION attest_membership_count(member uuid) RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT count(*) FROM memberships WHERE user_id = member
$$;

-- Fact-checks: read by every signed-in caller of any workspace, and by anyone where their
-- workspace publishes publicly; written by their own workspace only.

ALTER TABLE fact_checks ENABLE ROW LEVEL SECURITY;
CREATE POLICY fact_checks_shared ON fact_checks FOR SELECT TO attest_app
    USING (workspace_id = attest_current_workspace() OR attest_current_caller() IS NOT NULL
           OR EXISTS (SELECT FROM workspaces w
                      WHERE w.id = fact_checks.workspace_id AND w.public_fact_checks));
CREATE POLICY fact_checks_own_insert ON fact_checks FOR INSERT TO attest_app
    WITH CHECK (workspace_id = attest_current_workspace());
CREATE POLICY fact_checks_own_update ON fact_checks FOR UPDATE TO attest_app
    USING (workspace_id = attest_current_workspace());
CREATE POLICY fact_checks_own_delete ON fact_checks FOR DELETE TO attest_app
    USING (workspace_id = attest_current_workspace());

-- The audit chain is one line through every workspace: appending needs the head, and
-- verifying needs each event's link, whichever workspace wrote it. These two functions give
-- exactly that (hashes and sequence numbers, never content) past row-level security.
CREATE FUNCTION attest_audit_head() RETURNS TABLE (seq bigint, hash text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1
$$;

CREATE FUNCTION attest_audit_links(after_seq bigint, how_many integer)
RETURNS TABLE (seq bigint, prev_hash text, hash text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT seq, prev_hash, hash FROM audit_events
    WHERE seq > after_seq ORDER BY seq LIMIT least(how_many, 10000)
$$;

-- An API key is presented before its workspace is known: it is found by its public prefix,
-- and nothing else about other workspaces' keys is readable. Its use is recorded at most once
-- a minute, so busy clients do not write on every call.
CREATE FUNCTION attest_api_key_by_prefix(key_prefix text)
RETURNS TABLE (id uuid, workspace_id uuid, user_id uuid, role user_role, secret_sha256 text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT id, workspace_id, user_id, role, secret_sha256 FROM api_keys
    WHERE prefix = key_prefix AND revoked_at IS NULL
$$;

CREATE FUNCTION attest_touch_api_key(key_id uuid) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    UPDATE api_keys SET last_used_at = now()
    WHERE id = key_id AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
$$;
