-- GET /claims:search (the shape of Google Fact Check Tools' claims:search) over published
-- fact-checks: their words and headline, language-neutral ('simple': no stemming, no stop
-- words, since fact-checks come in every language).
CREATE INDEX fact_checks_search_idx ON fact_checks
    USING gin (to_tsvector('simple', claim_reviewed || ' ' || coalesce(headline, '')))
    WHERE state = 'published';

-- The host of a web address, lower-cased, without user information or port.
CREATE FUNCTION attest_host(address text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT lower(substring(address FROM '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#]*@)?([^/:?#]+)'))
$$;

-- Published fact-checks matching `wanted` (web search syntax; none: every one), in
-- `wanted_language` (or a regional form of it), whose article is on `wanted_site` (or a
-- subdomain), published or corrected since `changed_since`; each optional. Of the newest
-- `max_ranked` that match, those after the key (`after_rank`, `after_id`) in rank order, at
-- most `max_results`. As the tables' owner, so that the text match uses its index (policies
-- filter row by row before a condition that is not leakproof); the fact_checks policy's
-- condition is written beside it, so a caller finds only what it may read.
CREATE FUNCTION attest_fact_checks_search(
    wanted text, wanted_language text, wanted_site text, changed_since timestamptz,
    after_rank double precision, after_id uuid, max_results integer, max_ranked integer
) RETURNS TABLE (id uuid, rank double precision)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN QUERY
    WITH matched AS (
        SELECT f.id,
               CASE WHEN wanted IS NULL THEN 0
                    ELSE ts_rank(to_tsvector('simple', f.claim_reviewed || ' ' || coalesce(f.headline, '')),
                                 websearch_to_tsquery('simple', wanted))::double precision
               END AS rank
          FROM fact_checks f
         WHERE f.state = 'published'
           AND (wanted IS NULL
                OR to_tsvector('simple', f.claim_reviewed || ' ' || coalesce(f.headline, ''))
                   @@ websearch_to_tsquery('simple', wanted))
           AND (wanted_language IS NULL OR lower(f.language) = lower(wanted_language)
                OR lower(f.language) LIKE lower(wanted_language) || '-%')
           AND (wanted_site IS NULL OR attest_host(f.article_url) = wanted_site
                OR attest_host(f.article_url) LIKE '%.' || wanted_site)
           AND (changed_since IS NULL OR coalesce(f.modified_at, f.published_at) >= changed_since)
           AND (f.workspace_id = attest_current_workspace() OR attest_current_caller() IS NOT NULL
                OR EXISTS (SELECT FROM workspaces w WHERE w.id = f.workspace_id AND w.public_fact_checks))
         ORDER BY f.published_at DESC
         LIMIT max_ranked
    )
    SELECT m.id, m.rank
      FROM matched m
     WHERE after_rank IS NULL OR (m.rank, m.id) < (after_rank, after_id)
     ORDER BY m.rank DESC, m.id DESC
     LIMIT max_results;
END
$$;
