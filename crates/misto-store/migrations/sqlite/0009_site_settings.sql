-- The portal's own settings (name, colours, logo, contact), one JSON row.
CREATE TABLE site_settings (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    body TEXT NOT NULL,
    modified BIGINT NOT NULL
);
