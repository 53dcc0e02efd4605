-- The dataset that publishes the register itself (one row at most): which
-- dataset it is and the publisher it belongs to, so that publishing again
-- updates it instead of creating another.
CREATE TABLE register_publication (
    id BIGINT PRIMARY KEY NOT NULL,
    dataset_id TEXT NOT NULL,
    publisher_id TEXT NOT NULL,
    modified BIGINT NOT NULL
);
