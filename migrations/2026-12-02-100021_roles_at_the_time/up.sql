-- The speaker's or claimant's role as the source reported it at the time ("then foreign
-- minister"): a record's own, beside the speaker's current description.
ALTER TABLE quotes ADD COLUMN speaker_role text;
ALTER TABLE claims ADD COLUMN claimant_role text;
