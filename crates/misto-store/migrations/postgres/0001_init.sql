-- misto schema, PostgreSQL flavour. Keep in step with ../sqlite/0001_init.sql:
-- same tables, columns and constraint names; only the types differ.
-- Timestamps: BIGINT microseconds since the epoch (UTC). Dates: TEXT
-- 'YYYY-MM-DD'. Booleans: BOOLEAN. Lists and maps: JSON TEXT.
-- Names use COLLATE "C" so that ORDER BY name sorts by bytes, as SQLite does.

-- The catalog version: bumped by every write that changes what the catalog
-- shows; a dataset's `seq` is the version of its last save.
CREATE TABLE catalog_state (
    id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO catalog_state (id, version) VALUES (1, 0);

CREATE TABLE publishers (
    id TEXT NOT NULL CONSTRAINT publishers_pkey PRIMARY KEY,
    name TEXT COLLATE "C" NOT NULL CONSTRAINT publishers_name_key UNIQUE,
    title TEXT NOT NULL,
    title_en TEXT,
    description TEXT NOT NULL,
    edrpou TEXT,
    kind TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    website TEXT,
    address TEXT,
    image_url TEXT,
    state TEXT NOT NULL,
    created BIGINT NOT NULL,
    modified BIGINT NOT NULL
);

CREATE TABLE groups (
    id TEXT NOT NULL CONSTRAINT groups_pkey PRIMARY KEY,
    name TEXT COLLATE "C" NOT NULL CONSTRAINT groups_name_key UNIQUE,
    title TEXT NOT NULL,
    title_en TEXT,
    description TEXT NOT NULL,
    image_url TEXT,
    state TEXT NOT NULL,
    created BIGINT NOT NULL
);

CREATE TABLE users (
    id TEXT NOT NULL CONSTRAINT users_pkey PRIMARY KEY,
    name TEXT COLLATE "C" NOT NULL CONSTRAINT users_name_key UNIQUE,
    fullname TEXT,
    email TEXT NOT NULL,
    password_hash TEXT,
    sysadmin BOOLEAN NOT NULL,
    about TEXT,
    state TEXT NOT NULL,
    created BIGINT NOT NULL
);
-- E-mail addresses are unique regardless of case.
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE memberships (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    publisher_id TEXT NOT NULL REFERENCES publishers (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    CONSTRAINT memberships_pkey PRIMARY KEY (user_id, publisher_id)
);
CREATE INDEX memberships_publisher_idx ON memberships (publisher_id);

CREATE TABLE api_tokens (
    id TEXT NOT NULL CONSTRAINT api_tokens_pkey PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL CONSTRAINT api_tokens_token_hash_key UNIQUE,
    created BIGINT NOT NULL,
    expires_at BIGINT,
    last_used BIGINT
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

CREATE TABLE datasets (
    id TEXT NOT NULL CONSTRAINT datasets_pkey PRIMARY KEY,
    name TEXT COLLATE "C" NOT NULL CONSTRAINT datasets_name_key UNIQUE,
    title TEXT NOT NULL,
    title_en TEXT,
    notes TEXT NOT NULL,
    notes_en TEXT,
    owner_org TEXT NOT NULL REFERENCES publishers (id),
    private BOOLEAN NOT NULL,
    state TEXT NOT NULL,
    license_id TEXT NOT NULL,
    author TEXT,
    author_email TEXT,
    maintainer TEXT,
    maintainer_email TEXT,
    url TEXT,
    version TEXT,
    tags TEXT NOT NULL,
    group_ids TEXT NOT NULL,
    language TEXT NOT NULL,
    update_frequency TEXT,
    purpose_of_collecting_information TEXT,
    resolution_835_item TEXT,
    spatial_katottg TEXT,
    temporal_start TEXT,
    temporal_end TEXT,
    data_updated BIGINT,
    extras TEXT NOT NULL,
    creator_user_id TEXT,
    metadata_created BIGINT NOT NULL,
    metadata_modified BIGINT NOT NULL,
    revision BIGINT NOT NULL,
    seq BIGINT NOT NULL
);
CREATE INDEX datasets_seq_idx ON datasets (seq);
CREATE INDEX datasets_owner_org_idx ON datasets (owner_org);

CREATE TABLE resources (
    id TEXT NOT NULL CONSTRAINT resources_pkey PRIMARY KEY,
    package_id TEXT NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    url TEXT NOT NULL,
    url_type TEXT,
    format TEXT NOT NULL,
    mimetype TEXT,
    size BIGINT,
    hash TEXT,
    compress_format TEXT,
    position INTEGER NOT NULL,
    state TEXT NOT NULL,
    created BIGINT NOT NULL,
    last_modified BIGINT,
    metadata_modified BIGINT NOT NULL,
    blob_key TEXT,
    extras TEXT NOT NULL
);
CREATE INDEX resources_package_idx ON resources (package_id, position);

-- `n` only orders activities saved in the same microsecond.
CREATE TABLE activities (
    n BIGSERIAL PRIMARY KEY,
    id TEXT NOT NULL CONSTRAINT activities_id_key UNIQUE,
    timestamp BIGINT NOT NULL,
    user_id TEXT,
    object_id TEXT NOT NULL,
    activity_type TEXT NOT NULL,
    publisher_id TEXT,
    data TEXT NOT NULL
);
CREATE INDEX activities_object_idx ON activities (object_id, timestamp);
