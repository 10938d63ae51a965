DROP FUNCTION attest_fact_checks_search(text, text, text, timestamptz, double precision, uuid, integer, integer);
DROP FUNCTION attest_host(text);
DROP INDEX fact_checks_search_idx;
