//! `datastore_search_sql`: one read-only SELECT over the datastore tables a
//! caller may read, with a time limit and a row cap.
//!
//! Three layers, so that no single mistake opens the database:
//! 1. [`check`] lexes the text: one statement starting with SELECT or WITH;
//!    no comments hiding a second statement, no `$`/backtick/bracket
//!    quoting; no write, DDL, ATTACH, PRAGMA, SET, COPY, INTO...; every
//!    function call must be in [`FUNCTIONS`].
//! 2. The database checks what the statement really reads. SQLite: an
//!    authorizer (`sqlite3_set_authorizer`) on a dedicated `query_only`
//!    connection allows only SELECT, reads of the allowed tables and views,
//!    the allowed functions and recursive CTEs; a progress handler stops the
//!    query at the deadline. PostgreSQL: a READ ONLY transaction with
//!    `statement_timeout` and `search_path` set to the datastore schema;
//!    `EXPLAIN (VERBOSE, FORMAT JSON)` lists every relation the plan scans
//!    and each must be an allowed datastore table.
//! 3. The statement runs wrapped as `SELECT * FROM (<sql>) LIMIT cap+1`.
//!
//! Memory is bounded as well as time: rows are streamed and counted, and
//! an answer past [`MAX_ANSWER_BYTES`] is refused; no value may be longer
//! than [`MAX_VALUE_BYTES`] (SQLite: `SQLITE_LIMIT_LENGTH` on the query's
//! connection, so `printf('%400000000d', 1)` or a huge `group_concat` fails
//! inside SQLite before it allocates; PostgreSQL: each row is cut to
//! [`MAX_ROW_BYTES`] by the server, so a huge row never reaches misto, and
//! `work_mem` bounds its sorts and hashes).

use std::collections::HashSet;
use std::ffi::{CStr, c_char, c_int, c_void};
use std::time::{Duration, Instant};

use serde_json::Value;
use sqlx::{Column, Executor, Row, Statement, TypeInfo, ValueRef};

use super::quote_ident;
use crate::{Result, Store};

/// The most bytes of values one answer may hold.
pub const MAX_ANSWER_BYTES: usize = 16 << 20;

/// The longest value (text or blob) an SQLite query may make or return.
pub const MAX_VALUE_BYTES: i32 = 100_000;

/// The most columns an SQLite query may return.
const MAX_RESULT_COLUMNS: i32 = 1_100;

/// The longest row (as JSON text) a PostgreSQL query may return.
pub const MAX_ROW_BYTES: usize = 1 << 20;

/// `work_mem` of a PostgreSQL SQL query.
const PG_WORK_MEM: &str = "32MB";

fn answer_too_large() -> String {
    format!(
        "The answer is larger than the limit of {} MB: select fewer rows or columns \
         (or add a LIMIT)",
        MAX_ANSWER_BYTES >> 20
    )
}

/// Bytes a JSON value of the answer accounts for.
fn value_bytes(v: &Value) -> usize {
    match v {
        Value::String(s) => s.len() + 8,
        _ => 16,
    }
}

/// Functions a query may call (lower case), on both backends.
pub const FUNCTIONS: &[&str] = &[
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "total",
    "group_concat",
    "string_agg",
    "lower",
    "upper",
    "length",
    "char_length",
    "character_length",
    "substr",
    "substring",
    "trim",
    "ltrim",
    "rtrim",
    "replace",
    "round",
    "abs",
    "coalesce",
    "ifnull",
    "nullif",
    "instr",
    "position",
    "concat",
    "floor",
    "ceil",
    "ceiling",
    "sqrt",
    "power",
    "pow",
    "mod",
    "sign",
    "greatest",
    "least",
    "row_number",
    "rank",
    "dense_rank",
    "percent_rank",
    "ntile",
    "lag",
    "lead",
    "first_value",
    "last_value",
    "date",
    "time",
    "datetime",
    "strftime",
    "julianday",
    "date_trunc",
    "date_part",
    "extract",
    "to_char",
    "to_date",
    "to_timestamp",
    "iif",
    "printf",
    "format",
    "left",
    "right",
    "split_part",
    "trunc",
    "percentile_cont",
    "percentile_disc",
    "stddev",
    "variance",
    "typeof",
    "unicode",
    "like",
    "glob",
    "bool_and",
    "bool_or",
    "every",
];

/// Words that may stand before `(` without being a function call.
const KEYWORDS_BEFORE_PAREN: &[&str] = &[
    "select",
    "with",
    "recursive",
    "as",
    "in",
    "exists",
    "over",
    "filter",
    "values",
    "and",
    "or",
    "not",
    "on",
    "using",
    "cast",
    "from",
    "join",
    "where",
    "any",
    "all",
    "some",
    "between",
    "when",
    "then",
    "else",
    "case",
    "by",
    "having",
    "limit",
    "offset",
    "distinct",
    "union",
    "intersect",
    "except",
    "within",
    "group",
    "partition",
    "is",
    "like",
    "order",
    "lateral",
    "numeric",
    "decimal",
    "varchar",
    "char",
    "character",
    "interval",
    "materialized",
];

/// Words that end the check at once, wherever they are.
const FORBIDDEN: &[&str] = &[
    "insert",
    "update",
    "delete",
    "drop",
    "create",
    "alter",
    "attach",
    "detach",
    "pragma",
    "vacuum",
    "reindex",
    "analyze",
    "analyse",
    "grant",
    "revoke",
    "copy",
    "truncate",
    "lock",
    "merge",
    "call",
    "do",
    "execute",
    "prepare",
    "deallocate",
    "listen",
    "notify",
    "unlisten",
    "load",
    "set",
    "reset",
    "begin",
    "commit",
    "rollback",
    "savepoint",
    "release",
    "into",
    "load_extension",
    "returning",
    "explain",
    "checkpoint",
    "cluster",
    "comment",
    "discard",
    "import",
    "refresh",
    "security",
    "declare",
    "fetch",
    "move",
    "close",
];

/// Why a query was refused or failed; the message is for the caller.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlRefusal(pub String);

/// The answer to a query: column names with a type name, records as lists
/// in column order, and whether the row cap cut it.
#[derive(Debug, Clone)]
pub struct SqlOutcome {
    pub fields: Vec<(String, String)>,
    pub records: Vec<Vec<Value>>,
    pub truncated: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Quoted(String),
    Str,
    Num,
    Punct(char),
}

fn lex(sql: &str) -> std::result::Result<Vec<Tok>, String> {
    let b: Vec<char> = sql.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < b.len() {
        let c = b[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '-' && b.get(i + 1) == Some(&'-') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && b.get(i + 1) == Some(&'*') {
            i += 2;
            loop {
                if i + 1 >= b.len() {
                    return Err("unterminated comment".into());
                }
                if b[i] == '*' && b[i + 1] == '/' {
                    i += 2;
                    break;
                }
                i += 1;
            }
        } else if c == '\'' {
            i += 1;
            loop {
                match b.get(i) {
                    None => return Err("unterminated string".into()),
                    Some('\'') if b.get(i + 1) == Some(&'\'') => i += 2,
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(_) => i += 1,
                }
            }
            out.push(Tok::Str);
        } else if c == '"' {
            i += 1;
            let mut name = String::new();
            loop {
                match b.get(i) {
                    None => return Err("unterminated quoted name".into()),
                    Some('"') if b.get(i + 1) == Some(&'"') => {
                        name.push('"');
                        i += 2;
                    }
                    Some('"') => {
                        i += 1;
                        break;
                    }
                    Some(ch) => {
                        name.push(*ch);
                        i += 1;
                    }
                }
            }
            out.push(Tok::Quoted(name));
        } else if c == '`' || c == '[' || c == '$' || c == '\\' {
            return Err(format!(
                "the character {c} is not allowed; quote names with \""
            ));
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < b.len() && (b[i].is_alphanumeric() || b[i] == '_') {
                i += 1;
            }
            out.push(Tok::Word(
                b[start..i].iter().collect::<String>().to_lowercase(),
            ));
        } else if c.is_ascii_digit() {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == '.') {
                i += 1;
            }
            out.push(Tok::Num);
        } else {
            out.push(Tok::Punct(c));
            i += 1;
        }
    }
    Ok(out)
}

/// Index of the `)` matching the `(` at `open`.
fn matching(toks: &[Tok], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, t) in toks.iter().enumerate().skip(open) {
        match t {
            Tok::Punct('(') => depth += 1,
            Tok::Punct(')') => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// The first layer: refuses anything but one SELECT calling allowed
/// functions. Returns the statement without a trailing `;`.
pub fn check(sql: &str) -> std::result::Result<String, String> {
    let trimmed = sql
        .trim()
        .trim_end_matches(|c: char| c == ';' || c.is_whitespace());
    if trimmed.is_empty() {
        return Err("the query is empty".into());
    }
    let toks = lex(trimmed)?;
    if toks.contains(&Tok::Punct(';')) {
        return Err("only one statement is allowed".into());
    }
    match toks.first() {
        Some(Tok::Word(w)) if w == "select" || w == "with" => {}
        _ => return Err("only SELECT statements are allowed".into()),
    }
    for (i, t) in toks.iter().enumerate() {
        if let Tok::Word(w) = t
            && FORBIDDEN.contains(&w.as_str())
        {
            // `x.set` or `AS "delete"` never reach here: those are names.
            let qualified = i > 0 && toks[i - 1] == Tok::Punct('.');
            if !qualified {
                return Err(format!("{} is not allowed", w.to_uppercase()));
            }
        }
        if toks.get(i + 1) != Some(&Tok::Punct('(')) {
            continue;
        }
        let name = match t {
            Tok::Word(w) => w.clone(),
            Tok::Quoted(q) => q.to_lowercase(),
            _ => continue,
        };
        if matches!(t, Tok::Word(_))
            && (FUNCTIONS.contains(&name.as_str())
                || KEYWORDS_BEFORE_PAREN.contains(&name.as_str()))
        {
            continue;
        }
        // A CTE with a column list: `name (a, b) AS (`.
        let is_cte = matching(&toks, i + 1)
            .and_then(|close| toks.get(close + 1))
            .is_some_and(|t| *t == Tok::Word("as".into()));
        if !is_cte {
            return Err(format!("the function {name} is not allowed"));
        }
    }
    Ok(trimmed.to_string())
}

/// What the SQLite authorizer allows.
struct AuthState {
    tables: HashSet<String>,
}

const SQLITE_OK: c_int = 0;
const SQLITE_DENY: c_int = 1;
const SQLITE_READ: c_int = 20;
const SQLITE_SELECT: c_int = 21;
const SQLITE_FUNCTION: c_int = 31;
const SQLITE_RECURSIVE: c_int = 33;

fn c_str<'a>(p: *const c_char) -> Option<&'a str> {
    if p.is_null() {
        None
    } else {
        // SAFETY: SQLite passes NUL-terminated strings valid for the call.
        unsafe { CStr::from_ptr(p) }.to_str().ok()
    }
}

extern "C" fn authorize(
    state: *mut c_void,
    action: c_int,
    a3: *const c_char,
    a4: *const c_char,
    a5: *const c_char,
    _a6: *const c_char,
) -> c_int {
    // SAFETY: `state` is the `AuthState` installed with this callback; it
    // outlives the connection (see `sqlite_query`).
    let state = unsafe { &*(state as *const AuthState) };
    match action {
        SQLITE_SELECT | SQLITE_RECURSIVE => SQLITE_OK,
        SQLITE_READ => match (c_str(a5), c_str(a3)) {
            // Reads of subquery and CTE results name no database.
            (None, _) | (_, None | Some("")) => SQLITE_OK,
            (Some("main"), Some(t)) if state.tables.contains(t) => SQLITE_OK,
            _ => SQLITE_DENY,
        },
        SQLITE_FUNCTION => match c_str(a4) {
            Some(f) if FUNCTIONS.contains(&f.to_lowercase().as_str()) => SQLITE_OK,
            _ => SQLITE_DENY,
        },
        _ => SQLITE_DENY,
    }
}

fn refusal_of(e: &sqlx::Error, timeout: Duration) -> Option<SqlRefusal> {
    let db = e.as_database_error()?;
    let code = db.code().map(|c| c.to_string()).unwrap_or_default();
    let msg = db.message().to_string();
    Some(SqlRefusal(match code.as_str() {
        // SQLITE_INTERRUPT / PostgreSQL query_canceled
        "9" | "57014" => format!(
            "The query took longer than the limit of {} s and was stopped",
            timeout.as_secs_f64()
        ),
        // SQLITE_AUTH
        "23" => "The query reads a table or calls a function that is not allowed: only \
                 datastore tables you may read (named by resource id) and the documented \
                 functions"
            .to_string(),
        // PostgreSQL read_only_sql_transaction, insufficient_privilege
        "25006" | "42501" => "Only reading is allowed".to_string(),
        // SQLITE_TOOBIG; PostgreSQL out_of_memory, program_limit_exceeded
        "18" | "53200" | "54000" => format!(
            "A value of the answer is longer than the limit of {} KB",
            MAX_VALUE_BYTES / 1000
        ),
        _ => msg,
    }))
}

impl Store {
    /// Runs one read-only SELECT over the datastore tables of
    /// `readable` resources (views named by resource id, and their tables).
    /// `Ok(Err(_))` is a refusal or a failure of the query itself, to show
    /// the caller; `Err(_)` is a database failure.
    pub async fn ds_sql(
        &self,
        sql: &str,
        readable: &HashSet<String>,
        timeout: Duration,
        row_cap: usize,
    ) -> Result<std::result::Result<SqlOutcome, SqlRefusal>> {
        let sql = match check(sql) {
            Ok(s) => s,
            Err(m) => return Ok(Err(SqlRefusal(m))),
        };
        let pairs: Vec<(String, String)> = read!(self, |pool| {
            sqlx::query_as::<_, (String, String)>(
                "SELECT resource_id, table_name FROM datastore_tables WHERE table_name <> ''",
            )
            .fetch_all(pool)
            .await?
        });
        let mut tables = HashSet::new();
        for (rid, table) in pairs {
            if readable.contains(&rid) {
                tables.insert(rid);
                tables.insert(table);
            }
        }
        let wrapped = format!("SELECT * FROM (\n{sql}\n) AS q LIMIT {}", row_cap + 1);
        let outcome = match &self.pool {
            crate::store::Pool::Sqlite { reader, .. } => {
                let reader = reader.clone();
                let task = tokio::spawn(sqlite_query(reader, wrapped, tables, timeout));
                task.await
                    .map_err(|e| crate::StoreError::Corrupt(format!("query task: {e}")))??
            }
            crate::store::Pool::Postgres(pool) => {
                let schema = self.ds_schema().await?.unwrap_or_default();
                pg_query(pool, &sql, &wrapped, &schema, &tables, timeout).await?
            }
        };
        Ok(match outcome {
            Ok(mut o) => {
                o.truncated = o.records.len() > row_cap;
                o.records.truncate(row_cap);
                Ok(o)
            }
            // Our own refusals (a relation not allowed, an answer too large).
            Err(sqlx::Error::Protocol(m)) => Err(SqlRefusal(m)),
            Err(e) => Err(refusal_of(&e, timeout).unwrap_or_else(|| SqlRefusal(e.to_string()))),
        })
    }
}

/// SQLite: runs in its own task, so that a caller who goes away cannot
/// leave a connection with our authorizer installed. The connection is
/// taken out of the pool and closed afterwards.
async fn sqlite_query(
    reader: sqlx::SqlitePool,
    wrapped: String,
    tables: HashSet<String>,
    timeout: Duration,
) -> Result<std::result::Result<SqlOutcome, sqlx::Error>> {
    let mut conn = reader.acquire().await?.detach();
    let state = Box::new(AuthState { tables });
    let deadline = Instant::now() + timeout;
    {
        let mut h = conn.lock_handle().await?;
        h.set_progress_handler(1000, move || Instant::now() < deadline);
        // SAFETY: the handle is locked; sqlite3_limit only sets a number on
        // this connection (closed after the query, never back in the pool).
        unsafe {
            let db = h.as_raw_handle().as_ptr();
            libsqlite3_sys::sqlite3_limit(db, libsqlite3_sys::SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES);
            libsqlite3_sys::sqlite3_limit(
                db,
                libsqlite3_sys::SQLITE_LIMIT_COLUMN,
                MAX_RESULT_COLUMNS,
            );
        }
        let state_ptr = &*state as *const AuthState as *mut c_void;
        // SAFETY: the handle is locked (no other call on it); `state` lives
        // until after the connection is closed below.
        unsafe {
            libsqlite3_sys::sqlite3_set_authorizer(
                h.as_raw_handle().as_ptr(),
                Some(authorize),
                state_ptr,
            );
        }
    }
    let outcome = sqlite_rows(&mut conn, &wrapped).await;
    {
        let mut h = conn.lock_handle().await?;
        // SAFETY: as above; removes the callback before `state` is freed.
        unsafe {
            libsqlite3_sys::sqlite3_set_authorizer(
                h.as_raw_handle().as_ptr(),
                None,
                std::ptr::null_mut(),
            );
        }
        h.remove_progress_handler();
    }
    let _ = sqlx::Connection::close(conn).await;
    drop(state);
    Ok(outcome)
}

/// Streams the rows of `sql` into an answer, refusing past
/// [`MAX_ANSWER_BYTES`].
async fn sqlite_rows(
    conn: &mut sqlx::SqliteConnection,
    sql: &str,
) -> std::result::Result<SqlOutcome, sqlx::Error> {
    use futures_util::TryStreamExt;
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut records = Vec::new();
    let mut bytes = 0usize;
    let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql.to_string())).fetch(&mut *conn);
    while let Some(row) = rows.try_next().await? {
        if fields.is_empty() {
            fields = row
                .columns()
                .iter()
                .map(|c| (c.name().to_string(), String::new()))
                .collect();
        }
        let mut rec = Vec::with_capacity(fields.len());
        for i in 0..row.len() {
            let raw = row.try_get_raw(i)?;
            let (v, ty) = if raw.is_null() {
                (Value::Null, "")
            } else {
                match raw.type_info().name() {
                    "INTEGER" => (Value::from(row.try_get_unchecked::<i64, _>(i)?), "int"),
                    "REAL" => (Value::from(row.try_get_unchecked::<f64, _>(i)?), "numeric"),
                    "TEXT" => (Value::from(row.try_get_unchecked::<String, _>(i)?), "text"),
                    _ => (Value::Null, "bytea"),
                }
            };
            if let Some(f) = fields.get_mut(i)
                && f.1.is_empty()
            {
                f.1 = ty.to_string();
            }
            bytes += value_bytes(&v);
            rec.push(v);
        }
        if bytes > MAX_ANSWER_BYTES {
            return Err(sqlx::Error::Protocol(answer_too_large()));
        }
        records.push(rec);
    }
    for f in &mut fields {
        if f.1.is_empty() {
            f.1 = "text".into();
        }
    }
    Ok(SqlOutcome {
        fields,
        records,
        truncated: false,
    })
}

/// Every `(schema, relation)` a PostgreSQL JSON plan scans.
fn relations(plan: &Value, out: &mut Vec<(String, String)>) {
    match plan {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("Relation Name") {
                let schema = m
                    .get("Schema")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                out.push((schema, r.clone()));
            }
            if let Some(Value::String(f)) = m.get("Function Name") {
                out.push(("function".into(), f.clone()));
            }
            for v in m.values() {
                relations(v, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| relations(v, out)),
        _ => {}
    }
}

async fn pg_query(
    pool: &sqlx::PgPool,
    sql: &str,
    wrapped: &str,
    schema: &str,
    tables: &HashSet<String>,
    timeout: Duration,
) -> Result<std::result::Result<SqlOutcome, sqlx::Error>> {
    let mut tx = pool.begin_with("BEGIN READ ONLY").await?;
    let ms = timeout.as_millis().max(1);
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SET LOCAL statement_timeout = {ms}"
    )))
    .execute(&mut *tx)
    .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SET LOCAL work_mem = '{PG_WORK_MEM}'"
    )))
    .execute(&mut *tx)
    .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SET LOCAL search_path TO {}",
        quote_ident(schema)
    )))
    .execute(&mut *tx)
    .await?;
    let explain = format!("EXPLAIN (VERBOSE, FORMAT JSON) {sql}");
    let plan = match sqlx::query(sqlx::AssertSqlSafe(explain))
        .fetch_one(&mut *tx)
        .await
    {
        Ok(row) => row.try_get_unchecked::<String, _>(0)?,
        Err(e) => return Ok(Err(e)),
    };
    let plan: Value = serde_json::from_str(&plan)
        .map_err(|e| crate::StoreError::Corrupt(format!("EXPLAIN output: {e}")))?;
    let mut rels = Vec::new();
    relations(&plan, &mut rels);
    for (s, r) in &rels {
        if s != schema || !tables.contains(r) {
            let _ = tx.rollback().await;
            return Ok(Err(sqlx::Error::Protocol(format!(
                "The query reads \"{r}\", which is not a datastore table you may read"
            ))));
        }
    }
    let columns: Vec<(String, String)> = match (&mut *tx)
        .prepare(sqlx::SqlSafeStr::into_sql_str(sqlx::AssertSqlSafe(
            sql.to_string(),
        )))
        .await
    {
        Ok(st) => st
            .columns()
            .iter()
            .map(|c| {
                let t = c.type_info().name().to_lowercase();
                let t = match t.as_str() {
                    "int2" | "int4" | "int8" => "int".to_string(),
                    "float4" | "float8" | "numeric" => "numeric".to_string(),
                    "varchar" | "name" | "bpchar" => "text".to_string(),
                    _ => t,
                };
                (c.name().to_string(), t)
            })
            .collect(),
        Err(e) => return Ok(Err(e)),
    };
    // Each row is cut by the server one byte past the limit, so that a huge
    // row is refused without ever being sent here.
    let json_sql = format!(
        "SELECT left(row_to_json(q)::text, {}) FROM ({wrapped}) AS q",
        MAX_ROW_BYTES + 1
    );
    let mut records = Vec::new();
    let mut bytes = 0usize;
    {
        use futures_util::TryStreamExt;
        let mut rows =
            sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(json_sql)).fetch(&mut *tx);
        loop {
            let r = match rows.try_next().await {
                Ok(Some(r)) => r,
                Ok(None) => break,
                Err(e) => return Ok(Err(e)),
            };
            if r.len() > MAX_ROW_BYTES {
                return Ok(Err(sqlx::Error::Protocol(format!(
                    "A row of the answer is longer than the limit of {} MB",
                    MAX_ROW_BYTES >> 20
                ))));
            }
            bytes += r.len();
            if bytes > MAX_ANSWER_BYTES {
                return Ok(Err(sqlx::Error::Protocol(answer_too_large())));
            }
            let obj: serde_json::Map<String, Value> = serde_json::from_str(&r)
                .map_err(|e| crate::StoreError::Corrupt(format!("row_to_json: {e}")))?;
            records.push(
                columns
                    .iter()
                    .map(|(name, _)| obj.get(name).cloned().unwrap_or(Value::Null))
                    .collect(),
            );
        }
    }
    let _ = tx.rollback().await;
    Ok(Ok(SqlOutcome {
        fields: columns,
        records,
        truncated: false,
    }))
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn accepts_selects() {
        for q in [
            "SELECT * FROM \"abc\"",
            "select count(*), \"район\" from \"r\" group by \"район\" order by 1 desc;",
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT x FROM c",
            "SELECT CAST(a AS numeric(10,2)) FROM t WHERE b IN (1, 2) AND EXISTS (SELECT 1)",
            "SELECT 'DROP TABLE x; --' AS s",
            "SELECT \"delete\" FROM t -- a comment",
        ] {
            assert!(check(q).is_ok(), "{q}: {:?}", check(q));
        }
    }

    #[test]
    fn refuses_the_rest() {
        for q in [
            "",
            "DELETE FROM t",
            "SELECT 1; DELETE FROM t",
            "SELECT 1; --",
            "ATTACH DATABASE 'x.db' AS x",
            "PRAGMA table_info(t)",
            "SELECT load_extension('x')",
            "SELECT pg_sleep(10)",
            "SELECT pg_read_file('/etc/passwd')",
            "WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x",
            "SELECT * INTO t2 FROM t",
            "SELECT $$a$$",
            "SELECT `a` FROM t",
            "SELECT * FROM t /* unterminated",
            "SELECT \"pg_sleep\"(1)",
            "SELECT set_config('a','b',true)",
            "VACUUM",
            "CREATE TABLE x (a int)",
        ] {
            assert!(check(q).is_err(), "{q} was accepted");
        }
    }
}
