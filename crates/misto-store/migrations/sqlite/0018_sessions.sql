-- Browser sessions: one row per signed-in browser. The cookie holds a random
-- secret; only its SHA-256 is stored. Logging out deletes the row; a password
-- change, lost rights or a blocked account delete every row of the user, so
-- an old cookie opens nothing any more.
CREATE TABLE sessions (
    secret_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created BIGINT NOT NULL,
    expires BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires);
