-- A pending revision may propose the dataset's resources too (files and
-- links added, replaced or deleted by an editor of a moderated publisher).
ALTER TABLE dataset_revisions ADD COLUMN resources_changed BIGINT NOT NULL DEFAULT 0;

-- The last check of each external (linked) resource's URL.
CREATE TABLE link_checks (
    resource_id TEXT PRIMARY KEY NOT NULL,
    dataset_id TEXT NOT NULL,
    publisher_id TEXT NOT NULL,
    url TEXT NOT NULL,
    -- 1 when the link answered with a success status, else 0.
    ok BIGINT NOT NULL,
    -- The HTTP status of the last answer (NULL: no answer at all).
    http_status BIGINT,
    -- Where the redirects ended, when the link was redirected.
    final_url TEXT,
    message TEXT NOT NULL,
    checked BIGINT NOT NULL,
    -- When the link was first found broken in the current run of failures.
    broken_since BIGINT
);
CREATE INDEX link_checks_broken ON link_checks (ok, publisher_id, checked);
