DROP TABLE claims;
DROP SEQUENCE claims_arrival_seq;
DROP TYPE claim_qualifier;
