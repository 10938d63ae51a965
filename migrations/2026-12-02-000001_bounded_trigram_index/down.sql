DROP INDEX quotes_speaker_text_trgm_idx;
CREATE INDEX quotes_speaker_text_trgm_idx ON quotes USING gist (speaker_id, text gist_trgm_ops (siglen = 256));
