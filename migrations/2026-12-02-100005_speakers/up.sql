-- Who said it: a named person, an organisation, a group, or an anonymous source with a role.
CREATE TYPE speaker_kind AS ENUM ('person', 'organisation', 'anonymous', 'group');

CREATE TABLE speakers (
    id            uuid PRIMARY KEY,
    name          text NOT NULL,
    kind          speaker_kind NOT NULL,
    -- The role as reported: "UN Syria envoy", "a Western diplomat".
    description   text,
    aliases       text[] NOT NULL DEFAULT '{}',
    wikidata_qid  text,
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    deleted_at    timestamptz,
    -- Who submitted the record: submitters may change only their own.
    created_by    uuid REFERENCES users (id),
    CONSTRAINT speakers_wikidata_qid_format CHECK (wikidata_qid ~ '^Q[1-9][0-9]*$'),
    CONSTRAINT speakers_aliases_not_null CHECK (array_position(aliases, NULL) IS NULL)
);

-- One live speaker per Wikidata item.
CREATE UNIQUE INDEX speakers_wikidata_qid_key ON speakers (wikidata_qid) WHERE deleted_at IS NULL;
CREATE INDEX speakers_name_idx ON speakers (lower(name), id);

CREATE TRIGGER speakers_notify_change AFTER UPDATE OR DELETE ON speakers
    FOR EACH ROW EXECUTE FUNCTION attest_notify_record_change();
CREATE TRIGGER speakers_notify_emptied AFTER TRUNCATE ON speakers
    FOR EACH STATEMENT EXECUTE FUNCTION attest_notify_records_emptied();
