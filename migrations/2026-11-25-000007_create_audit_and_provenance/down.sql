DROP INDEX quotes_text_trgm_idx;
DROP INDEX quotes_speaker_text_trgm_idx;
DROP EXTENSION IF EXISTS btree_gist;
DROP EXTENSION IF EXISTS pg_trgm;
ALTER TABLE quotes DROP COLUMN canonical_quote_id;
ALTER TABLE sources DROP COLUMN supersedes_id;
DROP TABLE audit_events;
