-- Where words and numbers were read: an article, transcript, post, release or dataset.
CREATE TYPE source_kind AS ENUM ('article', 'transcript', 'social_post', 'press_release', 'dataset');

CREATE TABLE sources (
    id              uuid PRIMARY KEY,
    url             text NOT NULL,
    canonical_url   text,
    title           text,
    publisher       text,
    author          text,
    published_at    timestamptz,
    retrieved_at    timestamptz NOT NULL,
    language        text,
    kind            source_kind NOT NULL,
    -- The exact text that was read; quotes and claims are anchored into it.
    content         text,
    content_sha256  text,
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    deleted_at      timestamptz,
    CONSTRAINT sources_content_hashed CHECK ((content IS NULL) = (content_sha256 IS NULL)),
    CONSTRAINT sources_content_sha256_hex CHECK (content_sha256 ~ '^[0-9a-f]{64}$')
);

CREATE INDEX sources_url_idx ON sources (url);
CREATE INDEX sources_publisher_idx ON sources (publisher, id);
