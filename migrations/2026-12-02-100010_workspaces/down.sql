DROP FUNCTION attest_membership_count(uuid);
DROP POLICY workspace_isolation ON memberships;
ALTER TABLE memberships DISABLE ROW LEVEL SECURITY;
DROP FUNCTION attest_touch_api_key(uuid);
DROP FUNCTION attest_api_key_by_prefix(text);
DROP FUNCTION attest_audit_links(bigint, integer);
DROP FUNCTION attest_audit_head();
DROP TABLE fact_checks;

DO $$
DECLARE
    owned text;
BEGIN
    FOREACH owned IN ARRAY ARRAY['sources', 'speakers', 'quotes', 'claims', 'reviews',
                                 'review_evidence', 'audit_events', 'api_keys'] LOOP
        EXECUTE format('DROP POLICY workspace_isolation ON %I', owned);
        EXECUTE format('ALTER TABLE %I DISABLE ROW LEVEL SECURITY', owned);
    END LOOP;
END
$$;

-- The role stays (other databases of the cluster may use it); its rights here go.
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM attest_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM attest_app;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM attest_app;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM attest_app;
-- Except reading which migrations ran: a server whose schema is behind says so (503), rather
-- than failing to look.
GRANT SELECT ON __diesel_schema_migrations TO attest_app;

DROP INDEX api_keys_workspace_id_idx;
DROP INDEX audit_events_workspace_idx;

DROP INDEX claims_search_idx;
CREATE INDEX claims_search_idx ON claims USING gin (arrival_slice, search_vector);
DROP INDEX claims_reviewed_at_idx;
CREATE INDEX claims_reviewed_at_idx ON claims (reviewed_at, id) WHERE reviewed_at IS NOT NULL;
DROP INDEX claims_status_idx;
CREATE INDEX claims_status_idx ON claims (status, id) WHERE deleted_at IS NULL;
DROP INDEX claims_metric_idx;
CREATE INDEX claims_metric_idx ON claims (lower(metric), id);

DROP INDEX quotes_search_idx;
CREATE INDEX quotes_search_idx ON quotes USING gin (arrival_slice, search_vector);
DROP INDEX quotes_reviewed_at_idx;
CREATE INDEX quotes_reviewed_at_idx ON quotes (reviewed_at, id) WHERE reviewed_at IS NOT NULL;
DROP INDEX quotes_status_idx;
CREATE INDEX quotes_status_idx ON quotes (status, id) WHERE deleted_at IS NULL;

DROP INDEX speakers_name_idx;
CREATE INDEX speakers_name_idx ON speakers (lower(name), id);
DROP INDEX speakers_wikidata_qid_key;
CREATE UNIQUE INDEX speakers_wikidata_qid_key ON speakers (wikidata_qid) WHERE deleted_at IS NULL;

DROP INDEX sources_search_idx;
CREATE INDEX sources_search_idx ON sources USING gin (arrival_slice, search_vector);
DROP INDEX sources_published_at_idx;
CREATE INDEX sources_published_at_idx ON sources (published_at, id);
DROP INDEX sources_publisher_idx;
CREATE INDEX sources_publisher_idx ON sources (publisher, id);

ALTER TABLE review_evidence DROP CONSTRAINT review_evidence_review_id_fkey,
    DROP CONSTRAINT review_evidence_source_id_fkey,
    ADD CONSTRAINT review_evidence_review_id_fkey FOREIGN KEY (review_id) REFERENCES reviews (id),
    ADD CONSTRAINT review_evidence_source_id_fkey FOREIGN KEY (source_id) REFERENCES sources (id);
ALTER TABLE reviews DROP CONSTRAINT reviews_quote_id_fkey,
    DROP CONSTRAINT reviews_claim_id_fkey,
    ADD CONSTRAINT reviews_quote_id_fkey FOREIGN KEY (quote_id) REFERENCES quotes (id),
    ADD CONSTRAINT reviews_claim_id_fkey FOREIGN KEY (claim_id) REFERENCES claims (id);
ALTER TABLE claims DROP CONSTRAINT claims_source_id_fkey,
    DROP CONSTRAINT claims_claimant_id_fkey,
    ADD CONSTRAINT claims_source_id_fkey FOREIGN KEY (source_id) REFERENCES sources (id),
    ADD CONSTRAINT claims_claimant_id_fkey FOREIGN KEY (claimant_id) REFERENCES speakers (id);
ALTER TABLE quotes DROP CONSTRAINT quotes_source_id_fkey,
    DROP CONSTRAINT quotes_speaker_id_fkey,
    DROP CONSTRAINT quotes_canonical_quote_id_fkey,
    ADD CONSTRAINT quotes_source_id_fkey FOREIGN KEY (source_id) REFERENCES sources (id),
    ADD CONSTRAINT quotes_speaker_id_fkey FOREIGN KEY (speaker_id) REFERENCES speakers (id),
    ADD CONSTRAINT quotes_canonical_quote_id_fkey FOREIGN KEY (canonical_quote_id) REFERENCES quotes (id);
ALTER TABLE sources DROP CONSTRAINT sources_supersedes_id_fkey,
    ADD CONSTRAINT sources_supersedes_id_fkey FOREIGN KEY (supersedes_id) REFERENCES sources (id);

ALTER TABLE reviews DROP CONSTRAINT reviews_workspace_id_key;
ALTER TABLE claims DROP CONSTRAINT claims_workspace_id_key;
ALTER TABLE quotes DROP CONSTRAINT quotes_workspace_id_key;
ALTER TABLE speakers DROP CONSTRAINT speakers_workspace_id_key;
ALTER TABLE sources DROP CONSTRAINT sources_workspace_id_key;

DO $$
DECLARE
    owned text;
BEGIN
    FOREACH owned IN ARRAY ARRAY['sources', 'speakers', 'quotes', 'claims', 'reviews',
                                 'review_evidence', 'audit_events', 'api_keys'] LOOP
        EXECUTE format('ALTER TABLE %I DROP COLUMN workspace_id', owned);
    END LOOP;
END
$$;

-- A user's role comes back as the highest they held anywhere.
ALTER TABLE users ADD COLUMN role user_role;
UPDATE users SET role = coalesce(
    (SELECT max(m.role) FROM memberships m WHERE m.user_id = users.id),
    CASE WHEN instance_admin THEN 'admin'::user_role ELSE 'submitter'::user_role END);
ALTER TABLE users ALTER COLUMN role SET NOT NULL;
ALTER TABLE users DROP COLUMN instance_admin;

DROP TABLE memberships;
ALTER TABLE reviews DROP CONSTRAINT reviews_rating_range, DROP CONSTRAINT reviews_rating_scaled,
    DROP COLUMN rating_best, DROP COLUMN rating_worst;
ALTER TABLE reviews ADD CONSTRAINT reviews_rating_range CHECK (rating_value BETWEEN 1 AND 5);
DROP TABLE workspaces;
DROP FUNCTION attest_current_caller();
DROP FUNCTION attest_current_workspace();
