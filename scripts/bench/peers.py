#!/usr/bin/env python3
"""The peers at their best, on the same file (scripts/bench-datastore.sh --compare).

    peers.py sqlite   META WORKDIR          → prints the datasette database path
    peers.py duckdb   META
    peers.py datasette META BASE DBNAME     (datasette already serving the db)
    peers.py serve-datasette DB PORT        (datasette, immutable, no access log)

sqlite: the sqlite3 CLI's `.import` (`.mode csv`, `.separator`), timed: every
column lands as text. Then the table datasette serves is made the way a
careful datasette user would: a typed copy (integers, REAL amounts with the
space thousands and the decimal comma removed, ISO dates, 0/1 booleans —
neither `.import` nor `sqlite-utils insert --detect-types` reads
`207 043,43`, `dd.mm.yyyy` or `так`/`ні`), then `sqlite-utils
create-index` on the filtered column, on the sorted column and on both
(a covering index for the group-by, which also serves filter + sort), and
ANALYZE. That preparation is timed too.

duckdb: `read_csv` told everything it can be told (delimiter, header, the
types of every column, `dateformat`, `decimal_separator`, `thousands`).
When a column still does not convert (DuckDB has no option for the words of
a boolean such as так/ні), the error is reported, that column is read as VARCHAR
and converted in the same CREATE TABLE … AS SELECT, and the load is timed
again; the figure is that of the load that worked. Then the filter + sort +
limit 100 and the group-by in process (p50/p99 of repeated runs): no HTTP,
the floor any server can approach.

datasette: checks its answers, then wrk (same settings as for misto) on the
table JSON API with the filter, `_sort_desc`, `_size=100`, `_nosuggest=1`;
on the same query as SQL; and on the group-by as SQL.
"""

import os
import re
import subprocess
import sys

import wrk
from common import error_text, fmt_ms, http, load_meta, now, qs, record
from misto import check_groups, check_top


def qi(c):
    return '"' + c.replace('"', '""') + '"'


def sqlite_cast(c, t):
    x = qi(c)
    if t == "int":
        return f"CAST(NULLIF(replace({x}, ' ', ''), '') AS INTEGER)"
    if t == "numeric":
        return f"CAST(replace(replace(NULLIF({x}, ''), ' ', ''), ',', '.') AS REAL)"
    if t == "date":
        return (f"CASE WHEN {x} GLOB '[0-9][0-9].[0-9][0-9].[0-9][0-9][0-9][0-9]' "
                f"THEN substr({x}, 7, 4) || '-' || substr({x}, 4, 2) || '-' || substr({x}, 1, 2) "
                f"ELSE NULLIF({x}, '') END")
    if t == "bool":
        return f"CASE {x} WHEN 'так' THEN 1 WHEN 'true' THEN 1 WHEN 'ні' THEN 0 WHEN 'false' THEN 0 END"
    return x


SQLITE_DECL = {"int": "INTEGER", "numeric": "REAL", "date": "TEXT", "bool": "INTEGER", "text": "TEXT"}


def sqlite_peer(meta_path, workdir):
    meta = load_meta(meta_path)
    shape, rows, table = meta["shape"], meta["rows"], meta["table"]
    sqlite3 = os.environ.get("SQLITE3", "sqlite3")
    db = os.path.join(workdir, "bench.db")
    for p in (db, db + "-journal", db + "-wal"):
        if os.path.exists(p):
            os.remove(p)
    t = now()
    p = subprocess.run([sqlite3, db, "-cmd", ".mode csv", "-cmd", f".separator {meta['delimiter']}",
                        f".import {meta['file']} raw"], capture_output=True, text=True)
    secs = now() - t
    n = subprocess.run([sqlite3, db, "SELECT count(*) FROM raw"], capture_output=True, text=True).stdout.strip()
    if p.returncode != 0 or n != str(rows):
        record(shape, "sqlite3", "ingest", None, "rows/s",
               f".import failed ({p.returncode}, {n} rows): {p.stderr.strip()[:200]}", ok=False)
        print("")
        return
    record(shape, "sqlite3", "ingest", rows / secs, "rows/s",
           f"{rows / secs:,.0f} rows/s (.import, every column text, {secs:.2f} s)", seconds=secs)

    # The typed table datasette serves, with the indexes a user would add.
    t = now()
    cols = meta["columns"]
    decl = ", ".join(f"{qi(c)} {SQLITE_DECL[meta['types'][c]]}" for c in cols)
    sel = ", ".join(sqlite_cast(c, meta["types"][c]) for c in cols)
    sql = (f"CREATE TABLE {qi(table)} ({decl});\n"
           f"INSERT INTO {qi(table)} SELECT {sel} FROM raw;\n"
           f"DROP TABLE raw;\n")
    p = subprocess.run([sqlite3, db], input=sql, capture_output=True, text=True)
    if p.returncode != 0:
        record(shape, "datasette", "prep", None, "s", f"typed copy failed: {p.stderr[:300]}", ok=False)
        print("")
        return
    su = os.path.join(os.path.dirname(sys.executable), "sqlite-utils")
    fc, sc = meta["filter_col"], meta["sort_col"]
    for idx in ([fc], [sc], [meta["group_col"], meta["sum_col"]]):
        p = subprocess.run([su, "create-index", db, table, *idx], capture_output=True, text=True)
        if p.returncode != 0:
            record(shape, "datasette", "prep", None, "s", f"create-index failed: {p.stderr[:300]}", ok=False)
    subprocess.run([su, "analyze", db], capture_output=True, text=True)
    subprocess.run([sqlite3, db, "VACUUM"], capture_output=True, text=True)
    prep = now() - t
    record(shape, "datasette", "prep", prep, "s",
           f"{rows / (secs + prep):,.0f} rows/s to its indexed typed table ({secs:.2f} s .import +"
           f" {prep:.2f} s typed copy, 3 indexes, ANALYZE)", seconds=secs + prep,
           note="datasette's table: the sqlite3 .import, then a typed copy made in SQL"
                + (" (neither .import nor sqlite-utils --detect-types reads '207 043,43', dd.mm.yyyy or так/ні)"
                   if meta["decimal"] != "." else "")
                + f", then sqlite-utils create-index on {fc}, on {sc} and on ({meta['group_col']},"
                f" {meta['sum_col']}), and ANALYZE; served --immutable (read-only, no locking), without"
                " the access log")
    print(db)


# --- DuckDB ---------------------------------------------------------------

DUCK_TYPE = {"int": "BIGINT", "numeric": "DOUBLE", "date": "DATE", "bool": "BOOLEAN", "text": "VARCHAR"}


def duck_convert(c, t, meta):
    x = qi(c)
    if t == "numeric":
        return f"CAST(replace(replace({x}, ' ', ''), ',', '.') AS DOUBLE)"
    if t == "int":
        return f"CAST(replace({x}, ' ', '') AS BIGINT)"
    if t == "bool":
        return f"CASE {x} WHEN 'так' THEN true WHEN 'true' THEN true WHEN 'ні' THEN false WHEN 'false' THEN false END"
    if t == "date":
        return f"CAST(strptime({x}, '{meta['dateformat']}') AS DATE)"
    return x


def timed_runs(fn, budget_s=3.0, max_runs=200, warm=3):
    for _ in range(warm):
        fn()
    times = []
    start = now()
    while len(times) < max_runs and (now() - start < budget_s or len(times) < 10):
        t = now()
        fn()
        times.append((now() - t) * 1e6)
    times.sort()
    return times[len(times) // 2], times[min(len(times) - 1, int(len(times) * 0.99))], len(times)


def duckdb_peer(meta_path):
    import duckdb
    meta = load_meta(meta_path)
    shape, rows, path = meta["shape"], meta["rows"], meta["file"]
    con = duckdb.connect()
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    types = {c: DUCK_TYPE[meta["types"][c]] for c in meta["columns"]}
    fallback = {}  # column → its type, read as VARCHAR and converted in SQL
    notes = []
    secs = None
    for _attempt in range(len(types) + 1):
        read_types = {c: ("VARCHAR" if c in fallback else t) for c, t in types.items()}
        tlit = "{" + ", ".join(f"'{c}': '{t}'" for c, t in read_types.items()) + "}"
        opts = (f"delim = '{meta['delimiter']}', header = true, types = {tlit}, "
                f"dateformat = '{meta['dateformat']}'")
        if meta["decimal"] != ".":
            opts += f", decimal_separator = '{meta['decimal']}'"
        if meta.get("thousands"):
            opts += f", thousands = '{meta['thousands']}'"
        if fallback:
            repl = ", ".join(f"{duck_convert(c, meta['types'][c], meta)} AS {qi(c)}" for c in fallback)
            select = f"SELECT * REPLACE ({repl}) FROM read_csv('{path}', {opts})"
        else:
            select = f"SELECT * FROM read_csv('{path}', {opts})"
        con.execute("DROP TABLE IF EXISTS t")
        t = now()
        try:
            con.execute(f"CREATE TABLE t AS {select}")
            secs = now() - t
            break
        except duckdb.Error as e:
            msg = str(e)
            m = re.search(r'converting column "([^"]+)"', msg)
            bad = re.search(r'Could not convert string "([^"]*)" to \'?(\w+)', msg)
            if not m or m.group(1) in fallback:
                record(shape, "duckdb", "ingest", None, "rows/s", f"read_csv failed: {msg[:300]}", ok=False)
                return
            fallback[m.group(1)] = meta["types"][m.group(1)]
            notes.append(f"{m.group(1)}: " + (f"'{bad.group(1)}' is not {bad.group(2)}" if bad else msg[:80]))
    n = con.execute("SELECT count(*) FROM t").fetchone()[0]
    note, via = "", ""
    if fallback:
        note = (f"DuckDB {duckdb.__version__} read_csv (told the delimiter, every column's type,"
                f" dateformat '{meta['dateformat']}'"
                + (f", decimal_separator '{meta['decimal']}'" if meta["decimal"] != "." else "")
                + (f", thousands '{meta['thousands']}'" if meta.get("thousands") else "")
                + ") could not convert " + "; ".join(notes)
                + ": read as VARCHAR and converted in the same CREATE TABLE AS SELECT")
        via = f"; {len(fallback)} column(s) via VARCHAR, see notes"
    record(shape, "duckdb", "ingest", rows / secs if n == rows else None, "rows/s",
           f"{rows / secs:,.0f} rows/s (typed read_csv into a table, {secs:.2f} s, {threads} threads{via})",
           ok=n == rows, seconds=secs, note=note)
    fc, fv, sc = meta["filter_col"], meta["filter_val"], meta["sort_col"]
    gc, sm = meta["group_col"], meta["sum_col"]
    lit = "'" + fv.replace("'", "''") + "'"
    q_top = f"SELECT * FROM t WHERE {qi(fc)} = {lit} ORDER BY {qi(sc)} DESC LIMIT 100"
    q_grp = f"SELECT {qi(gc)}, count(*) AS n, sum({qi(sm)}) AS s FROM t GROUP BY {qi(gc)}"

    def dicts(q):
        cur = con.execute(q)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]
    problems = check_top(dicts(q_top), meta, "search") + check_groups(dicts(q_grp), meta, "group-by", "n", "s")
    record(shape, "duckdb", "checks", len(problems), "",
           "every answer as expected" if not problems else "; ".join(problems)[:600], ok=not problems)
    for key, q in (("search", q_top), ("aggregate", q_grp)):
        p50, p99, n = timed_runs(lambda q=q: con.execute(q).fetchall())
        record(shape, "duckdb", key, p50 / 1000, "ms",
               f"p50 {fmt_ms(p50)}, p99 {fmt_ms(p99)} (in process, {n} runs)", p99_ms=p99 / 1000)


# --- datasette ------------------------------------------------------------

def datasette_peer(meta_path, base, dbname):
    meta = load_meta(meta_path)
    shape, table = meta["shape"], meta["table"]
    fc, fv, sc = meta["filter_col"], meta["filter_val"], meta["sort_col"]
    gc, sm = meta["group_col"], meta["sum_col"]
    lit = "'" + fv.replace("'", "''") + "'"
    u = {
        "search": f"{base}/{dbname}/{table}.json?" + qs({
            fc: fv, "_sort_desc": sc, "_size": 100, "_nosuggest": 1, "_shape": "objects"}),
        "search_sql": f"{base}/{dbname}.json?" + qs({
            "sql": f"SELECT * FROM {qi(table)} WHERE {qi(fc)} = {lit} ORDER BY {qi(sc)} DESC LIMIT 100",
            "_shape": "objects"}),
        "aggregate": f"{base}/{dbname}.json?" + qs({
            "sql": f"SELECT {qi(gc)}, count(*) AS n, sum({qi(sm)}) AS s FROM {qi(table)} GROUP BY {qi(gc)}",
            "_shape": "objects"}),
    }
    problems, runnable = [], {}
    for key, url in u.items():
        status, ans = http("GET", url)
        if status != 200 or not isinstance(ans, dict) or "rows" not in ans:
            problems.append(f"{key}: HTTP {status} {error_text(ans)}")
            record(shape, "datasette", key, None, "ms", f"refused: HTTP {status} {error_text(ans)}", ok=False)
            continue
        rows = ans["rows"]
        if key == "aggregate":
            problems += check_groups(rows, meta, key, "n", "s")
        else:
            problems += check_top(rows, meta, key)
        if key == "search" and ans.get("filtered_table_rows_count") != meta["filter_count"]:
            problems.append(f"search: filtered_table_rows_count {ans.get('filtered_table_rows_count')},"
                            f" want {meta['filter_count']}")
        runnable[key] = url
    record(shape, "datasette", "checks", len(problems), "",
           "every answer as expected" if not problems else "; ".join(problems)[:600], ok=not problems)
    w = wrk.settings()
    for key, url in runnable.items():
        wrk.run(shape, "datasette", key, url, w["conns"], w["threads"], w["duration"])


def serve_datasette(db, port):
    """`datasette serve --immutable DB` as its CLI starts it, with uvicorn's
    access log off (misto runs with RUST_LOG=warn: neither logs requests)."""
    import uvicorn
    from datasette.app import Datasette
    from datasette.cli import run_sync
    ds = Datasette([], immutables=[db], settings={
        "sql_time_limit_ms": 60_000, "facet_time_limit_ms": 1_000, "max_returned_rows": 1_000})
    run_sync(ds.invoke_startup)
    uvicorn.run(ds.app(), host="127.0.0.1", port=int(port), log_level="warning",
                access_log=False, lifespan="on", workers=1)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "serve-datasette":
        serve_datasette(*args)
        return
    if cmd == "sqlite":
        sqlite_peer(*args)
    elif cmd == "duckdb":
        duckdb_peer(*args)
    elif cmd == "datasette":
        datasette_peer(*args)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
