//! The datastore's columnar engine: a table loaded from a file is one
//! Parquet file in the blob store, queried with Apache DataFusion.
//!
//! Layout of a table file (`datastore/<resource id>/<load id>.parquet`):
//! `_id` (row number, in load order, never null), `_full_text` (the row's
//! analysed terms, ` a b c `, read only when a query has `q`), `_misfits`
//! (JSON of the cells that did not fit their column's type), then one
//! column per field: `int` → Int64, `numeric` → Float64, `bool` →
//! Boolean, `date` → Date32, `timestamp` → Timestamp(µs), `text` → Utf8.
//! Row groups of [`ROW_GROUP_ROWS`] rows carry min/max statistics and a
//! page index, so filters on `_id` (dump pages) and on sorted or clustered
//! columns skip whole row groups; Parquet's dictionary encoding keeps a
//! low-cardinality text column (a district) a few bits per row.
//!
//! Queries run on a runtime of their own ([`query_runtime`]): scans and
//! sorts are CPU work that must not hold the threads that answer HTTP.
//! Every query gets a fresh DataFusion session (so a query sees exactly
//! the tables registered for it) over one shared runtime environment,
//! whose caches keep the footers of recently read files.
//!
//! What this crate answers is what the row store answers, with the same
//! types ([`misto_core::datastore::DsQuery`], [`DsRows`]): the action
//! layer picks the engine by the table's name (a `.parquet` key here, a
//! `ds_<hex>` row table in the store).

mod convert;
mod query;
mod write;

use std::sync::{Arc, OnceLock};

use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::prelude::SessionConfig;
use object_store::ObjectStore;

pub use misto_core::datastore::{AggFn, AggSpec, Bind, DsFilter, DsQuery, DsRows};
pub use object_store;
pub use query::{RowPages, SqlAnswer, SqlTable};
pub use write::{ParquetExport, ROW_GROUP_ROWS, TableWriter, arrow_schema};

/// What went wrong in the engine.
#[derive(Debug, thiserror::Error)]
pub enum ColumnarError {
    /// The caller's request cannot be answered as asked (a column not in
    /// the table, an SQL error); the message is for the caller.
    #[error("{0}")]
    Invalid(String),
    /// The table file or a column is missing.
    #[error("not found: {0}")]
    NotFound(String),
    /// Anything else: a file that cannot be read or written.
    #[error("columnar engine: {0}")]
    Internal(String),
}

impl From<datafusion::error::DataFusionError> for ColumnarError {
    fn from(e: datafusion::error::DataFusionError) -> Self {
        ColumnarError::Internal(e.to_string())
    }
}

impl From<datafusion::arrow::error::ArrowError> for ColumnarError {
    fn from(e: datafusion::arrow::error::ArrowError) -> Self {
        ColumnarError::Internal(e.to_string())
    }
}

impl From<datafusion::parquet::errors::ParquetError> for ColumnarError {
    fn from(e: datafusion::parquet::errors::ParquetError) -> Self {
        ColumnarError::Internal(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, ColumnarError>;

/// The URL scheme under which the blob store is known to DataFusion.
const STORE_URL: &str = "misto://blobs/";

/// The engine: the blob store's object store, shared caches and settings.
/// Cheap to clone.
#[derive(Clone)]
pub struct Engine {
    runtime: Arc<RuntimeEnv>,
    threads: usize,
    /// What comes before a blob key in the object store's paths.
    prefix: Arc<str>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("threads", &self.threads)
            .finish()
    }
}

/// Memory one query may hold for sorts, groups and joins before it fails
/// with a clear error (files themselves are streamed).
pub const QUERY_MEMORY: usize = 256 << 20;

impl Engine {
    /// An engine reading table files from `store`, where the file of blob
    /// key `k` is at `prefix` + `k`.
    pub fn new(store: Arc<dyn ObjectStore>, prefix: impl Into<String>) -> Result<Engine> {
        let runtime = RuntimeEnvBuilder::new()
            .with_memory_limit(QUERY_MEMORY, 1.0)
            .build_arc()?;
        let url = STORE_URL
            .parse::<url::Url>()
            .map_err(|e| ColumnarError::Internal(e.to_string()))?;
        runtime.register_object_store(&url, store);
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
            .clamp(1, 8);
        Ok(Engine {
            runtime,
            threads,
            prefix: prefix.into().into(),
        })
    }

    /// The settings of every query's session.
    fn session_config(&self) -> SessionConfig {
        let mut config = SessionConfig::new()
            .with_target_partitions(self.threads)
            .with_information_schema(false)
            .with_batch_size(8192);
        let opts = config.options_mut();
        // Decode the filter columns first and only the matching rows of the
        // others (late materialisation).
        opts.execution.parquet.pushdown_filters = true;
        opts.execution.parquet.reorder_filters = true;
        opts.sql_parser.dialect = datafusion::config::Dialect::PostgreSQL;
        // A recursive CTE can run without end; the SQL door refuses them.
        opts.execution.enable_recursive_ctes = false;
        config
    }

    fn context(&self) -> datafusion::prelude::SessionContext {
        datafusion::prelude::SessionContext::new_with_config_rt(
            self.session_config(),
            self.runtime.clone(),
        )
    }
}

impl Engine {
    /// The URL DataFusion reads the table file of blob key `key` at.
    fn file_url(&self, key: &str) -> String {
        format!("{STORE_URL}{}{key}", self.prefix)
    }
}

/// The runtime queries run on: as many worker threads as cores, apart
/// from the runtime that serves HTTP, for the life of the process.
pub fn query_runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
            .clamp(1, 8);
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name("misto-query")
            // Time for limits, IO for object stores on the network (S3).
            .enable_all()
            .build()
            // Without threads the process cannot serve anything at all.
            .unwrap_or_else(|e| panic!("cannot start the query threads: {e}"))
    })
}

/// Runs `fut` on the query runtime and waits for it from the caller's.
/// When the caller stops waiting (a timeout, a client gone), the query is
/// cancelled.
async fn on_query_runtime<T, F>(fut: F) -> Result<T>
where
    F: std::future::Future<Output = Result<T>> + Send + 'static,
    T: Send + 'static,
{
    struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);
    impl<T> Drop for AbortOnDrop<T> {
        fn drop(&mut self) {
            self.0.abort();
        }
    }
    let mut task = AbortOnDrop(query_runtime().spawn(fut));
    (&mut task.0)
        .await
        .map_err(|e| ColumnarError::Internal(format!("query task: {e}")))?
}
