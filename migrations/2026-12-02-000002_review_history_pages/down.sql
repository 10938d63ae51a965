DROP INDEX reviews_claim_history_idx;
DROP INDEX reviews_quote_history_idx;
