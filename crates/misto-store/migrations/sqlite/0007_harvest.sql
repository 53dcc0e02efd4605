-- Harvesting other catalogues: the sources, the link between a remote
-- dataset and its local copy (the stable key that keeps one remote dataset
-- one local dataset), and the log of every run.
CREATE TABLE harvest_sources (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    url TEXT NOT NULL,
    publisher_id TEXT REFERENCES publishers (id),
    download_files BIGINT NOT NULL,
    schedule TEXT NOT NULL,
    config TEXT NOT NULL,
    last_modified_seen TEXT,
    active BIGINT NOT NULL,
    created BIGINT NOT NULL,
    modified BIGINT NOT NULL
);

CREATE TABLE harvest_objects (
    source_id TEXT NOT NULL REFERENCES harvest_sources (id),
    guid TEXT NOT NULL,
    dataset_id TEXT NOT NULL,
    remote_modified TEXT,
    content_hash TEXT NOT NULL,
    withdrawn BIGINT NOT NULL,
    created BIGINT NOT NULL,
    modified BIGINT NOT NULL,
    PRIMARY KEY (source_id, guid)
);
CREATE UNIQUE INDEX harvest_objects_dataset ON harvest_objects (dataset_id);

CREATE TABLE harvest_runs (
    id TEXT PRIMARY KEY NOT NULL,
    source_id TEXT NOT NULL REFERENCES harvest_sources (id),
    state TEXT NOT NULL,
    counts TEXT NOT NULL,
    message TEXT NOT NULL,
    entries TEXT NOT NULL,
    started BIGINT NOT NULL,
    finished BIGINT
);
CREATE INDEX harvest_runs_source ON harvest_runs (source_id, started);
