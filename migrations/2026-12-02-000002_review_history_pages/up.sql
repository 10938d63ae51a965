-- An item's review history is read a page at a time, in id order (UUIDv7: creation order).
CREATE INDEX reviews_quote_history_idx ON reviews (quote_id, id) WHERE quote_id IS NOT NULL;
CREATE INDEX reviews_claim_history_idx ON reviews (claim_id, id) WHERE claim_id IS NOT NULL;
