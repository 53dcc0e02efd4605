//! The [`Store`] handle: pools, connecting, migrations, the catalog version.

use sqlx::postgres::{PgConnectOptions, PgPool};
use sqlx::sqlite::SqlitePool;

use crate::{Result, StoreError, dialect};

/// Which database a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Clone)]
pub(crate) enum Pool {
    /// Reads go to `reader` (up to eight connections, `query_only`); writes to
    /// `writer` (one connection). See the crate docs.
    Sqlite {
        reader: SqlitePool,
        writer: SqlitePool,
    },
    Postgres(PgPool),
}

/// The catalog's database. Cheap to clone: clones share the pools.
#[derive(Clone)]
pub struct Store {
    pub(crate) pool: Pool,
    /// Temporary files of a test store, removed with its last clone.
    pub(crate) _cleanup: Option<std::sync::Arc<crate::testing::Cleanup>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend())
            .finish_non_exhaustive()
    }
}

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Store {
    /// Connects to `sqlite:PATH`, `sqlite://PATH`, `sqlite::memory:`,
    /// `postgres://…` or `postgresql://…`. A SQLite file is created if
    /// missing. Does not migrate: call [`Store::migrate`].
    pub async fn connect(url: &str) -> Result<Store> {
        let pool = match dialect::backend_of_url(url) {
            Some(Backend::Sqlite) => {
                let (reader, writer) = dialect::connect_sqlite(url).await?;
                Pool::Sqlite { reader, writer }
            }
            Some(Backend::Postgres) => Pool::Postgres(dialect::connect_postgres(url).await?),
            None => {
                // Never echo the URL: it may hold a password.
                let scheme = url.split(':').next().unwrap_or_default();
                return Err(StoreError::Database(sqlx::Error::Configuration(
                    format!(
                        "unsupported database URL scheme {scheme:?}: use sqlite: or postgres://"
                    )
                    .into(),
                )));
            }
        };
        let store = Store {
            pool,
            _cleanup: None,
        };
        tracing::debug!(backend = store.backend().as_str(), "database connected");
        Ok(store)
    }

    /// A store over a PostgreSQL pool built from explicit options (tests use
    /// it to pin `search_path` to a schema of their own).
    pub(crate) async fn connect_postgres_with(options: PgConnectOptions) -> Result<Store> {
        let pool = Pool::Postgres(dialect::connect_postgres_with(options).await?);
        Ok(Store {
            pool,
            _cleanup: None,
        })
    }

    /// Applies the migrations of the active backend that have not run yet.
    pub async fn migrate(&self) -> Result<()> {
        match &self.pool {
            Pool::Sqlite { writer, .. } => SQLITE_MIGRATOR.run(writer).await?,
            Pool::Postgres(pool) => POSTGRES_MIGRATOR.run(pool).await?,
        }
        Ok(())
    }

    /// Closes every connection; later calls fail.
    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite { reader, writer } => {
                reader.close().await;
                writer.close().await;
            }
            Pool::Postgres(pool) => pool.close().await,
        }
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite { .. } => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<()> {
        read!(self, |pool| sqlx::query_scalar::<_, i32>("SELECT 1")
            .fetch_one(pool)
            .await?);
        Ok(())
    }

    /// The catalog version: grows by one with every write that changes what
    /// the catalog shows (datasets, publishers, themes, memberships).
    pub async fn catalog_version(&self) -> Result<i64> {
        Ok(read!(self, |pool| {
            sqlx::query_scalar::<_, i64>("SELECT version FROM catalog_state WHERE id = 1")
                .fetch_one(pool)
                .await?
        }))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    fn names(dir: &str) -> BTreeSet<String> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        std::fs::read_dir(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn migration_folders_match() {
        let sqlite = names("migrations/sqlite");
        let pg = names("migrations/postgres");
        assert!(!sqlite.is_empty());
        assert_eq!(
            sqlite, pg,
            "migrations/sqlite and migrations/postgres must hold the same files"
        );
    }
}
