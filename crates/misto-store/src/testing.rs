//! Test support for this crate and the others: a fresh, migrated store per
//! test, on SQLite by default or on PostgreSQL when
//! `MISTO_TEST_DATABASE_URL` points at one.
//!
//! - SQLite: a new file under [`std::env::temp_dir`], removed when the last
//!   clone of the store is dropped.
//! - PostgreSQL: a new schema `misto_t_<unix seconds>_<random>` in the given
//!   database, with `search_path` pinned to it, so tests run in parallel.
//!   Schemas are not dropped at the end of a test (there is no async drop);
//!   instead each call drops the test schemas older than an hour.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};

use crate::Store;

/// The environment variable naming a PostgreSQL database for tests, e.g.
/// `postgres://postgres@127.0.0.1:5432/test`.
pub const TEST_DATABASE_ENV: &str = "MISTO_TEST_DATABASE_URL";

const SCHEMA_PREFIX: &str = "misto_t_";
const STALE_AFTER: Duration = Duration::from_secs(3600);

/// Files removed when the last clone of a test store goes away.
pub(crate) struct Cleanup {
    files: Vec<PathBuf>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        for f in &self.files {
            let _ = std::fs::remove_file(f);
        }
    }
}

/// The PostgreSQL URL for tests, when set and not empty.
pub fn test_database_url() -> Option<String> {
    std::env::var(TEST_DATABASE_ENV)
        .ok()
        .filter(|s| !s.trim().is_empty())
}

/// A new, empty, migrated store for one test. Panics when the database
/// cannot be set up (it is a test helper).
pub async fn fresh_store() -> Store {
    match test_database_url() {
        Some(url) => fresh_postgres(&url).await,
        None => fresh_sqlite().await,
    }
}

/// A new, empty, migrated store in a temporary SQLite file, whatever the
/// environment says.
pub async fn fresh_sqlite() -> Store {
    let path = std::env::temp_dir().join(format!(
        "misto-test-{}-{}.db",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    let url = format!("sqlite://{}", path.display());
    let mut store = Store::connect(&url).await.expect("open test SQLite file");
    store.migrate().await.expect("migrate test SQLite file");
    let files = ["", "-wal", "-shm"]
        .iter()
        .map(|suffix| PathBuf::from(format!("{}{suffix}", path.display())))
        .collect();
    store._cleanup = Some(Arc::new(Cleanup { files }));
    store
}

/// A new, empty, migrated store in a schema of its own in the PostgreSQL
/// database at `base_url`.
pub async fn fresh_postgres(base_url: &str) -> Store {
    let options = PgConnectOptions::from_str(base_url).expect("parse MISTO_TEST_DATABASE_URL");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let schema = format!(
        "{SCHEMA_PREFIX}{}_{}",
        now.as_secs(),
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    let mut admin = PgConnection::connect_with(&options)
        .await
        .expect("connect to test PostgreSQL");
    drop_stale_schemas(&mut admin, now).await;
    // The name is made here of digits, letters and `_`: safe to splice.
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut admin)
        .await
        .expect("create test schema");
    let _ = admin.close().await;
    let store = Store::connect_postgres_with(options.options([("search_path", schema.as_str())]))
        .await
        .expect("connect to test schema");
    store.migrate().await.expect("migrate test schema");
    store
}

/// Marks migration `version` as not applied, so that the next
/// [`Store::migrate`] runs it again over what the test has written: the
/// way to test a migration that rewrites data.
pub async fn forget_migration(store: &Store, version: i64) {
    let sql = "DELETE FROM _sqlx_migrations WHERE version = $1";
    let rows = match &store.pool {
        crate::store::Pool::Sqlite { writer, .. } => sqlx::query(sql)
            .bind(version)
            .execute(writer)
            .await
            .map(|d| d.rows_affected()),
        crate::store::Pool::Postgres(pool) => sqlx::query(sql)
            .bind(version)
            .execute(pool)
            .await
            .map(|d| d.rows_affected()),
    };
    assert_eq!(
        rows.expect("forget a migration"),
        1,
        "migration {version} was applied"
    );
}

/// Best effort: drops test schemas left by runs more than an hour ago.
async fn drop_stale_schemas(admin: &mut PgConnection, now: Duration) {
    let Ok(names) = sqlx::query_scalar::<_, String>(
        "SELECT nspname::text FROM pg_namespace WHERE starts_with(nspname::text, $1)",
    )
    .bind(SCHEMA_PREFIX)
    .fetch_all(&mut *admin)
    .await
    else {
        return;
    };
    for name in names {
        let Some(rest) = name.strip_prefix(SCHEMA_PREFIX) else {
            continue;
        };
        let secs = rest.split('_').next().and_then(|s| s.parse::<u64>().ok());
        let safe = name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if safe && secs.is_some_and(|s| s + STALE_AFTER.as_secs() < now.as_secs()) {
            let sql = format!("DROP SCHEMA IF EXISTS {name} CASCADE");
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut *admin)
                .await;
        }
    }
}
