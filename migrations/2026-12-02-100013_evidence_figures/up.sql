-- A figure that evidence gives (an exact decimal, its unit, its date or period, and where the
-- evidence gives it), and whether the claim's figure agreed with it when the review was
-- recorded (`domain::consistency`): a suggestion kept beside what the reviewer judged.
ALTER TABLE review_evidence
    ADD COLUMN figure_value numeric,
    ADD COLUMN figure_unit text,
    ADD COLUMN figure_as_of date,
    ADD COLUMN figure_period_start date,
    ADD COLUMN figure_period_end date,
    ADD COLUMN figure_origin text,
    ADD COLUMN consistency jsonb,
    ADD CONSTRAINT review_evidence_figure_whole CHECK (
        figure_value IS NOT NULL OR (figure_unit IS NULL AND figure_as_of IS NULL AND figure_period_start IS NULL
                                     AND figure_period_end IS NULL AND figure_origin IS NULL AND consistency IS NULL));

-- "Approximately" needs some room by default (`domain::workspace::DEFAULT_FIGURE_TOLERANCE_PERCENT`);
-- a workspace sets its own.
ALTER TABLE workspaces ALTER COLUMN figure_tolerance_percent SET DEFAULT 5;
UPDATE workspaces SET figure_tolerance_percent = 5 WHERE figure_tolerance_percent = 0;
