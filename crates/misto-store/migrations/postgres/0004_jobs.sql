-- Durable background jobs (datastore ingest, validation, harvest runs,
-- scheduled checks). At most one *pending* job per (kind, subject): a new
-- request for the same work replaces the waiting one.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    max_attempts BIGINT NOT NULL,
    run_after BIGINT NOT NULL,
    locked_by TEXT,
    locked_until BIGINT,
    progress_done BIGINT NOT NULL,
    progress_total BIGINT NOT NULL,
    message TEXT NOT NULL,
    created BIGINT NOT NULL,
    modified BIGINT NOT NULL
);
CREATE UNIQUE INDEX jobs_one_pending ON jobs (kind, subject) WHERE state = 'pending';
CREATE INDEX jobs_ready ON jobs (state, run_after);
CREATE INDEX jobs_subject ON jobs (kind, subject, created);
