DROP TABLE speaker_merges;
ALTER TABLE speakers DROP CONSTRAINT speakers_merged_into_fkey;
ALTER TABLE speakers DROP COLUMN merged_into;
