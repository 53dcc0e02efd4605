//! The macros that run one query body on whichever pool is active. The body
//! is expanded once per backend, so it type-checks against both drivers and
//! the SQL in it must be valid on both.

/// Runs `$body` with `$pool` bound to the pool that serves reads
/// (`&SqlitePool` reader or `&PgPool`). Evaluates to the body's value.
macro_rules! read {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.pool {
            $crate::store::Pool::Sqlite { reader: $pool, .. } => $body,
            $crate::store::Pool::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` inside a read transaction that sees one snapshot of the
/// database (for reads spanning several statements); `$tx` is the
/// transaction, use it as `&mut *$tx`. Evaluates to `Result<T>`.
macro_rules! read_tx {
    ($store:expr, |$tx:ident| $body:block) => {
        match &$store.pool {
            $crate::store::Pool::Sqlite { reader, .. } => {
                async {
                    #[allow(unused_mut)]
                    let mut $tx = reader
                        .begin_with($crate::dialect::SQLITE_BEGIN_READ)
                        .await?;
                    #[allow(clippy::let_unit_value)]
                    let out = $body;
                    $tx.commit().await?;
                    Ok::<_, $crate::StoreError>(out)
                }
                .await
            }
            $crate::store::Pool::Postgres(pool) => {
                async {
                    #[allow(unused_mut)]
                    let mut $tx = pool.begin_with($crate::dialect::PG_BEGIN_READ).await?;
                    #[allow(clippy::let_unit_value)]
                    let out = $body;
                    $tx.commit().await?;
                    Ok::<_, $crate::StoreError>(out)
                }
                .await
            }
        }
    };
}

/// Runs `$body` inside a write transaction on the writer; commits when the
/// body finishes, rolls back when it returns early with an error (`?` or
/// `return Err(..)` inside the body leave the body, not the caller).
/// Evaluates to `Result<T>` with unique violations already turned into
/// [`StoreError::Conflict`](crate::StoreError::Conflict).
macro_rules! write_tx {
    ($store:expr, |$tx:ident| $body:block) => {
        match &$store.pool {
            $crate::store::Pool::Sqlite { writer, .. } => {
                async {
                    #[allow(unused_mut)]
                    let mut $tx = writer
                        .begin_with($crate::dialect::SQLITE_BEGIN_WRITE)
                        .await?;
                    #[allow(clippy::let_unit_value)]
                    let out = $body;
                    $tx.commit().await?;
                    Ok::<_, $crate::StoreError>(out)
                }
                .await
            }
            $crate::store::Pool::Postgres(pool) => {
                async {
                    #[allow(unused_mut)]
                    let mut $tx = pool.begin_with($crate::dialect::PG_BEGIN_WRITE).await?;
                    #[allow(clippy::let_unit_value)]
                    let out = $body;
                    $tx.commit().await?;
                    Ok::<_, $crate::StoreError>(out)
                }
                .await
            }
        }
        .map_err($crate::StoreError::classify)
    };
}

/// Bumps the catalog version inside the transaction `$tx` and evaluates to
/// the new version. Run it first in a transaction: the row lock it takes
/// orders concurrent catalog writes, so versions commit in increasing order.
macro_rules! bump_version {
    ($tx:ident) => {
        sqlx::query_scalar::<_, i64>(
            "UPDATE catalog_state SET version = version + 1 WHERE id = 1 RETURNING version",
        )
        .fetch_one(&mut *$tx)
        .await?
    };
}
