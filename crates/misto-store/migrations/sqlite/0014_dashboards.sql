-- Dashboards composed by coordinators: an ordered list of tiles (charts
-- over datastore tables, key figures) kept as JSON with the dashboard, so
-- a change of the tiles is one write of the whole dashboard.

CREATE TABLE dashboards (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    title TEXT NOT NULL,
    title_en TEXT NOT NULL,
    description TEXT NOT NULL,
    description_en TEXT NOT NULL,
    -- the publisher it belongs to; NULL for the whole portal
    owner_org TEXT,
    public BOOLEAN NOT NULL,
    -- JSON list of tiles, in order
    tiles TEXT NOT NULL,
    creator TEXT,
    created BIGINT NOT NULL,
    modified BIGINT NOT NULL,
    CONSTRAINT dashboards_name_key UNIQUE (name)
);
CREATE INDEX dashboards_owner ON dashboards (owner_org);
