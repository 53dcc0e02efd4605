#!/usr/bin/env bash
# The datastore bench: a 1,000,000-row CSV from the committed generator
# (misto_tabular::synthetic::datastore_bench_csv), then in one run
#  (a) ingest into a queryable table, rows/s and MB/s, against the raw
#      parse speed of the csv crate on the same file;
#  (b) datastore_search with a filter, a sort and limit 100, p50/p99;
#  (c) a full CSV dump, MB/s, and the peak RSS of the query process;
#  (d) a group-by aggregate over the whole table (what a chart needs).
# With --compare (and sqlite-utils / datasette in the venv of
# scripts/test-blackbox.sh) the same file goes through
# `sqlite-utils insert --csv` and datasette's JSON API for comparison.
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
  VENV=${MISTO_VENV:-$HOME/.cache/misto/venv}
  if [[ -x "$VENV/bin/sqlite-utils" ]]; then
    start=$(date +%s.%N)
    "$VENV/bin/sqlite-utils" insert "$DIR/su.db" rows "$DIR/bench.csv" --csv --delimiter ';' >/dev/null
    end=$(date +%s.%N)
    python3 -c "s=$end-$start; print(f'sqlite-utils insert --csv: {$ROWS} rows in {s:.1f} s = {$ROWS/s:.0f} rows/s')"
  else
    echo "sqlite-utils not in $VENV: skipped (pip install sqlite-utils datasette)"
  fi
  if [[ -x "$VENV/bin/datasette" && -f "$DIR/su.db" ]]; then
    "$VENV/bin/datasette" serve "$DIR/su.db" -p 8765 --setting sql_time_limit_ms 60000 >/dev/null 2>&1 &
    DS=$!
    sleep 3
    for i in 1 2 3; do
      curl -s -o /dev/null -w "datasette group-by: %{time_total} s\n" \
        "http://127.0.0.1:8765/su.json?sql=select+%22%D0%BD%D0%B0%D0%B7%D0%B2%D0%B0%22%2C+count(*)+from+rows+group+by+%22%D0%BD%D0%B0%D0%B7%D0%B2%D0%B0%22"
    done
    kill "$DS"
  fi
fi
