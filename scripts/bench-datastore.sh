#!/usr/bin/env bash
# The datastore bench: a 1,000,000-row CSV from the committed generator
# (misto_tabular::synthetic::datastore_bench_csv), then in one run
#  (a) ingest into a queryable table, rows/s and MB/s, against the raw
#      parse speed of the csv crate on the same file;
#  (b) datastore_search with a filter, a sort and limit 100, p50/p99;
#  (c) a full CSV dump, MB/s, and the peak RSS of the query process;
#  (d) a group-by aggregate over the whole table (what a chart needs).
# With --compare the same file goes through `sqlite-utils insert --csv`
# and datasette's JSON API (the same filtered, sorted search and the same
# group-by) for comparison; both come from PyPI into a venv of their own
# ($MISTO_BENCH_VENV, default ~/.cache/misto/bench-venv), made on first use.
#
#   scripts/bench-datastore.sh [ROWS] [--compare]
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-1000000}
DIR=$(mktemp -d "${TMPDIR:-/tmp}/misto-bench-ds.XXXXXX")
trap 'rm -rf "$DIR"' EXIT
cargo build --release -p misto-actions --example datastore_bench
BIN=${CARGO_TARGET_DIR:-target}/release/examples/datastore_bench
"$BIN" ingest "$DIR" "$ROWS"
"$BIN" query "$DIR"
if [[ "${2:-}" == "--compare" ]]; then
  # The peers from PyPI, in a venv of their own (made on first use).
  VENV=${MISTO_BENCH_VENV:-$HOME/.cache/misto/bench-venv}
  if [[ ! -x "$VENV/bin/sqlite-utils" || ! -x "$VENV/bin/datasette" ]]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check sqlite-utils datasette
  fi
  if [[ -x "$VENV/bin/sqlite-utils" ]]; then
    start=$(date +%s.%N)
    "$VENV/bin/sqlite-utils" insert "$DIR/su.db" rows "$DIR/bench.csv" --csv --delimiter ';' >/dev/null
    end=$(date +%s.%N)
    python3 -c "s=$end-$start; print(f'sqlite-utils insert --csv: {$ROWS} rows in {s:.1f} s = {$ROWS/s:.0f} rows/s')"
  else
    echo "sqlite-utils could not be installed in $VENV" >&2
    exit 1
  fi
  if [[ -x "$VENV/bin/datasette" && -f "$DIR/su.db" ]]; then
    "$VENV/bin/datasette" serve "$DIR/su.db" -p 8765 --setting sql_time_limit_ms 60000 >/dev/null 2>&1 &
    DS=$!
    sleep 3
    # (b) the same search through datasette's table JSON API: filter,
    # sort (sqlite-utils stored every column as text), 100 rows.
    SEARCH="http://127.0.0.1:8765/su/rows.json?%D0%BD%D0%B0%D0%B7%D0%B2%D0%B0=%D0%91%D1%96%D0%B1%D0%BB%D1%96%D0%BE%D1%82%D0%B5%D0%BA%D0%B0+%E2%84%9617&_sort_desc=%D1%81%D1%83%D0%BC%D0%B0_%D0%B3%D1%80%D0%BD&_size=100"
    curl -s "$SEARCH" | python3 -c "import json,sys; d=json.load(sys.stdin); print(f'datasette search answers {len(d[\"rows\"])} rows of {d.get(\"filtered_table_rows_count\")}')"
    for i in $(seq 1 50); do
      curl -s -o /dev/null -w "%{time_total}\n" "$SEARCH"
    done | python3 -c "import sys; t=sorted(float(x)*1000 for x in sys.stdin); print(f'datasette search (filter, sort, 100 rows, over HTTP): p50 {t[len(t)//2]:.1f} ms, p99 {t[min(len(t)-1, int(len(t)*0.99))]:.1f} ms')"
    for i in 1 2 3; do
      curl -s -o /dev/null -w "datasette group-by: %{time_total} s\n" \
        "http://127.0.0.1:8765/su.json?sql=select+%22%D0%BD%D0%B0%D0%B7%D0%B2%D0%B0%22%2C+count(*)+from+rows+group+by+%22%D0%BD%D0%B0%D0%B7%D0%B2%D0%B0%22"
    done
    kill "$DS"
  fi
fi
