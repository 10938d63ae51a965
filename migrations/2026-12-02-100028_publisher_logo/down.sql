ALTER TABLE workspaces DROP COLUMN publisher_logo_url;
