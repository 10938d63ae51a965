DROP TRIGGER claims_note_search_config ON claims;
DROP TRIGGER quotes_note_search_config ON quotes;
DROP TRIGGER sources_note_search_config ON sources;
DROP TRIGGER claims_note_search_configs ON claims;
DROP TRIGGER quotes_note_search_configs ON quotes;
DROP TRIGGER sources_note_search_configs ON sources;
DROP FUNCTION attest_note_search_config();
DROP FUNCTION attest_note_search_configs();
DROP TABLE search_configs;
