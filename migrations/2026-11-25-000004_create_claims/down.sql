DROP TABLE claims;
DROP TYPE claim_qualifier;
