DROP TABLE sources;
DROP TYPE source_kind;
