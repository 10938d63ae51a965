-- The same person recorded twice: an editor merges one speaker into the other. Every quote and
-- claim moves to the survivor, which gains the merged speaker's names as aliases; the merged
-- speaker is kept (deleted) and points at the survivor, so that its address redirects there.
-- The merge is recorded with what it moved, so that it can be undone.
ALTER TABLE speakers ADD COLUMN merged_into uuid;
ALTER TABLE speakers ADD CONSTRAINT speakers_merged_into_fkey
    FOREIGN KEY (workspace_id, merged_into) REFERENCES speakers (workspace_id, id);

CREATE TABLE speaker_merges (
    id               uuid PRIMARY KEY,
    workspace_id     uuid NOT NULL DEFAULT attest_current_workspace() REFERENCES workspaces (id),
    merged_id        uuid NOT NULL,
    survivor_id      uuid NOT NULL,
    moved_quotes     uuid[] NOT NULL,
    moved_claims     uuid[] NOT NULL,
    -- Moved records that repeat one of the survivor's: marked duplicates of it by the merge.
    made_duplicates  uuid[] NOT NULL,
    aliases_added    text[] NOT NULL,
    merged_by        uuid NOT NULL REFERENCES users (id),
    merged_at        timestamptz NOT NULL DEFAULT now(),
    undone_by        uuid REFERENCES users (id),
    undone_at        timestamptz,
    CONSTRAINT speaker_merges_merged_fkey FOREIGN KEY (workspace_id, merged_id)
        REFERENCES speakers (workspace_id, id),
    CONSTRAINT speaker_merges_survivor_fkey FOREIGN KEY (workspace_id, survivor_id)
        REFERENCES speakers (workspace_id, id),
    CONSTRAINT speaker_merges_distinct CHECK (merged_id <> survivor_id)
);
CREATE INDEX speaker_merges_merged_idx ON speaker_merges (workspace_id, merged_id);

ALTER TABLE speaker_merges ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_isolation ON speaker_merges TO attest_app
    USING (workspace_id = attest_current_workspace());
