-- A GiST trigram entry holds every trigram of its text, and an index row must fit in a page:
-- a quote of a few thousand characters could not be stored. Variant proposals find their
-- nearest neighbours by the first 1,000 characters (about 3 KB of trigrams at most);
-- `quote::lookalikes_of_speaker` orders by the same expression.
DROP INDEX quotes_speaker_text_trgm_idx;
CREATE INDEX quotes_speaker_text_trgm_idx ON quotes USING gist (speaker_id, left(text, 1000) gist_trgm_ops (siglen = 256));
