-- Webhooks: a workspace's subscriptions, the events its changes emit (written in the change's
-- own transaction: a transactional outbox) and one delivery per event and subscription, which
-- the server's delivery worker sends at least once, signed, retrying with backoff.

CREATE TABLE webhook_subscriptions (
    id              uuid PRIMARY KEY,
    workspace_id    uuid NOT NULL DEFAULT attest_current_workspace() REFERENCES workspaces (id),
    url             text NOT NULL,
    event_types     text[] NOT NULL,
    description     text,
    -- The signing key (`whsec_` and base64): signing needs it as it is, so it is kept, and
    -- shown only in the answer that created it.
    secret          text NOT NULL,
    enabled         boolean NOT NULL DEFAULT true,
    -- Set when the server disabled it after persistent failure.
    disabled_reason text,
    disabled_at     timestamptz,
    -- The last delivery its receiver accepted: one with none since a delivery it gave up on
    -- is disabled.
    last_success_at timestamptz,
    created_by      uuid NOT NULL REFERENCES users (id),
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT webhook_subscriptions_workspace_id_key UNIQUE (workspace_id, id),
    CONSTRAINT webhook_subscriptions_event_types CHECK (cardinality(event_types) BETWEEN 1 AND 8)
);

-- An event, stored only when a subscription wants it. `body` is the exact JSON sent (and
-- signed) on every attempt.
CREATE TABLE webhook_events (
    id           uuid PRIMARY KEY,
    workspace_id uuid NOT NULL DEFAULT attest_current_workspace() REFERENCES workspaces (id),
    type         text NOT NULL,
    -- The quote, claim or source it is about: one subscription's deliveries about one
    -- subject go out in the order their changes committed.
    subject_id   uuid NOT NULL,
    body         text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT webhook_events_workspace_id_key UNIQUE (workspace_id, id)
);

CREATE TABLE webhook_deliveries (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id    uuid NOT NULL DEFAULT attest_current_workspace() REFERENCES workspaces (id),
    -- Creation order: per subscription and subject, a delivery waits for the earlier ones.
    seq             bigint GENERATED ALWAYS AS IDENTITY,
    subscription_id uuid NOT NULL,
    event_id        uuid NOT NULL,
    subject_id      uuid NOT NULL,
    state           text NOT NULL DEFAULT 'pending',
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    -- A worker is sending it until then; past it (the worker died) another may.
    leased_until    timestamptz,
    last_attempt_at timestamptz,
    last_status     integer,
    last_error      text,
    delivered_at    timestamptz,
    -- The latest attempts, oldest first: [{attempt, attempted_at, status, error, duration_ms,
    -- response_excerpt}].
    attempt_log     jsonb NOT NULL DEFAULT '[]',
    redelivery_of   uuid,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT webhook_deliveries_state CHECK (state IN ('pending', 'delivered', 'failed')),
    CONSTRAINT webhook_deliveries_subscription_fkey FOREIGN KEY (workspace_id, subscription_id)
        REFERENCES webhook_subscriptions (workspace_id, id) ON DELETE CASCADE,
    CONSTRAINT webhook_deliveries_event_fkey FOREIGN KEY (workspace_id, event_id)
        REFERENCES webhook_events (workspace_id, id)
);

CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at, seq) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_order_idx ON webhook_deliveries (subscription_id, subject_id, seq)
    WHERE state = 'pending';
CREATE INDEX webhook_deliveries_log_idx ON webhook_deliveries (workspace_id, subscription_id, seq);
CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_id);

DO $$
DECLARE
    owned text;
BEGIN
    FOREACH owned IN ARRAY ARRAY['webhook_subscriptions', 'webhook_events', 'webhook_deliveries'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', owned);
        EXECUTE format('CREATE POLICY workspace_isolation ON %I TO attest_app
                            USING (workspace_id = attest_current_workspace())', owned);
    END LOOP;
END
$$;

-- The delivery worker serves every workspace: these two functions are all it may do past
-- row-level security. Leasing takes due deliveries whose subscription is enabled and which
-- no earlier pending delivery of the same subscription and subject waits before; several
-- servers lease side by side (SKIP LOCKED), each delivery to one of them at a time.
--
-- It walks the due index in order, stops at `how_many`, and looks each candidate's chain up
-- in the chain's index, whatever the statistics say when the worker's session plans it (and
-- caches the plan): after a burst of events they lag far behind the pending count, and a
-- plan that sorts every due delivery, or scans them all per candidate, costs in proportion
-- to the backlog on every lease.
CREATE FUNCTION attest_webhook_lease(how_many integer, lease_for interval)
RETURNS TABLE (delivery_id uuid, attempts integer, created_at timestamptz, event_id uuid,
               body text, url text, secret text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
SET enable_sort = off SET enable_bitmapscan = off SET enable_seqscan = off AS $$
DECLARE
    due record;
    candidate record;
    taken uuid[] := '{}';
BEGIN
    FOR due IN
        SELECT d.id, d.subscription_id, d.subject_id, d.seq FROM webhook_deliveries d
        WHERE d.state = 'pending' AND d.next_attempt_at <= now()
        ORDER BY d.next_attempt_at, d.seq
    LOOP
        EXIT WHEN cardinality(taken) >= least(how_many, 1000);
        -- The head of its chain only: the ORDER BY (sorting being off) holds this to the
        -- chain's index.
        CONTINUE WHEN (SELECT e.seq FROM webhook_deliveries e
                       WHERE e.subscription_id = due.subscription_id AND e.subject_id = due.subject_id
                         AND e.state = 'pending'
                       ORDER BY e.seq LIMIT 1) < due.seq
            OR NOT EXISTS (SELECT FROM webhook_subscriptions s WHERE s.id = due.subscription_id AND s.enabled);
        SELECT d.state, d.leased_until INTO candidate FROM webhook_deliveries d WHERE d.id = due.id
        FOR UPDATE SKIP LOCKED;
        IF FOUND AND candidate.state = 'pending' AND (candidate.leased_until IS NULL OR candidate.leased_until <= now()) THEN
            taken := taken || due.id;
        END IF;
    END LOOP;
    RETURN QUERY
    UPDATE webhook_deliveries d SET leased_until = now() + lease_for
    FROM webhook_events ev, webhook_subscriptions s
    WHERE d.id = ANY (taken) AND ev.id = d.event_id AND s.id = d.subscription_id
    RETURNING d.id, d.attempts, d.created_at, ev.id, ev.body, s.url, s.secret;
END
$$;

-- Records one attempt. Delivered: done, and the subscription's last success. Not delivered:
-- tried again at `retry_at`, or, with none (the retry window is spent), failed; and then a
-- subscription whose receiver accepted nothing since that delivery was made is disabled, its
-- other pending deliveries failed with it.
CREATE FUNCTION attest_webhook_settle(delivery uuid, delivered boolean, status integer, error text,
                                      excerpt text, duration_ms integer, retry_at timestamptz)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    settled webhook_deliveries;
BEGIN
    -- By its key alone (the state checked here, not in the WHERE), so that no cached plan
    -- reads a partial index of every pending delivery to find one.
    SELECT * INTO settled FROM webhook_deliveries d WHERE d.id = delivery FOR UPDATE;
    IF NOT FOUND OR settled.state <> 'pending' THEN
        RETURN;
    END IF;
    UPDATE webhook_deliveries d SET
        attempts = d.attempts + 1,
        last_attempt_at = now(),
        last_status = status,
        last_error = error,
        leased_until = NULL,
        state = CASE WHEN delivered THEN 'delivered' WHEN retry_at IS NULL THEN 'failed' ELSE 'pending' END,
        delivered_at = CASE WHEN delivered THEN now() END,
        next_attempt_at = coalesce(retry_at, d.next_attempt_at),
        attempt_log = (SELECT coalesce(jsonb_agg(entry ORDER BY n), '[]')
                       FROM (SELECT entry, n FROM jsonb_array_elements(d.attempt_log || jsonb_build_object(
                                 'attempt', d.attempts + 1, 'attempted_at', now(), 'status', status,
                                 'error', error, 'duration_ms', duration_ms, 'response_excerpt', excerpt))
                                 WITH ORDINALITY AS log (entry, n)
                             ORDER BY n DESC LIMIT 50) latest)
    WHERE d.id = delivery
    RETURNING * INTO settled;
    IF delivered THEN
        UPDATE webhook_subscriptions SET last_success_at = now()
        WHERE id = settled.subscription_id AND (last_success_at IS NULL OR last_success_at < now() - interval '1 second');
    ELSIF settled.state = 'failed' THEN
        UPDATE webhook_subscriptions s SET enabled = false, disabled_at = now(),
            disabled_reason = format('no delivery accepted since %s; the last answer: %s',
                                     settled.created_at, coalesce(error, 'HTTP ' || status)),
            version = s.version + 1, updated_at = now()
        WHERE s.id = settled.subscription_id AND s.enabled
          AND (s.last_success_at IS NULL OR s.last_success_at < settled.created_at);
        IF FOUND THEN
            UPDATE webhook_deliveries SET state = 'failed', leased_until = NULL,
                last_error = 'the subscription was disabled'
            WHERE subscription_id = settled.subscription_id AND state = 'pending';
        END IF;
    END IF;
END
$$;
