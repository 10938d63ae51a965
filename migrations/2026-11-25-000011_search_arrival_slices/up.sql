-- Arrival slices: every record belongs to the slice of 8,192 records it arrived with. Search
-- ranks at most a fixed number of the first matches found; for words in many records, finding
-- them through one bitmap of every match costs more the larger the table. Indexed together
-- with the text (btree_gin), the slice lets search look through the oldest slices one at a
-- time and stop once it has enough, at a cost that does not grow with the table.
CREATE EXTENSION IF NOT EXISTS btree_gin;

CREATE FUNCTION attest_arrival_slice_rows() RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN 8192;

CREATE SEQUENCE sources_arrival_seq;
CREATE SEQUENCE quotes_arrival_seq;
CREATE SEQUENCE claims_arrival_seq;

-- A volatile default numbers the existing rows in the table's order as the table is rewritten.
ALTER TABLE sources ADD COLUMN arrival_slice integer NOT NULL
    DEFAULT (nextval('sources_arrival_seq') / attest_arrival_slice_rows());
ALTER TABLE quotes ADD COLUMN arrival_slice integer NOT NULL
    DEFAULT (nextval('quotes_arrival_seq') / attest_arrival_slice_rows());
ALTER TABLE claims ADD COLUMN arrival_slice integer NOT NULL
    DEFAULT (nextval('claims_arrival_seq') / attest_arrival_slice_rows());

DROP INDEX sources_search_idx;
DROP INDEX quotes_search_idx;
DROP INDEX claims_search_idx;
CREATE INDEX sources_search_idx ON sources USING gin (arrival_slice, search_vector);
CREATE INDEX quotes_search_idx ON quotes USING gin (arrival_slice, search_vector);
CREATE INDEX claims_search_idx ON claims USING gin (arrival_slice, search_vector);
