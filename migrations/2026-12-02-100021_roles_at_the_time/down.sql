ALTER TABLE claims DROP COLUMN claimant_role;
ALTER TABLE quotes DROP COLUMN speaker_role;
