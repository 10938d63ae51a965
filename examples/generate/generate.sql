-- Synthetic data for benchmarks and demos. Placeholders {sources}, {speakers}, {quotes} and
-- {claims} are the target totals; each table grows to its target (re-running adds the rest).
-- Rows go to the workspace the session acts in; {workspace_number} keeps each workspace's
-- generated ids apart.
SET synchronous_commit = off;
SET maintenance_work_mem = '256MB';

-- A 200,000-word made-up vocabulary (2 to 4 syllables); words are drawn with a Zipf-like
-- skew (rank = 200000 * random^4), so a few words are everywhere and most are rare.
CREATE TEMP TABLE gen_words AS
  WITH syllables AS (
    SELECT s, row_number() OVER () - 1 AS n FROM regexp_split_to_table(
    'ba be bi bo bu da de di do du fa fe fi fo ka ke ki ko ku la le li lo lu ma me mi mo mu na ne ni no nu
     pa pe pi po ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo za ze zi zo zu ar er in on', '\s+') AS s
    WHERE s <> '')
  SELECT k AS n, (SELECT string_agg(s, '' ORDER BY i) FROM (
      SELECT i, (SELECT s FROM syllables WHERE n = (k / (64 ^ (i - 1))::bigint) % 64) AS s
      FROM generate_series(1, 2 + (k % 3)) i) AS parts) AS w
  FROM generate_series(0, 199999) k;
CREATE UNIQUE INDEX ON gen_words (n);

CREATE FUNCTION pg_temp.gen_text(words int) RETURNS text LANGUAGE sql VOLATILE AS $$
  SELECT string_agg(w.w, ' ' ORDER BY r.i)
  FROM (SELECT i, floor(200000 * power(random(), 4))::int AS k FROM generate_series(1, words) i) r
  JOIN gen_words w ON w.n = r.k
$$;

-- Generated sources, speakers and reviewers have ids numbered within a kind, so that they can
-- be picked by rank without a lookup.
CREATE FUNCTION pg_temp.gen_id(kind int, n bigint) RETURNS uuid LANGUAGE sql IMMUTABLE AS $$
  SELECT (lpad(to_hex(kind + 16 * {workspace_number}), 8, '0') || '-0000-7000-8000-' || lpad(to_hex(n), 12, '0'))::uuid
$$;

CREATE FUNCTION pg_temp.gen_count(kind int, tbl regclass) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE found bigint;
BEGIN
  EXECUTE format('SELECT count(*) FROM %s WHERE id BETWEEN $1 AND $2', tbl)
    INTO found USING pg_temp.gen_id(kind, 0), pg_temp.gen_id(kind, 281474976710655);
  RETURN found;
END $$;

-- Every third item carries a verdict (its review is written at the end), the others none.
CREATE FUNCTION pg_temp.gen_review(g bigint, OUT status review_status, OUT version int, OUT reviewed_at timestamptz)
LANGUAGE sql VOLATILE AS $$
  SELECT CASE WHEN g % 3 = 0
              THEN (ARRAY['verified', 'false', 'misleading', 'unverifiable', 'disputed'])[1 + g % 5]
              ELSE 'unreviewed' END::review_status,
         CASE WHEN g % 3 = 0 THEN 2 ELSE 1 END,
         CASE WHEN g % 3 = 0 THEN now() - random() * interval '365 days' END
$$;

-- Twenty reviewers of the workspace (they cannot sign in: the hash is of a password nobody
-- knows).
INSERT INTO users (id, email, display_name, password_hash)
  SELECT pg_temp.gen_id(3, g), 'reviewer-' || g || '-{workspace_number}@generated.example',
         'Generated reviewer ' || g, '{password_hash}'
  FROM generate_series(1, 20) g
  ON CONFLICT DO NOTHING;
INSERT INTO memberships (workspace_id, user_id, role)
  SELECT attest_current_workspace(), pg_temp.gen_id(3, g), 'reviewer' FROM generate_series(1, 20) g
  ON CONFLICT DO NOTHING;

-- Sources: articles from 200 outlets (a few publish most), over three years.
INSERT INTO sources (id, url, title, publisher, author, published_at, retrieved_at, language, kind)
  SELECT pg_temp.gen_id(1, g), 'https://generated.example/articles/' || g, initcap(pg_temp.gen_text(5 + g::int % 8)),
         'Outlet ' || (1 + floor(200 * power(random(), 2))::int), 'Reporter ' || (g % 3000),
         now() - random() * interval '1095 days', now(), 'en', 'article'
  FROM generate_series(pg_temp.gen_count(1, 'sources') + 1, {sources}) g;

-- Speakers: people mostly, some organisations.
INSERT INTO speakers (id, name, kind, description)
  SELECT pg_temp.gen_id(2, g), initcap(pg_temp.gen_text(2)),
         CASE WHEN g % 10 = 0 THEN 'organisation' ELSE 'person' END::speaker_kind,
         CASE WHEN g % 4 = 0 THEN pg_temp.gen_text(3) END
  FROM generate_series(pg_temp.gen_count(2, 'speakers') + 1, {speakers}) g;

-- Quotes: 8 to 37 words; speaker rank = speakers * random^3, so the busiest few say most.
-- A third carry a verdict (their review is written below).
INSERT INTO quotes (id, source_id, speaker_id, text, kind, said_at, language, status, version, reviewed_at)
  SELECT gen_random_uuid(), pg_temp.gen_id(1, 1 + floor({sources} * random())::bigint),
         pg_temp.gen_id(2, 1 + floor({speakers} * power(random(), 3))::bigint),
         pg_temp.gen_text(8 + floor(30 * random())::int),
         (ARRAY['direct', 'direct', 'direct', 'direct', 'partial', 'indirect'])[1 + g % 6]::quote_kind,
         now() - random() * interval '1095 days', 'en',
         review.status, review.version, review.reviewed_at
  FROM generate_series((SELECT count(*) FROM quotes WHERE workspace_id = attest_current_workspace()) + 1, {quotes}) g
  CROSS JOIN LATERAL pg_temp.gen_review(g) review;

-- Claims: a few common metrics and a long tail; mostly exact values, some ranges.
INSERT INTO claims (id, source_id, claimant_id, statement, metric, qualifier, value, lower_bound,
                    upper_bound, unit, as_of, place, language, status, version, reviewed_at)
  SELECT gen_random_uuid(), pg_temp.gen_id(1, 1 + floor({sources} * random())::bigint),
         CASE WHEN g % 5 <> 0 THEN pg_temp.gen_id(2, 1 + floor({speakers} * power(random(), 3))::bigint) END,
         pg_temp.gen_text(10 + floor(20 * random())::int),
         CASE WHEN g % 2 = 0
              THEN (ARRAY['unemployment rate', 'inflation', 'deaths', 'GDP growth', 'displaced people',
                          'budget deficit', 'homicides', 'turnout', 'emissions', 'school enrolment'])[1 + (g / 2) % 10]
              ELSE pg_temp.gen_text(2) END,
         (ARRAY['exact', 'exact', 'exact', 'approximately', 'more_than', 'at_least', 'less_than',
                'almost', 'range', 'exact'])[1 + g % 10]::claim_qualifier,
         CASE WHEN g % 10 <> 8 THEN round((random() * 10 ^ (1 + g % 7))::numeric, (g % 3)::int) END,
         CASE WHEN g % 10 = 8 THEN round((random() * 1000)::numeric, 1) END,
         CASE WHEN g % 10 = 8 THEN round((1000 + random() * 1000)::numeric, 1) END,
         (ARRAY['percent', 'people', 'USD', 'tonnes', NULL])[1 + g % 5],
         (now() - random() * interval '1095 days')::date,
         CASE WHEN g % 3 = 0 THEN 'Region ' || (g % 40) END, 'en',
         review.status, review.version, review.reviewed_at
  FROM generate_series((SELECT count(*) FROM claims WHERE workspace_id = attest_current_workspace()) + 1, {claims}) g
  CROSS JOIN LATERAL pg_temp.gen_review(g) review;

-- The review behind every verdict written above.
INSERT INTO reviews (id, quote_id, reviewer_id, status, rationale, item_version, created_at)
  SELECT gen_random_uuid(), q.id, pg_temp.gen_id(3, 1 + (hashtext(q.id::text) & 15)), q.status,
         pg_temp.gen_text(12), 2, q.reviewed_at
  FROM quotes q
  WHERE q.workspace_id = attest_current_workspace() AND q.status <> 'unreviewed' AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.quote_id = q.id);
INSERT INTO reviews (id, claim_id, reviewer_id, status, rationale, item_version, created_at)
  SELECT gen_random_uuid(), c.id, pg_temp.gen_id(3, 1 + (hashtext(c.id::text) & 15)), c.status,
         pg_temp.gen_text(12), 2, c.reviewed_at
  FROM claims c
  WHERE c.workspace_id = attest_current_workspace() AND c.status <> 'unreviewed' AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.claim_id = c.id);
