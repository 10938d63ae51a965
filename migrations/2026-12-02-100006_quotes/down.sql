DROP TABLE quotes;
DROP SEQUENCE quotes_arrival_seq;
DROP TYPE quote_kind;
