//! Reading table files: `datastore_search` (filters, full-text terms,
//! fields, distinct, sort, paging, totals), group-bys, and SQL.
//!
//! The answers are those of the row store, so that a client cannot tell
//! which engine holds a table: the same fields and types, `_id` as the
//! tie-breaker of every sort (unless `distinct`), NULLs last in ascending
//! and first in descending order (PostgreSQL's rule, which CKAN's own
//! datastore follows), text in byte order.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::{Column, ScalarValue};
use datafusion::functions::expr_fn::contains;
use datafusion::functions_aggregate::count::count_all;
use datafusion::functions_aggregate::expr_fn::{avg, count, max, min, sum};
use datafusion::logical_expr::{Expr, SortExpr, cast};
use datafusion::prelude::{DataFrame, ParquetReadOptions, SQLOptions, SessionContext, lit};
use misto_core::datastore::{AggFn, AggSpec, Bind, DsQuery, DsRows, Field, FieldType, ID_COLUMN};
use serde_json::Value;

use crate::convert::{json_values, parse_date, parse_timestamp, type_name};
use crate::write::{FULL_TEXT, arrow_schema};
use crate::{ColumnarError, Engine, Result, on_query_runtime};

/// A column by its exact name (no parsing of dots or case).
fn ident(name: &str) -> Expr {
    Expr::Column(Column::new_unqualified(name))
}

/// The literal of a filter value for a column of type `ty`.
fn literal(b: &Bind, ty: FieldType) -> Expr {
    match (b, ty) {
        (Bind::Int(v), FieldType::Numeric) => lit(*v as f64),
        (Bind::Int(v), _) => lit(*v),
        (Bind::Num(v), _) => lit(*v),
        (Bind::Bool(v), _) => lit(*v),
        (Bind::Text(s), FieldType::Date) => match parse_date(s) {
            Some(d) => lit(ScalarValue::Date32(Some(d))),
            None => lit(ScalarValue::Date32(None)),
        },
        (Bind::Text(s), FieldType::Timestamp) => match parse_timestamp(s) {
            Some(t) => lit(ScalarValue::TimestampMicrosecond(Some(t), None)),
            None => lit(ScalarValue::TimestampMicrosecond(None, None)),
        },
        (Bind::Text(s), _) => lit(s.as_str()),
        (Bind::Null(_), _) => lit(ScalarValue::Null),
    }
}

/// A column of `fields` by name, or `_id`.
fn field_of(fields: &[Field], name: &str) -> Result<Field> {
    if name == ID_COLUMN {
        return Ok(Field {
            id: ID_COLUMN.into(),
            ty: FieldType::Int,
            info: None,
        });
    }
    fields
        .iter()
        .find(|f| f.id == name)
        .cloned()
        .ok_or_else(|| ColumnarError::NotFound(format!("field {name}")))
}

/// The predicate of `q`'s filters, terms and keyset position.
fn predicate(fields: &[Field], q: &DsQuery) -> Result<Option<Expr>> {
    let mut parts: Vec<Expr> = Vec::new();
    for f in &q.filters {
        let field = field_of(fields, &f.column)?;
        let col = ident(&field.id);
        let (nulls, values): (Vec<&Bind>, Vec<&Bind>) =
            f.values.iter().partition(|b| matches!(b, Bind::Null(_)));
        let mut alts: Vec<Expr> = Vec::new();
        if !values.is_empty() {
            let list: Vec<Expr> = values.iter().map(|v| literal(v, field.ty)).collect();
            alts.push(if list.len() == 1 {
                col.clone()
                    .eq(list.into_iter().next().unwrap_or(lit(false)))
            } else {
                col.clone().in_list(list, false)
            });
        }
        if !nulls.is_empty() {
            alts.push(col.is_null());
        }
        parts.push(
            alts.into_iter()
                .reduce(Expr::or)
                .unwrap_or_else(|| lit(false)),
        );
    }
    for term in &q.terms {
        parts.push(contains(ident(FULL_TEXT), lit(format!(" {term} "))));
    }
    if let Some(after) = q.after_id {
        parts.push(ident(ID_COLUMN).gt(lit(after)));
    }
    Ok(parts.into_iter().reduce(Expr::and))
}

/// Rows of `batches` as JSON values, column by column.
fn rows_of(batches: &[RecordBatch]) -> Result<Vec<Vec<Value>>> {
    let mut rows = Vec::new();
    for b in batches {
        let cols: Vec<Vec<Value>> = b.columns().iter().map(json_values).collect::<Result<_>>()?;
        for i in 0..b.num_rows() {
            rows.push(cols.iter().map(|c| c[i].clone()).collect());
        }
    }
    Ok(rows)
}

fn sort_expr(e: Expr, desc: bool) -> SortExpr {
    // NULLs last ascending, first descending (PostgreSQL).
    e.sort(!desc, desc)
}

fn usize_of(v: i64) -> usize {
    usize::try_from(v.max(0)).unwrap_or(usize::MAX)
}

/// Pages of rows of a streamed query, in order; an error ends them.
pub type RowPages = tokio::sync::mpsc::Receiver<Result<Vec<Vec<Value>>>>;

/// A search, checked against the table's fields.
struct SearchPlan {
    out_fields: Vec<Field>,
    order: Vec<(String, bool)>,
    pred: Option<Expr>,
    distinct: bool,
    count_total: bool,
}

/// A table file and its fields, as the action layer knows them.
#[derive(Debug, Clone)]
pub struct SqlTable {
    /// The name queries use (the resource id).
    pub name: String,
    /// The blob key of the table file.
    pub key: String,
    pub fields: Vec<Field>,
}

/// The answer to an SQL query: columns with a type name, records in
/// column order, and whether the row cap cut them.
#[derive(Debug, Clone)]
pub struct SqlAnswer {
    pub fields: Vec<(String, String)>,
    pub records: Vec<Vec<Value>>,
    pub truncated: bool,
}

impl Engine {
    async fn frame(&self, ctx: &SessionContext, key: &str, fields: &[Field]) -> Result<DataFrame> {
        let schema = arrow_schema(fields);
        Ok(ctx
            .read_parquet(
                self.file_url(key),
                ParquetReadOptions::default().schema(schema.as_ref()),
            )
            .await?)
    }

    /// The output fields and the frame of `datastore_search` over the
    /// table file `key` (without offset and limit), and whether a total
    /// must be counted.
    fn search_plan(fields: &[Field], q: &DsQuery) -> Result<SearchPlan> {
        let out_fields: Vec<Field> = if q.fields.is_empty() {
            std::iter::once(field_of(fields, ID_COLUMN)?)
                .chain(fields.iter().cloned())
                .collect()
        } else {
            q.fields
                .iter()
                .map(|c| field_of(fields, c))
                .collect::<Result<_>>()?
        };
        let mut order: Vec<(String, bool)> = Vec::new();
        for (c, desc) in &q.sort {
            field_of(fields, c)?;
            if q.distinct && !out_fields.iter().any(|f| &f.id == c) {
                return Err(ColumnarError::NotFound(format!(
                    "sort field {c} (with distinct, sort only by returned fields)"
                )));
            }
            order.push((c.clone(), *desc));
        }
        if !q.distinct && !order.iter().any(|(c, _)| c == ID_COLUMN) {
            order.push((ID_COLUMN.into(), false));
        }
        let pred = predicate(fields, q)?;
        let count_total = q.include_total && (q.distinct || pred.is_some());
        Ok(SearchPlan {
            out_fields,
            order,
            pred,
            distinct: q.distinct,
            count_total,
        })
    }

    /// The plan's frames: the rows in order (no paging) and, when asked,
    /// the frame whose count is the total.
    async fn search_frames(
        &self,
        ctx: &SessionContext,
        key: &str,
        fields: &[Field],
        plan: SearchPlan,
    ) -> Result<(DataFrame, Option<DataFrame>)> {
        let mut df = self.frame(ctx, key, fields).await?;
        if let Some(p) = plan.pred {
            df = df.filter(p)?;
        }
        let select: Vec<Expr> = plan.out_fields.iter().map(|f| ident(&f.id)).collect();
        let sorts: Vec<SortExpr> = plan
            .order
            .iter()
            .map(|(c, desc)| sort_expr(ident(c), *desc))
            .collect();
        if plan.distinct {
            df = df.select(select.clone())?.distinct()?;
        }
        let count = plan.count_total.then(|| df.clone());
        // Sort before projecting: a sort may name a column that is not
        // returned.
        // (`distinct` without `sort` has no order: an empty sort is no sort.)
        let mut df = if sorts.is_empty() {
            df
        } else {
            df.sort(sorts)?
        };
        if !plan.distinct {
            df = df.select(select)?;
        }
        Ok((df, count))
    }

    /// `datastore_search` over the table file `key` with `fields`
    /// (`row_count` answers the total of an unfiltered query).
    pub async fn search(
        &self,
        key: &str,
        fields: &[Field],
        row_count: i64,
        q: &DsQuery,
    ) -> Result<DsRows> {
        let plan = Self::search_plan(fields, q)?;
        let out_fields = plan.out_fields.clone();
        let engine = self.clone();
        let key = key.to_string();
        let all_fields = fields.to_vec();
        let (offset, limit) = (usize_of(q.offset), usize_of(q.limit));
        let (rows, counted) = on_query_runtime(async move {
            let ctx = engine.context();
            let (df, count) = engine.search_frames(&ctx, &key, &all_fields, plan).await?;
            let counted = match count {
                Some(c) => Some(i64::try_from(c.count().await?).unwrap_or(i64::MAX)),
                None => None,
            };
            let batches = df.limit(offset, Some(limit))?.collect().await?;
            Ok((rows_of(&batches)?, counted))
        })
        .await?;
        let total = if q.include_total {
            counted.or(Some(row_count))
        } else {
            None
        };
        let id_pos = out_fields.iter().position(|f| f.id == ID_COLUMN);
        let last_id = id_pos.and_then(|p| rows.last().and_then(|r| r[p].as_i64()));
        Ok(DsRows {
            fields: out_fields,
            rows,
            total,
            last_id,
        })
    }

    /// The rows of `q` (from `q.offset`, at most `q.limit`) as one
    /// streamed query: pages of at most `page` rows arrive on the
    /// returned channel while the caller reads them, and stop when the
    /// caller drops it. For dumps: one scan of the file instead of a query
    /// per page.
    pub fn search_stream(
        &self,
        key: &str,
        fields: &[Field],
        q: &DsQuery,
        page: usize,
    ) -> Result<(Vec<Field>, RowPages)> {
        let plan = Self::search_plan(
            fields,
            &DsQuery {
                include_total: false,
                ..q.clone()
            },
        )?;
        let out_fields = plan.out_fields.clone();
        let (tx, rx) = tokio::sync::mpsc::channel(2);
        let engine = self.clone();
        let key = key.to_string();
        let all_fields = fields.to_vec();
        let (offset, limit) = (usize_of(q.offset), usize_of(q.limit));
        let page = page.max(1);
        crate::query_runtime().spawn(async move {
            let run = async {
                let ctx = engine.context();
                let (df, _) = engine.search_frames(&ctx, &key, &all_fields, plan).await?;
                let mut stream = df.limit(offset, Some(limit))?.execute_stream().await?;
                while let Some(batch) = futures_util::StreamExt::next(&mut stream).await {
                    let batch = batch?;
                    let mut start = 0;
                    while start < batch.num_rows() {
                        let len = page.min(batch.num_rows() - start);
                        let rows = rows_of(&[batch.slice(start, len)])?;
                        start += len;
                        if tx.send(Ok(rows)).await.is_err() {
                            // The reader went away: stop scanning.
                            return Ok(());
                        }
                    }
                }
                Ok::<(), ColumnarError>(())
            };
            if let Err(e) = run.await {
                let _ = tx.send(Err(e)).await;
            }
        });
        Ok((out_fields, rx))
    }

    /// A group-by over the table file `key`: the groups of `group_by`
    /// (all rows as one group when empty) of the rows `q` selects, with
    /// `aggs`, sorted by `q.sort` (output names) then the group columns,
    /// `q.limit` groups from `q.offset`. Output types follow the row
    /// store: `count` is `int`, `sum` of an `int` column `int`, other sums
    /// and averages `numeric`, `min`/`max` the column's type.
    pub async fn group(
        &self,
        key: &str,
        fields: &[Field],
        q: &DsQuery,
        group_by: &[String],
        aggs: &[AggSpec],
    ) -> Result<DsRows> {
        let mut out_fields: Vec<Field> = Vec::with_capacity(group_by.len() + aggs.len());
        let mut group_exprs = Vec::with_capacity(group_by.len());
        let mut agg_exprs = Vec::with_capacity(aggs.len());
        for (i, g) in group_by.iter().enumerate() {
            let f = field_of(fields, g)?;
            group_exprs.push(ident(&f.id).alias(format!("c{i}")));
            out_fields.push(f);
        }
        for (j, a) in aggs.iter().enumerate() {
            let i = group_by.len() + j;
            let col = match &a.field {
                Some(c) => Some(field_of(fields, c)?),
                None => None,
            };
            let (expr, ty) = match (a.func, &col) {
                (AggFn::Count, None) => (count_all(), FieldType::Int),
                (AggFn::Count, Some(c)) => (count(ident(&c.id)), FieldType::Int),
                (_, None) => return Err(ColumnarError::NotFound("aggregate field".into())),
                (AggFn::Sum | AggFn::Avg, Some(c)) if !c.ty.is_number() => {
                    return Err(ColumnarError::NotFound(format!("number field {}", c.id)));
                }
                (AggFn::Min | AggFn::Max, Some(c)) if c.ty == FieldType::Bool => {
                    return Err(ColumnarError::NotFound(format!(
                        "comparable field {}",
                        c.id
                    )));
                }
                (AggFn::Sum, Some(c)) if c.ty == FieldType::Int => {
                    (sum(ident(&c.id)), FieldType::Int)
                }
                (AggFn::Sum, Some(c)) => (
                    cast(
                        sum(ident(&c.id)),
                        datafusion::arrow::datatypes::DataType::Float64,
                    ),
                    FieldType::Numeric,
                ),
                (AggFn::Avg, Some(c)) => (
                    cast(
                        avg(ident(&c.id)),
                        datafusion::arrow::datatypes::DataType::Float64,
                    ),
                    FieldType::Numeric,
                ),
                (AggFn::Min, Some(c)) => (min(ident(&c.id)), c.ty),
                (AggFn::Max, Some(c)) => (max(ident(&c.id)), c.ty),
            };
            agg_exprs.push(expr.alias(format!("c{i}")));
            out_fields.push(Field {
                id: a.name.clone(),
                ty,
                info: None,
            });
        }
        let mut order: Vec<SortExpr> = Vec::new();
        let mut sorted: HashSet<usize> = HashSet::new();
        for (c, desc) in &q.sort {
            let i = out_fields
                .iter()
                .position(|f| &f.id == c)
                .ok_or_else(|| ColumnarError::NotFound(format!("sort field {c}")))?;
            if sorted.insert(i) {
                order.push(sort_expr(ident(&format!("c{i}")), *desc));
            }
        }
        for i in 0..group_by.len() {
            if sorted.insert(i) {
                order.push(sort_expr(ident(&format!("c{i}")), false));
            }
        }
        let pred = predicate(fields, q)?;
        let engine = self.clone();
        let key = key.to_string();
        let all_fields = fields.to_vec();
        let (include_total, offset, limit) =
            (q.include_total, usize_of(q.offset), usize_of(q.limit));
        let (rows, total) = on_query_runtime(async move {
            let ctx = engine.context();
            let mut df = engine.frame(&ctx, &key, &all_fields).await?;
            if let Some(p) = pred {
                df = df.filter(p)?;
            }
            let df = df.aggregate(group_exprs, agg_exprs)?;
            let total = if include_total {
                Some(i64::try_from(df.clone().count().await?).unwrap_or(i64::MAX))
            } else {
                None
            };
            let mut df = df;
            if !order.is_empty() {
                df = df.sort(order)?;
            }
            let batches = df.limit(offset, Some(limit))?.collect().await?;
            Ok((rows_of(&batches)?, total))
        })
        .await?;
        Ok(DsRows {
            fields: out_fields,
            rows,
            total,
            last_id: None,
        })
    }

    /// The names of the tables an SQL query reads (CTE names excluded), or
    /// the parser's message.
    pub fn sql_tables(&self, sql: &str) -> std::result::Result<Vec<String>, String> {
        let ctx = self.context();
        let state = ctx.state();
        let stmt = state
            .sql_to_statement(sql, &datafusion::config::Dialect::PostgreSQL)
            .map_err(|e| plain_message(&e))?;
        let refs = state
            .resolve_table_references(&stmt)
            .map_err(|e| plain_message(&e))?;
        Ok(refs.iter().map(|r| r.table().to_string()).collect())
    }

    /// Runs one read-only query over `tables` (each visible by its name,
    /// with `_id` and its fields), for at most `timeout`, keeping at most
    /// `row_cap` records. `Ok(Err(_))` is the query's own failure, for the
    /// caller; the session allows no DDL, DML or statements, and no other
    /// table exists in it.
    pub async fn sql(
        &self,
        sql: &str,
        tables: Vec<SqlTable>,
        timeout: Duration,
        row_cap: usize,
    ) -> Result<std::result::Result<SqlAnswer, String>> {
        let engine = self.clone();
        let sql = sql.to_string();
        let task = on_query_runtime(async move {
            let ctx = engine.context();
            let mut seen: HashMap<String, ()> = HashMap::new();
            for t in &tables {
                if seen.insert(t.name.clone(), ()).is_some() {
                    continue;
                }
                let df = engine.frame(&ctx, &t.key, &t.fields).await?;
                let cols: Vec<Expr> = std::iter::once(ident(ID_COLUMN))
                    .chain(t.fields.iter().map(|f| ident(&f.id)))
                    .collect();
                let view = df.select(cols)?.into_view();
                ctx.register_table(t.name.as_str(), view)?;
            }
            let options = SQLOptions::new()
                .with_allow_ddl(false)
                .with_allow_dml(false)
                .with_allow_statements(false);
            let df = match ctx.sql_with_options(&sql, options).await {
                Ok(df) => df,
                Err(e) => return Ok(Err(plain_message(&e))),
            };
            let schema = df.schema().clone();
            let df = df.limit(0, Some(row_cap.saturating_add(1)))?;
            let batches = match df.collect().await {
                Ok(b) => b,
                Err(e) => return Ok(Err(plain_message(&e))),
            };
            let mut records = rows_of(&batches)?;
            let truncated = records.len() > row_cap;
            records.truncate(row_cap);
            let fields = schema
                .fields()
                .iter()
                .map(|f| (f.name().clone(), type_name(f.data_type()).to_string()))
                .collect();
            Ok(Ok(SqlAnswer {
                fields,
                records,
                truncated,
            }))
        });
        match tokio::time::timeout(timeout, task).await {
            Ok(r) => r,
            Err(_) => Ok(Err(format!(
                "The query took longer than the limit of {} ms",
                timeout.as_millis()
            ))),
        }
    }
}

/// DataFusion's message without its error-kind prefix.
fn plain_message(e: &datafusion::error::DataFusionError) -> String {
    let text = e.to_string();
    let text = text
        .strip_prefix("Error during planning: ")
        .unwrap_or(&text);
    let text = text.strip_prefix("SQL error: ").unwrap_or(text);
    text.to_string()
}
