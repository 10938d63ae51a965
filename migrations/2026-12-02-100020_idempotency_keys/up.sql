-- Idempotency-Key (the IETF httpapi draft): the first answer to a POST that carried a key, kept
-- for a day, so that a retry with the same key and body gets that answer again instead of
-- writing twice. Keyed by the caller and the workspace the request named (`scope`, empty outside
-- any workspace): nobody else can replay it.
CREATE TABLE idempotency_keys (
    user_id      uuid NOT NULL REFERENCES users (id),
    scope        text NOT NULL,
    key          text NOT NULL,
    -- SHA-256 of the method, path, query and body: the same key with another request is refused.
    fingerprint  text NOT NULL,
    -- None while the first request runs.
    status       smallint,
    headers      jsonb,
    body         bytea,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, scope, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
