-- Feedback on datasets and requests for new datasets.
CREATE TABLE feedback (
    id TEXT PRIMARY KEY NOT NULL,
    dataset_id TEXT NOT NULL,
    publisher_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    author_name TEXT NOT NULL,
    author_email TEXT NOT NULL,
    private BOOLEAN NOT NULL,
    moderation TEXT NOT NULL,
    status TEXT NOT NULL,
    answer TEXT,
    answered_by TEXT,
    created BIGINT NOT NULL,
    modified BIGINT NOT NULL
);
CREATE INDEX feedback_dataset ON feedback (dataset_id, created);
CREATE INDEX feedback_publisher ON feedback (publisher_id, created);

CREATE TABLE dataset_requests (
    id TEXT PRIMARY KEY NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    publisher_id TEXT,
    author_name TEXT NOT NULL,
    author_email TEXT NOT NULL,
    moderation TEXT NOT NULL,
    status TEXT NOT NULL,
    planned_date TEXT,
    dataset_id TEXT,
    reason TEXT,
    votes BIGINT NOT NULL,
    created BIGINT NOT NULL,
    modified BIGINT NOT NULL
);

CREATE TABLE dataset_request_votes (
    request_id TEXT NOT NULL REFERENCES dataset_requests(id),
    voter_hash TEXT NOT NULL,
    created BIGINT NOT NULL,
    PRIMARY KEY (request_id, voter_hash)
);
