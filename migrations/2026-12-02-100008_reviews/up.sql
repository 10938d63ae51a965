-- Append-only verdicts on a quote or a claim. The verdict's status is also kept on the item
-- (quotes.status, claims.status).
CREATE TABLE reviews (
    id            uuid PRIMARY KEY,
    quote_id      uuid REFERENCES quotes (id),
    claim_id      uuid REFERENCES claims (id),
    reviewer_id   uuid NOT NULL REFERENCES users (id),
    status        review_status NOT NULL,
    -- ClaimReview-compatible rating: 1 (worst) to 5 (best), with its label (alternateName).
    rating_value  smallint,
    rating_label  text,
    rationale     text,
    -- The item's version this review produced (its ETag afterwards).
    item_version  integer NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT reviews_one_item CHECK (num_nonnulls(quote_id, claim_id) = 1),
    CONSTRAINT reviews_rating_range CHECK (rating_value BETWEEN 1 AND 5),
    CONSTRAINT reviews_rating_labelled CHECK ((rating_value IS NULL) = (rating_label IS NULL))
);

CREATE INDEX reviews_quote_id_idx ON reviews (quote_id, created_at) WHERE quote_id IS NOT NULL;
CREATE INDEX reviews_claim_id_idx ON reviews (claim_id, created_at) WHERE claim_id IS NOT NULL;
-- An item's review history is read a page at a time, in id order (UUIDv7: creation order).
CREATE INDEX reviews_quote_history_idx ON reviews (quote_id, id) WHERE quote_id IS NOT NULL;
CREATE INDEX reviews_claim_history_idx ON reviews (claim_id, id) WHERE claim_id IS NOT NULL;

-- What a verdict rests on: a stored source or a URL, each with a note.
CREATE TABLE review_evidence (
    id         uuid PRIMARY KEY,
    review_id  uuid NOT NULL REFERENCES reviews (id),
    position   integer NOT NULL,
    source_id  uuid REFERENCES sources (id),
    url        text,
    note       text NOT NULL,
    CONSTRAINT review_evidence_target CHECK (num_nonnulls(source_id, url) = 1),
    CONSTRAINT review_evidence_position_key UNIQUE (review_id, position)
);

-- History is never rewritten.
CREATE TRIGGER reviews_append_only BEFORE UPDATE OR DELETE ON reviews
    FOR EACH ROW EXECUTE FUNCTION refuse_history_rewrite();
CREATE TRIGGER review_evidence_append_only BEFORE UPDATE OR DELETE ON review_evidence
    FOR EACH ROW EXECUTE FUNCTION refuse_history_rewrite();
