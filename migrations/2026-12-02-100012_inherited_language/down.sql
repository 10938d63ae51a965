DROP TRIGGER sources_pass_on_language ON sources;
DROP FUNCTION attest_pass_on_language();
DROP TRIGGER claims_inherit_language ON claims;
DROP TRIGGER quotes_inherit_language ON quotes;
DROP FUNCTION attest_inherit_language();
UPDATE claims SET language = NULL WHERE language_inherited;
UPDATE quotes SET language = NULL WHERE language_inherited;
ALTER TABLE claims DROP COLUMN language_inherited;
ALTER TABLE quotes DROP COLUMN language_inherited;
