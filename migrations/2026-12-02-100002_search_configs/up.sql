-- The text search configurations each table's records are indexed in. Search reads a query in
-- every configuration and ORs the readings; a reading in a configuration no record uses can
-- only find words that happen to share its stem, yet every one of its words is one more entry
-- for the index to look up, in every arrival slice it reads. Only the configurations in use
-- are ORed. Rows are only ever added, by the *_note_search_config(s) triggers on sources,
-- quotes and claims: one left over after its last record went is harmless.
-- A change to attest_search_config must refill this table.
CREATE TABLE search_configs (
    records regclass NOT NULL,
    config  regconfig NOT NULL,
    PRIMARY KEY (records, config)
);
