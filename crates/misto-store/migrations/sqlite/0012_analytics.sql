-- Usage analytics (counts per UTC day, kind and item; no addresses, no user
-- agents) and e-mail subscriptions to changes.

CREATE TABLE usage_counts (
    -- YYYY-MM-DD, UTC
    day TEXT NOT NULL,
    -- dataset_view, resource_view, download, api, search, search_zero
    kind TEXT NOT NULL,
    -- dataset id, resource id, action name or normalised search term
    item TEXT NOT NULL,
    -- the dataset of a dataset or resource count; '' for api and search
    dataset_id TEXT NOT NULL,
    bot BOOLEAN NOT NULL,
    hits BIGINT NOT NULL,
    PRIMARY KEY (day, kind, item, bot)
);
CREATE INDEX usage_counts_dataset ON usage_counts (dataset_id, kind);

CREATE TABLE subscriptions (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL,
    -- dataset, publisher or keyword
    kind TEXT NOT NULL,
    -- dataset id, publisher id or lower-case keyword
    target TEXT NOT NULL,
    lang TEXT NOT NULL,
    confirmed BOOLEAN NOT NULL,
    created BIGINT NOT NULL,
    confirmed_at BIGINT,
    last_digest BIGINT NOT NULL
);
CREATE UNIQUE INDEX subscriptions_target ON subscriptions (email, kind, target);
CREATE INDEX subscriptions_confirmed ON subscriptions (confirmed, kind, target);
