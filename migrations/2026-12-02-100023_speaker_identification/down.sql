DROP TRIGGER claims_claimant_identified ON claims;
DROP FUNCTION attest_claim_claimant_identified();
DROP TRIGGER quotes_speaker_identified ON quotes;
DROP FUNCTION attest_quote_speaker_identified();
ALTER TABLE claims DROP COLUMN claimant_identified_as;
ALTER TABLE quotes DROP COLUMN speaker_identified_as;
ALTER TABLE speakers
    DROP COLUMN identification_evidence,
    DROP COLUMN identified_at,
    DROP COLUMN identified_by,
    DROP COLUMN identified_as;
