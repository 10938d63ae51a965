DROP TABLE quotes;
DROP TYPE quote_kind;
