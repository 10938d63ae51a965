-- Where words and numbers were read: an article, transcript, post, release or dataset.
CREATE TYPE source_kind AS ENUM ('article', 'transcript', 'social_post', 'press_release', 'dataset');

-- Numbers arrivals for arrival_slice (see attest_arrival_slice_rows).
CREATE SEQUENCE sources_arrival_seq;

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
    -- Who submitted the record: submitters may change only their own.
    created_by      uuid REFERENCES users (id),
    -- A later fetch of different text from the same URL is a new source that supersedes the
    -- earlier one; quotes stay anchored to the text they were read in.
    supersedes_id   uuid REFERENCES sources (id),
    -- Title and publisher weigh more than the body; the body is indexed up to 200,000
    -- characters (tsvector has a 1 MB limit).
    search_vector   tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector(attest_search_config(language), coalesce(title, '')), 'A')
        || setweight(to_tsvector('simple', coalesce(publisher, '') || ' ' || coalesce(author, '')), 'B')
        || setweight(to_tsvector(attest_search_config(language), left(coalesce(content, ''), 200000)), 'D')
    ) STORED,
    arrival_slice   integer NOT NULL
        DEFAULT (nextval('sources_arrival_seq') / attest_arrival_slice_rows()),
    CONSTRAINT sources_content_hashed CHECK ((content IS NULL) = (content_sha256 IS NULL)),
    CONSTRAINT sources_content_sha256_hex CHECK (content_sha256 ~ '^[0-9a-f]{64}$')
);

CREATE INDEX sources_url_idx ON sources (url);
CREATE INDEX sources_publisher_idx ON sources (publisher, id);
CREATE INDEX sources_supersedes_id_idx ON sources (supersedes_id);
CREATE INDEX sources_published_at_idx ON sources (published_at, id);
CREATE INDEX sources_search_idx ON sources USING gin (arrival_slice, search_vector);

CREATE TRIGGER sources_notify_change AFTER UPDATE OR DELETE ON sources
    FOR EACH ROW EXECUTE FUNCTION attest_notify_record_change();
CREATE TRIGGER sources_notify_emptied AFTER TRUNCATE ON sources
    FOR EACH STATEMENT EXECUTE FUNCTION attest_notify_records_emptied();

CREATE TRIGGER sources_note_search_configs AFTER INSERT ON sources
    REFERENCING NEW TABLE AS arrived FOR EACH STATEMENT EXECUTE FUNCTION attest_note_search_configs();
CREATE TRIGGER sources_note_search_config AFTER UPDATE OF language ON sources
    FOR EACH ROW WHEN (OLD.language IS DISTINCT FROM NEW.language)
    EXECUTE FUNCTION attest_note_search_config();
