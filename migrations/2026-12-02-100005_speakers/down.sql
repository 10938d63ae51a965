DROP TABLE speakers;
DROP TYPE speaker_kind;
