-- Who may do what: submitter < reviewer < editor < admin.
CREATE TYPE user_role AS ENUM ('submitter', 'reviewer', 'editor', 'admin');

CREATE TABLE users (
    id                uuid PRIMARY KEY,
    email             text NOT NULL,
    display_name      text NOT NULL,
    role              user_role NOT NULL,
    -- argon2id, PHC string format.
    password_hash     text NOT NULL,
    -- Access tokens carry the generation they were issued in; a password or role change
    -- bumps it, so every earlier token stops working at once.
    token_generation  integer NOT NULL DEFAULT 1,
    disabled_at       timestamptz,
    version           integer NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX users_email_key ON users (lower(email));

-- Machine clients. The secret is shown once; only its SHA-256 is kept (a 256-bit random
-- secret needs no slow hash). A key acts for its user, with at most its `role`.
CREATE TABLE api_keys (
    id            uuid PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES users (id),
    name          text NOT NULL,
    role          user_role NOT NULL,
    prefix        text NOT NULL,
    secret_sha256 text NOT NULL,
    created_by    uuid NOT NULL REFERENCES users (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz,
    CONSTRAINT api_keys_prefix_key UNIQUE (prefix)
);

CREATE INDEX api_keys_user_id_idx ON api_keys (user_id);

-- Refresh tokens, hashed, rotated on every use. All tokens descended from one sign-in share
-- a family; presenting a used token revokes the whole family (it was stolen or replayed).
CREATE TABLE refresh_tokens (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id),
    family_id   uuid NOT NULL,
    token_sha256 text NOT NULL,
    issued_at   timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    revoked_at  timestamptz,
    CONSTRAINT refresh_tokens_token_sha256_key UNIQUE (token_sha256)
);

CREATE INDEX refresh_tokens_family_id_idx ON refresh_tokens (family_id);
