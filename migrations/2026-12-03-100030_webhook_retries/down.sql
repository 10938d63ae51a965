CREATE OR REPLACE FUNCTION attest_webhook_lease(how_many integer, lease_for interval)
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

DROP FUNCTION attest_webhook_settle(uuid, boolean, integer, text, text, integer, timestamptz, timestamptz);

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
