ALTER TABLE workspaces ALTER COLUMN figure_tolerance_percent SET DEFAULT 0;
ALTER TABLE review_evidence
    DROP CONSTRAINT review_evidence_figure_whole,
    DROP COLUMN consistency,
    DROP COLUMN figure_origin,
    DROP COLUMN figure_period_end,
    DROP COLUMN figure_period_start,
    DROP COLUMN figure_as_of,
    DROP COLUMN figure_unit,
    DROP COLUMN figure_value;
