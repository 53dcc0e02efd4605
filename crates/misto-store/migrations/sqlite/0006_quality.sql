-- Quality: every uploaded file of a resource (its versions, so that a file
-- replaced by a fix or a new upload stays downloadable), the validation
-- report of each version, and the structure file (Table Schema) of each
-- dataset.
CREATE TABLE resource_versions (
    id TEXT PRIMARY KEY NOT NULL,
    resource_id TEXT NOT NULL,
    dataset_id TEXT NOT NULL,
    blob_key TEXT NOT NULL,
    file_name TEXT NOT NULL,
    format TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    origin TEXT NOT NULL,
    user_id TEXT,
    created BIGINT NOT NULL
);
CREATE UNIQUE INDEX resource_versions_blob ON resource_versions (resource_id, blob_key);
CREATE INDEX resource_versions_resource ON resource_versions (resource_id, created);

CREATE TABLE resource_validations (
    resource_id TEXT NOT NULL,
    version_key TEXT NOT NULL,
    dataset_id TEXT NOT NULL,
    passed BIGINT NOT NULL,
    errors BIGINT NOT NULL,
    warnings BIGINT NOT NULL,
    report TEXT NOT NULL,
    validated BIGINT NOT NULL,
    PRIMARY KEY (resource_id, version_key)
);
CREATE INDEX resource_validations_dataset ON resource_validations (dataset_id);

CREATE TABLE dataset_structures (
    dataset_id TEXT PRIMARY KEY NOT NULL,
    table_schema TEXT NOT NULL,
    source TEXT NOT NULL,
    resource_id TEXT,
    user_id TEXT,
    modified BIGINT NOT NULL
);
