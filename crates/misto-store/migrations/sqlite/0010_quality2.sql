-- The coordinator's tools: reminders already sent (one per dataset, due
-- date and kind), moderation (per-publisher setting and the pending edits
-- waiting for review), and an imported Resolution 835 list that replaces
-- the built-in one.
CREATE TABLE reminders_sent (
    dataset_id TEXT NOT NULL,
    due_date TEXT NOT NULL,
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    sent BIGINT NOT NULL,
    PRIMARY KEY (dataset_id, due_date, kind)
);

CREATE TABLE publisher_moderation (
    publisher_id TEXT PRIMARY KEY NOT NULL,
    moderation BIGINT NOT NULL,
    modified BIGINT NOT NULL
);

CREATE TABLE dataset_revisions (
    id TEXT PRIMARY KEY NOT NULL,
    dataset_id TEXT NOT NULL,
    publisher_id TEXT NOT NULL,
    base_revision BIGINT NOT NULL,
    proposed TEXT NOT NULL,
    state TEXT NOT NULL,
    submitter_id TEXT NOT NULL,
    submitted BIGINT,
    reviewer_id TEXT,
    comment TEXT,
    created BIGINT NOT NULL,
    modified BIGINT NOT NULL
);
-- At most one open (draft or submitted) revision per dataset.
CREATE UNIQUE INDEX dataset_revisions_open ON dataset_revisions (dataset_id)
    WHERE state IN ('draft', 'submitted');
CREATE INDEX dataset_revisions_dataset ON dataset_revisions (dataset_id, created);
CREATE INDEX dataset_revisions_state ON dataset_revisions (state, publisher_id, submitted);

CREATE TABLE resolution835_items (
    id TEXT PRIMARY KEY NOT NULL,
    position BIGINT NOT NULL,
    name_uk TEXT NOT NULL,
    name_en TEXT NOT NULL,
    category TEXT NOT NULL,
    update_frequency TEXT,
    imported BIGINT NOT NULL
);
