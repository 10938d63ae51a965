DROP TABLE sources;
DROP SEQUENCE sources_arrival_seq;
DROP TYPE source_kind;
