-- The publishing organisation's logo, as ClaimReview's publisher carries it.
ALTER TABLE workspaces ADD COLUMN publisher_logo_url text;
