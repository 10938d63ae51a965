-- One appearance of words attributed to a speaker in a source.
CREATE TYPE quote_kind AS ENUM ('direct', 'partial', 'indirect');

CREATE TABLE quotes (
    id             uuid PRIMARY KEY,
    source_id      uuid NOT NULL REFERENCES sources (id),
    speaker_id     uuid NOT NULL REFERENCES speakers (id),
    text           text NOT NULL,
    kind           quote_kind NOT NULL,
    -- W3C Web Annotation anchor: TextQuoteSelector (prefix/exact/suffix) and
    -- TextPositionSelector (start/end, in Unicode code points) into sources.content.
    anchor_prefix  text,
    anchor_exact   text,
    anchor_suffix  text,
    anchor_start   integer,
    anchor_end     integer,
    -- The outlet the words were quoted through ("quoted by state television").
    relayed_by     text,
    said_at        timestamptz,
    language       text,
    version        integer NOT NULL DEFAULT 1,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    deleted_at     timestamptz,
    CONSTRAINT quotes_anchor_complete
        CHECK (num_nulls(anchor_prefix, anchor_exact, anchor_suffix, anchor_start, anchor_end) IN (0, 5)),
    CONSTRAINT quotes_anchor_span CHECK (anchor_start >= 0 AND anchor_end > anchor_start)
);

CREATE INDEX quotes_source_id_idx ON quotes (source_id, id);
CREATE INDEX quotes_speaker_id_idx ON quotes (speaker_id, id);
