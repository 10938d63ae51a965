ALTER TABLE speakers DROP COLUMN identity_key, DROP COLUMN identity_names;
DROP FUNCTION attest_speaker_key(text, text[]);
DROP FUNCTION attest_speaker_names(text, text[]);
DROP FUNCTION attest_fold(text);
DROP EXTENSION IF EXISTS unaccent;
