-- A verdict is about exactly what was judged: the item's covered fields and its source as they
-- were. When any of them changes afterwards the verdict is stale (`stale_reasons` says which,
-- `stale_since` when) until a reviewer records a verdict again, which clears it. Triggers keep
-- it, so every path that changes a row is covered, the server's and an operator's alike.
ALTER TABLE quotes ADD COLUMN stale_reasons text[], ADD COLUMN stale_since timestamptz;
ALTER TABLE claims ADD COLUMN stale_reasons text[], ADD COLUMN stale_since timestamptz;
CREATE INDEX quotes_stale_idx ON quotes (workspace_id, id) WHERE stale_reasons IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX claims_stale_idx ON claims (workspace_id, id) WHERE stale_reasons IS NOT NULL AND deleted_at IS NULL;

-- A review records the digest of what it judged (see `attest_claim_basis`/`attest_quote_basis`).
ALTER TABLE reviews ADD COLUMN basis_sha256 text;

-- The statuses that are verdicts.
CREATE FUNCTION attest_is_verdict(status review_status) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN status IN ('verified', 'disputed', 'false', 'misleading', 'unverifiable');

-- What a verdict covers of its source: what ClaimReview shows of it, and its text's digest.
CREATE FUNCTION attest_source_snapshot(source uuid) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
RETURN (SELECT jsonb_build_array(s.url, s.title, s.publisher, s.author, s.published_at, s.content_sha256)
          FROM sources s WHERE s.id = source);

-- What a verdict on a claim covers: its figure, words, claimant and anchor, and its source's
-- snapshot.
CREATE FUNCTION attest_claim_basis(c claims) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
RETURN encode(sha256(convert_to(jsonb_build_array(
    c.statement, c.value::text, c.qualifier, c.lower_bound::text, c.upper_bound::text, c.unit, c.metric,
    c.as_of, c.period_start, c.period_end, c.place, c.claimant_id,
    c.anchor_prefix, c.anchor_exact, c.anchor_suffix, c.anchor_start, c.anchor_end,
    attest_source_snapshot(c.source_id))::text, 'UTF8')), 'hex');

-- What a verdict on a quote covers: its words, speaker, kind, anchor and relay, and its source's
-- snapshot.
CREATE FUNCTION attest_quote_basis(q quotes) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
RETURN encode(sha256(convert_to(jsonb_build_array(
    q.text, q.speaker_id, q.kind, q.relayed_by,
    q.anchor_prefix, q.anchor_exact, q.anchor_suffix, q.anchor_start, q.anchor_end,
    attest_source_snapshot(q.source_id))::text, 'UTF8')), 'hex');

-- The covered fields an update changed, by name.
CREATE FUNCTION attest_claim_covered_changes(o claims, n claims) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN array_remove(ARRAY[
    CASE WHEN o.statement IS DISTINCT FROM n.statement THEN 'statement' END,
    CASE WHEN o.value IS DISTINCT FROM n.value THEN 'value' END,
    CASE WHEN o.qualifier IS DISTINCT FROM n.qualifier THEN 'qualifier' END,
    CASE WHEN (o.lower_bound, o.upper_bound) IS DISTINCT FROM (n.lower_bound, n.upper_bound) THEN 'bounds' END,
    CASE WHEN o.unit IS DISTINCT FROM n.unit THEN 'unit' END,
    CASE WHEN o.metric IS DISTINCT FROM n.metric THEN 'metric' END,
    CASE WHEN (o.as_of, o.period_start, o.period_end) IS DISTINCT FROM (n.as_of, n.period_start, n.period_end)
         THEN 'period' END,
    CASE WHEN o.place IS DISTINCT FROM n.place THEN 'place' END,
    CASE WHEN o.claimant_id IS DISTINCT FROM n.claimant_id THEN 'claimant' END,
    CASE WHEN (o.anchor_prefix, o.anchor_exact, o.anchor_suffix, o.anchor_start, o.anchor_end)
              IS DISTINCT FROM (n.anchor_prefix, n.anchor_exact, n.anchor_suffix, n.anchor_start, n.anchor_end)
         THEN 'anchor' END], NULL);

CREATE FUNCTION attest_quote_covered_changes(o quotes, n quotes) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN array_remove(ARRAY[
    CASE WHEN o.text IS DISTINCT FROM n.text THEN 'text' END,
    CASE WHEN o.speaker_id IS DISTINCT FROM n.speaker_id THEN 'speaker' END,
    CASE WHEN o.kind IS DISTINCT FROM n.kind THEN 'kind' END,
    CASE WHEN o.relayed_by IS DISTINCT FROM n.relayed_by THEN 'relayed_by' END,
    CASE WHEN (o.anchor_prefix, o.anchor_exact, o.anchor_suffix, o.anchor_start, o.anchor_end)
              IS DISTINCT FROM (n.anchor_prefix, n.anchor_exact, n.anchor_suffix, n.anchor_start, n.anchor_end)
         THEN 'anchor' END], NULL);

-- Reasons added to a row's, each once, in order.
CREATE FUNCTION attest_add_reasons(reasons text[], added text[]) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ARRAY(SELECT DISTINCT r FROM unnest(coalesce(reasons, '{}') || added) r ORDER BY r);

-- An edit of a covered field under a verdict makes it stale.
CREATE FUNCTION attest_stale_on_edit() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    changed text[];
BEGIN
    IF NOT attest_is_verdict(OLD.status) OR NEW.status IS DISTINCT FROM OLD.status THEN
        RETURN NEW;
    END IF;
    -- Each branch is planned only for the table it names.
    IF TG_TABLE_NAME = 'claims' THEN
        changed := attest_claim_covered_changes(OLD, NEW);
    ELSE
        changed := attest_quote_covered_changes(OLD, NEW);
    END IF;
    IF cardinality(changed) > 0 THEN
        NEW.stale_reasons := attest_add_reasons(NEW.stale_reasons, changed);
        NEW.stale_since := coalesce(NEW.stale_since, now());
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER quotes_stale_on_edit BEFORE UPDATE ON quotes
    FOR EACH ROW EXECUTE FUNCTION attest_stale_on_edit();
CREATE TRIGGER claims_stale_on_edit BEFORE UPDATE ON claims
    FOR EACH ROW EXECUTE FUNCTION attest_stale_on_edit();

-- A stale verdict is no longer published: other workspaces (and the public) stop seeing the
-- old rating as current until a reviewer records one again (which publishes it anew).
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

-- A change to what ClaimReview shows of a source makes every verdict resting on it stale, in
-- one statement per table however many cite it (each a new version: its representation changed).
CREATE FUNCTION attest_stale_on_source_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE quotes SET stale_reasons = attest_add_reasons(stale_reasons, '{source}'),
                      stale_since = coalesce(stale_since, now()), version = version + 1, updated_at = now()
     WHERE source_id = NEW.id AND attest_is_verdict(status) AND deleted_at IS NULL;
    UPDATE claims SET stale_reasons = attest_add_reasons(stale_reasons, '{source}'),
                      stale_since = coalesce(stale_since, now()), version = version + 1, updated_at = now()
     WHERE source_id = NEW.id AND attest_is_verdict(status) AND deleted_at IS NULL;
    RETURN NULL;
END
$$;
CREATE TRIGGER sources_stale_verdicts AFTER UPDATE ON sources
    FOR EACH ROW WHEN ((OLD.url, OLD.title, OLD.publisher, OLD.author, OLD.published_at)
                       IS DISTINCT FROM (NEW.url, NEW.title, NEW.publisher, NEW.author, NEW.published_at))
    EXECUTE FUNCTION attest_stale_on_source_change();
