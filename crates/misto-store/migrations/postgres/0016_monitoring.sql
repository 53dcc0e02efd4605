-- Quarterly snapshots of the publisher rating and the monitoring figures,
-- taken by the `quarter_snapshot` job when a quarter ends: one row per
-- quarter and publisher, and one for the whole council (publisher_id '').
CREATE TABLE quarter_snapshots (
    -- 2026-Q3
    quarter TEXT NOT NULL,
    -- '' for the council
    publisher_id TEXT NOT NULL,
    -- place in the rating; 0 for the council
    rank BIGINT NOT NULL,
    name TEXT NOT NULL,
    title TEXT NOT NULL,
    title_en TEXT,
    -- the monitoring figures as JSON (docs/assessment.md)
    figures TEXT NOT NULL,
    taken BIGINT NOT NULL,
    PRIMARY KEY (quarter, publisher_id)
);
