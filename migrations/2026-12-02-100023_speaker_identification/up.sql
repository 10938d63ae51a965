-- An anonymous speaker ("a Western diplomat") identified later as a named one: who decided,
-- when, and on what evidence. Each quote and claim of the anonymous speaker carries the
-- identified one too, so that reads, lists and exports show both without a lookup.
ALTER TABLE speakers
    ADD COLUMN identified_as uuid REFERENCES speakers (id),
    ADD COLUMN identified_by uuid REFERENCES users (id),
    ADD COLUMN identified_at timestamptz,
    ADD COLUMN identification_evidence text,
    ADD CONSTRAINT speakers_identification_whole CHECK (
        (identified_as IS NULL) = (identified_by IS NULL)
        AND (identified_as IS NULL) = (identified_at IS NULL)
        AND (identified_as IS NULL) = (identification_evidence IS NULL)),
    ADD CONSTRAINT speakers_identified_as_another CHECK (identified_as <> id),
    ADD CONSTRAINT speakers_identified_when_anonymous CHECK (identified_as IS NULL OR kind = 'anonymous');

ALTER TABLE quotes ADD COLUMN speaker_identified_as uuid REFERENCES speakers (id);
ALTER TABLE claims ADD COLUMN claimant_identified_as uuid REFERENCES speakers (id);

-- A record attributed (again) to a speaker takes that speaker's identification; a change of
-- identification is written to the records by the server, which audits each.
CREATE FUNCTION attest_quote_speaker_identified() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.speaker_identified_as := (SELECT identified_as FROM speakers WHERE id = NEW.speaker_id);
    RETURN NEW;
END
$$;
CREATE TRIGGER quotes_speaker_identified BEFORE INSERT OR UPDATE OF speaker_id ON quotes
    FOR EACH ROW EXECUTE FUNCTION attest_quote_speaker_identified();

CREATE FUNCTION attest_claim_claimant_identified() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.claimant_identified_as := (SELECT identified_as FROM speakers WHERE id = NEW.claimant_id);
    RETURN NEW;
END
$$;
CREATE TRIGGER claims_claimant_identified BEFORE INSERT OR UPDATE OF claimant_id ON claims
    FOR EACH ROW EXECUTE FUNCTION attest_claim_claimant_identified();
