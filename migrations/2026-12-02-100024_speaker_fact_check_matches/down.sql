DROP FUNCTION attest_fact_checks_of_speakers_worded_like(text[], text);
DROP INDEX fact_checks_speaker_wording_idx;
