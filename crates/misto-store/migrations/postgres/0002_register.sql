-- The dataset register: entries known from the data audit.
CREATE TABLE register_entries (
    id TEXT PRIMARY KEY NOT NULL,
    publisher_id TEXT NOT NULL REFERENCES publishers(id),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    location TEXT NOT NULL,
    format TEXT NOT NULL,
    responsible TEXT,
    responsible_email TEXT,
    update_frequency TEXT,
    status TEXT NOT NULL,
    target_date TEXT,
    reason TEXT,
    dataset_id TEXT,
    resolution_835_item TEXT,
    created BIGINT NOT NULL,
    modified BIGINT NOT NULL
);
CREATE INDEX register_entries_publisher ON register_entries (publisher_id);
