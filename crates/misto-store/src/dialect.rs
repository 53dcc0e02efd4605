//! Where SQLite and PostgreSQL really differ: recognising the URL, setting up
//! connections, how a transaction begins, and how each reports a unique
//! violation. Queries themselves are written once, elsewhere.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::Backend;

/// How long a SQLite connection waits for another writer (e.g. a CLI command
/// writing the same file while the server runs) before giving up.
pub(crate) const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Concurrent readers of a SQLite file.
pub(crate) const SQLITE_MAX_READERS: u32 = 8;
pub(crate) const PG_MAX_CONNECTIONS: u32 = 10;

/// SQLite write transactions take the write lock at once, so that they wait
/// (up to the busy timeout) at the start instead of failing halfway when a
/// read lock cannot be upgraded.
pub(crate) const SQLITE_BEGIN_WRITE: &str = "BEGIN IMMEDIATE";
/// SQLite in WAL mode reads from one snapshot for the whole transaction.
pub(crate) const SQLITE_BEGIN_READ: &str = "BEGIN DEFERRED";
/// PostgreSQL's default (READ COMMITTED) takes a new snapshot per statement;
/// reads that span several statements (a dataset and its resources) need one.
pub(crate) const PG_BEGIN_READ: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";
pub(crate) const PG_BEGIN_WRITE: &str = "BEGIN";

/// Which database a URL points at: `sqlite:`… or `postgres://`/`postgresql://`.
pub(crate) fn backend_of_url(url: &str) -> Option<Backend> {
    if url.starts_with("sqlite:") {
        Some(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Some(Backend::Postgres)
    } else {
        None
    }
}

fn is_sqlite_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

/// The SQLite pools: `(reader, writer)`. See the crate docs for why there are
/// two. For an in-memory database both are the same single connection, which
/// is never closed (closing it would drop the database).
/// Page cache of each reader connection, in KiB (negative = KiB for SQLite).
const SQLITE_READER_CACHE_KIB: &str = "-1024";

pub(crate) async fn connect_sqlite(url: &str) -> Result<(SqlitePool, SqlitePool), sqlx::Error> {
    let base = SqliteConnectOptions::from_str(url)?
        .busy_timeout(SQLITE_BUSY_TIMEOUT)
        .foreign_keys(true)
        .synchronous(SqliteSynchronous::Normal);
    if is_sqlite_memory(url) {
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(base)
            .await?;
        return Ok((pool.clone(), pool));
    }
    // The writer connects first: it creates the file and switches it to WAL
    // (a persistent property of the file), so readers need not.
    let writer = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            base.clone()
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal),
        )
        .await?;
    let reader = SqlitePoolOptions::new()
        .max_connections(SQLITE_MAX_READERS)
        .connect_with(
            // The OS caches the file for every connection; a small page
            // cache per reader keeps the server's memory flat.
            base.pragma("query_only", "ON")
                .pragma("cache_size", SQLITE_READER_CACHE_KIB),
        )
        .await?;
    Ok((reader, writer))
}

pub(crate) async fn connect_postgres(url: &str) -> Result<PgPool, sqlx::Error> {
    connect_postgres_with(PgConnectOptions::from_str(url)?).await
}

pub(crate) async fn connect_postgres_with(
    options: PgConnectOptions,
) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(PG_MAX_CONNECTIONS)
        .connect_with(options)
        .await
}

/// Unique constraints of the schema: the name PostgreSQL reports, what
/// SQLite's message names after "constraint failed: ", and the field and
/// message a caller shows. Constraint names are the same in both migration
/// folders.
const UNIQUE_CONSTRAINTS: &[(&str, &str, &str, &str)] = &[
    (
        "news_name_key",
        "news.name",
        "name",
        "That URL is already in use.",
    ),
    (
        "pages_name_key",
        "pages.name",
        "name",
        "That URL is already in use.",
    ),
    (
        "showcase_name_key",
        "showcase.name",
        "name",
        "That URL is already in use.",
    ),
    (
        "datasets_name_key",
        "datasets.name",
        "name",
        "That URL is already in use.",
    ),
    (
        "datasets_pkey",
        "datasets.id",
        "id",
        "That id is already in use.",
    ),
    (
        "resources_pkey",
        "resources.id",
        "resources",
        "That resource id is already in use.",
    ),
    (
        "publishers_name_key",
        "publishers.name",
        "name",
        "Group name already exists in database",
    ),
    (
        "publishers_pkey",
        "publishers.id",
        "id",
        "That id is already in use.",
    ),
    (
        "groups_name_key",
        "groups.name",
        "name",
        "Group name already exists in database",
    ),
    (
        "groups_pkey",
        "groups.id",
        "id",
        "That id is already in use.",
    ),
    (
        "users_name_key",
        "users.name",
        "name",
        "That login name is not available.",
    ),
    (
        "users_email_key",
        "index 'users_email_key'",
        "email",
        "That email address is already registered.",
    ),
    ("users_pkey", "users.id", "id", "That id is already in use."),
    (
        "api_tokens_token_hash_key",
        "api_tokens.token_hash",
        "token",
        "That token already exists.",
    ),
    (
        "api_tokens_pkey",
        "api_tokens.id",
        "id",
        "That id is already in use.",
    ),
    (
        "activities_id_key",
        "activities.id",
        "id",
        "That id is already in use.",
    ),
];

/// `(field, message)` when `err` is a unique violation of a known constraint.
/// PostgreSQL names the constraint; SQLite only says it in the message, as
/// `UNIQUE constraint failed: table.column` or `... failed: index 'name'`.
pub(crate) fn unique_violation(err: &sqlx::Error) -> Option<(&'static str, &'static str)> {
    let db = err.as_database_error()?;
    if !db.is_unique_violation() {
        return None;
    }
    let found = if let Some(name) = db.constraint() {
        UNIQUE_CONSTRAINTS.iter().find(|c| c.0 == name)
    } else {
        let message = db.message();
        let target = message
            .split_once("constraint failed: ")
            .map(|(_, t)| t.trim())?;
        UNIQUE_CONSTRAINTS.iter().find(|c| c.1 == target)
    };
    found.map(|c| (c.2, c.3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let cases = [
            ("sqlite:misto.db", Some(Backend::Sqlite)),
            ("sqlite://data/misto.db", Some(Backend::Sqlite)),
            ("sqlite::memory:", Some(Backend::Sqlite)),
            ("postgres://u@localhost/misto", Some(Backend::Postgres)),
            ("postgresql://u@localhost/misto", Some(Backend::Postgres)),
            ("mysql://u@localhost/misto", None),
            ("misto.db", None),
        ];
        for (url, want) in cases {
            assert_eq!(backend_of_url(url), want, "{url}");
        }
        assert!(is_sqlite_memory("sqlite::memory:"));
        assert!(!is_sqlite_memory("sqlite://misto.db"));
    }

    #[test]
    fn constraint_names_are_in_both_migrations() {
        let sqlite = concat!(
            include_str!("../migrations/sqlite/0001_init.sql"),
            include_str!("../migrations/sqlite/0008_engagement2.sql"),
        );
        let pg = concat!(
            include_str!("../migrations/postgres/0001_init.sql"),
            include_str!("../migrations/postgres/0008_engagement2.sql"),
        );
        for (name, ..) in UNIQUE_CONSTRAINTS {
            if !name.ends_with("_pkey") {
                assert!(sqlite.contains(name), "{name} missing in SQLite schema");
            }
            assert!(pg.contains(name), "{name} missing in PostgreSQL schema");
        }
    }
}
