-- The datastore's catalogue of tables: for each resource with a datastore
-- table, the physical table that holds its current rows (swapped in one
-- transaction when a new load completes), its fields with their types and
-- the publisher's type overrides, the row count, and the state of the last
-- ingest. The row tables themselves are created at run time (ds_<hex>,
-- with a view named by the resource id); see docs/datastore.md.
CREATE TABLE datastore_tables (
    resource_id TEXT PRIMARY KEY NOT NULL,
    table_name TEXT NOT NULL,
    fields TEXT NOT NULL,
    overrides TEXT NOT NULL,
    primary_key TEXT NOT NULL,
    row_count BIGINT NOT NULL,
    source TEXT NOT NULL,
    status TEXT NOT NULL,
    message TEXT NOT NULL,
    report TEXT NOT NULL,
    created BIGINT NOT NULL,
    modified BIGINT NOT NULL
);
