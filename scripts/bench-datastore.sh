#!/usr/bin/env bash
# The datastore bench (issue #13): misto measured through HTTP, as a client
# sees it, on generated files of shapes nobody tuned for, against peers at
# their best, in one run on one machine.
#
#   scripts/bench-datastore.sh [--rows N] [--compare] [--pg] [--shape city|wide|all]
#                              [--wide-rows N] [--no-sqlite] [--conns 8] [--threads 2]
#                              [--duration 10s] [--in-process [ROWS]]
#
# Shapes (scripts/bench/gen.py, fixed seed, streamed to disk):
#   city  N rows (default 1,000,000, about 155 MB): a city payments register
#         as a Ukrainian department exports it (BOM, ';', CRLF, Ukrainian
#         header, dd.mm.yyyy, amounts like `207 043,43`, так/ні, quoted text
#         with ';' and "", EDRPOU codes with leading zeros); six districts, so
#         the filter keeps about 1/6; sorted on the amount.
#   wide  N/4 rows (default 250,000): 40 columns, ',', ISO dates, dot
#         decimals, booleans, low- and high-cardinality text; a 6-value
#         column to filter on, a numeric column to sort on.
#
# For each shape, on SQLite (and with --pg on PostgreSQL as well), a fresh
# `misto serve` ($MISTO_BIN, default the release build in
# ${CARGO_TARGET_DIR:-~/.cache/misto/target}) on a fresh data folder (and a
# fresh PostgreSQL database on $MISTO_BENCH_PG_URL, default
# postgres://postgres@127.0.0.1:5432/test, dropped afterwards):
#   - upload through resource_create → the table answers (rows/s); the
#     server's RSS (VmHWM) during that, and 10 s idle after;
#   - wrk -c8 -t2 -d10s (--conns/--threads/--duration) on (a) datastore_search
#     filter + sort desc + limit 100, (a') the same in datastore_search_sql,
#     (b) datastore_aggregate: count and sum per group over all rows, (c) the
#     same group-by in datastore_search_sql (at 2 connections: misto runs at
#     most 2 SQL queries per caller at once and answers 429 beyond);
#     every answer is checked against the generator's counts and sums first;
#   - (d) the full CSV dump (MB/s), (e) the Parquet dump read back by pyarrow.
# With --compare, the peers on the same file: the sqlite3 CLI's .import;
# DuckDB's read_csv told the delimiter, the types, the date format, the
# decimal and thousands separators, and the same queries in process;
# datasette over a typed SQLite table with indexes on the filtered and the
# sorted columns and a covering one for the group-by, under the same wrk
# settings.
# Python helpers (scripts/bench/) run in a venv of their own
# ($MISTO_BENCH_VENV, default ~/.cache/misto/bench-venv: pyarrow, and with
# --compare datasette, sqlite-utils and duckdb, from PyPI on first use).
#
# One table at the end (markdown), also in $DIR/results.md and copied to
# ${MISTO_BENCH_OUT:-/tmp/misto-bench-results.md}. Everything temporary is
# under one mktemp folder; the data in it is removed at the end (the
# results, the wrk reports and the server logs stay; MISTO_BENCH_KEEP=1
# keeps everything). Every process started here is stopped on exit.
#
# Environment: MISTO_BIN, MISTO_BENCH_VENV, MISTO_BENCH_OUT, MISTO_BENCH_PG_URL
# (the server createdb/dropdb talk to; its database name is replaced),
# MISTO_BENCH_KEEP=1, MISTO_BENCH_CONNS/THREADS/DURATION (wrk), BENCH_SQL_CONNS
# (wrk connections for datastore_search_sql, default 2), BENCH_IDLE_S (10),
# BENCH_INGEST_TIMEOUT_S (1800), BENCH_RUST_LOG (the server's RUST_LOG, warn),
# BENCH_MAX_UPLOAD_MB (4096), BENCH_CITY_AMOUNT_HEADER (the amount column's
# header, default "Сума, грн"), BENCH_VERBOSE=1 (ingest progress).
#
# The old in-process bench (crates/misto-actions/examples/datastore_bench.rs)
# is still there: `scripts/bench-datastore.sh --in-process [ROWS]` runs it.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HELPERS="$REPO/scripts/bench"

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }

ROWS=1000000
WIDE_ROWS=""
COMPARE=0
PG=0
SQLITE=1
SHAPES=city
CONNS=${MISTO_BENCH_CONNS:-8}
THREADS=${MISTO_BENCH_THREADS:-2}
DURATION=${MISTO_BENCH_DURATION:-10s}
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rows) ROWS=$2; shift 2 ;;
    --rows=*) ROWS=${1#*=}; shift ;;
    --wide-rows) WIDE_ROWS=$2; shift 2 ;;
    --compare) COMPARE=1; shift ;;
    --pg) PG=1; shift ;;
    --no-sqlite) SQLITE=0; shift ;;
    --shape) SHAPES=$2; shift 2 ;;
    --shape=*) SHAPES=${1#*=}; shift ;;
    --conns) CONNS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --in-process)
      # The previous bench, in process, kept as it was.
      shift
      cd "$REPO"
      cargo build --release -p misto-actions --example datastore_bench
      bin=${CARGO_TARGET_DIR:-target}/release/examples/datastore_bench
      dir=$(mktemp -d "${TMPDIR:-/tmp}/misto-bench-ds.XXXXXX")
      trap 'rm -rf "$dir"' EXIT
      "$bin" ingest "$dir" "${1:-1000000}"
      "$bin" query "$dir"
      exit 0 ;;
    -h|--help) usage; exit 0 ;;
    [0-9]*) ROWS=$1; shift ;;  # the old form: bench-datastore.sh 1000000 --compare
    *) echo "bench-datastore: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$SHAPES" in
  city) SHAPES=(city) ;;
  wide) SHAPES=(wide) ;;
  all) SHAPES=(city wide) ;;
  *) echo "bench-datastore: --shape is city, wide or all" >&2; exit 2 ;;
esac
[[ "$ROWS" =~ ^[0-9]+$ && "$ROWS" -gt 0 ]] || { echo "bench-datastore: --rows needs a number" >&2; exit 2; }
WIDE_ROWS=${WIDE_ROWS:-$(( ROWS / 4 > 0 ? ROWS / 4 : 1 ))}
[[ $SQLITE == 1 || $PG == 1 ]] || { echo "bench-datastore: --no-sqlite needs --pg" >&2; exit 2; }

BIN=${MISTO_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/misto/target}/release/misto}
VENV=${MISTO_BENCH_VENV:-$HOME/.cache/misto/bench-venv}
OUT=${MISTO_BENCH_OUT:-/tmp/misto-bench-results.md}
PG_URL=${MISTO_BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/test}

if [[ ! -x "$BIN" ]]; then
  echo "bench-datastore: no misto binary at $BIN" >&2
  echo "  build it: cargo build --release -p misto (or set MISTO_BIN)" >&2
  exit 2
fi
WRK=$(command -v wrk || true)
if [[ -z "$WRK" ]]; then
  echo "bench-datastore: installing wrk from Debian's packages" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  WRK=$(command -v wrk)
fi
export WRK
SQLITE3=$(command -v sqlite3 || true)
if [[ $COMPARE == 1 && -z "$SQLITE3" ]]; then
  echo "bench-datastore: installing sqlite3 from Debian's packages" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sqlite3 >/dev/null
  SQLITE3=$(command -v sqlite3)
fi
export SQLITE3

# The helpers' venv, made on first use.
need=(pyarrow)
[[ $COMPARE == 1 ]] && need+=(datasette sqlite-utils duckdb)
imports=$(printf '%s\n' "${need[@]}" | sed 's/-/_/g' | paste -sd, -)
if ! "$VENV/bin/python" -c "import $imports" 2>/dev/null; then
  echo "bench-datastore: installing ${need[*]} into $VENV" >&2
  [[ -x "$VENV/bin/python" ]] || { mkdir -p "$(dirname "$VENV")"; python3 -m venv "$VENV"; }
  "$VENV/bin/pip" install -q --disable-pip-version-check "${need[@]}"
fi
PY="$VENV/bin/python"
export PYTHONDONTWRITEBYTECODE=1  # no __pycache__ in scripts/bench

DIR=$(mktemp -d "${TMPDIR:-/tmp}/misto-bench-ds.XXXXXX")
export BENCH_RESULTS="$DIR/results.jsonl" BENCH_WRK_LOG="$DIR/wrk.log"
export BENCH_WRK_CONNS=$CONNS BENCH_WRK_THREADS=$THREADS BENCH_WRK_DURATION=$DURATION
: >"$BENCH_RESULTS"

PIDS=()
PG_DBS=()
# Stops a process started here: TERM, up to 10 s, then KILL.
stop_pid() {
  local i
  kill "$1" 2>/dev/null || return 0
  for i in $(seq 1 100); do
    kill -0 "$1" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$1" 2>/dev/null && kill -9 "$1" 2>/dev/null
  wait "$1" 2>/dev/null || true
}
# Runs a helper in the background and waits for it, so that a signal is
# handled at once (bash runs traps only between foreground commands).
FG=""
run_fg() {
  "$@" &
  FG=$!
  local rc=0
  wait "$FG" || rc=$?
  FG=""
  return "$rc"
}
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  [[ -n "$FG" ]] && stop_pid "$FG"
  local pid
  for pid in "${PIDS[@]}"; do
    stop_pid "$pid"
  done
  local db
  for db in "${PG_DBS[@]}"; do
    dropdb --maintenance-db="$PG_URL" --if-exists --force "$db" 2>/dev/null || true
  done
  if [[ "${MISTO_BENCH_KEEP:-0}" != 1 ]]; then
    # The data goes; the results, wrk's reports and the server logs stay.
    find "$DIR" -mindepth 1 -type f ! -name '*.md' ! -name '*.jsonl' ! -name '*.log' -delete 2>/dev/null || true
    find "$DIR" -mindepth 1 -type f -name 'rss.log' -delete 2>/dev/null || true
    find "$DIR" -mindepth 1 -depth -type d -empty -delete 2>/dev/null || true
  fi
  echo "bench-datastore: results and logs in $DIR" >&2
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Runs a command in a clean environment for misto: no MISTO_* from the
# caller, the bench's settings instead.
misto_env() {
  local v
  for v in $(compgen -v MISTO_); do unset "$v"; done
  export MISTO_MAX_UPLOAD_MB=${BENCH_MAX_UPLOAD_MB:-4096}
  export MISTO_LOG_FORMAT=text MISTO_DATASTORE_FETCH_LINKS=off MISTO_LINK_CHECK_HOURS=0
  export RUST_LOG=${BENCH_RUST_LOG:-warn} NO_COLOR=1
  "$@"
}

# misto CLI on a data folder (and database URL, may be empty).
misto_cli() {
  local data=$1 url=$2
  shift 2
  (cd "$data" && misto_env "$BIN" "$@" --data-dir "$data" ${url:+--database-url "$url"})
}

SERVER_PID=""
BASE=""
TOKEN=""
RSS_LOG=""
start_misto() {
  local kind=$1 shape=$2 url=""
  local data="$DIR/misto-$kind-$shape"
  mkdir -p "$data"
  if [[ $kind == pg ]]; then
    local name="misto_bench_$$_$shape"
    createdb --maintenance-db="$PG_URL" "$name" || return 1
    PG_DBS+=("$name")
    local base="${PG_URL%%\?*}"
    local query="${PG_URL:${#base}}"
    url="${base%/*}/$name$query"
  fi
  # Called as a condition, so errexit is off here: every step is checked.
  misto_cli "$data" "$url" user create bench --email bench@example.org --sysadmin \
    --password-stdin <<<"Bench-adm1n-пароль-2026" >/dev/null || return 1
  TOKEN=$(misto_cli "$data" "$url" token create bench --name bench) || return 1
  TOKEN=$(tr -d '[:space:]' <<<"$TOKEN")
  [[ -n "$TOKEN" ]] || return 1
  local port
  port=$(free_port) || return 1
  BASE="http://127.0.0.1:$port"
  (cd "$data" && misto_env exec "$BIN" serve --addr "127.0.0.1:$port" --data-dir "$data" \
    ${url:+--database-url "$url"} >"$data/serve.log" 2>&1) &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  local i
  for i in $(seq 1 600); do
    if curl -fs -o /dev/null "$BASE/healthz"; then break; fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "bench-datastore: misto serve died:" >&2
      tail -n 30 "$data/serve.log" >&2
      return 1
    fi
    sleep 0.1
    [[ $i == 600 ]] && { echo "bench-datastore: misto serve did not answer in 60 s" >&2; return 1; }
  done
  RSS_LOG="$data/rss.log"
  "$PY" "$HELPERS/rss.py" "$SERVER_PID" "$RSS_LOG" &
  PIDS+=("$!")
}


bench_misto() {
  local kind=$1 shape=$2 system="misto/$1"
  local meta="$DIR/$shape.csv.meta.json"
  echo "== misto on $( [[ $kind == pg ]] && echo PostgreSQL || echo SQLite ), $shape" >&2
  if ! start_misto "$kind" "$shape"; then
    "$PY" -c 'import sys; sys.path.insert(0, sys.argv[1]); from common import record; record(sys.argv[2], sys.argv[3], "ingest", None, "rows/s", "misto serve did not start", ok=False)' \
      "$HELPERS" "$shape" "$system"
    return 0
  fi
  local pkg rid=""
  if ! pkg=$("$PY" "$HELPERS/misto.py" setup "$BASE" "$TOKEN" "$shape"); then
    stop_pid "$SERVER_PID"
    return 0
  fi
  local ridf="$DIR/misto-$kind-$shape/resource-id"
  if run_fg "$PY" "$HELPERS/misto.py" ingest "$BASE" "$TOKEN" "$pkg" "$meta" "$system" "$SERVER_PID" "$RSS_LOG" >"$ridf"; then
    rid=$(<"$ridf")
  fi
  if [[ -n "$rid" ]]; then
    run_fg "$PY" "$HELPERS/misto.py" queries "$BASE" "$rid" "$meta" "$system" "$SERVER_PID" ||
      echo "bench-datastore: the queries step failed (see above)" >&2
    run_fg "$PY" "$HELPERS/misto.py" dump "$BASE" "$rid" "$meta" "$system" "$DIR" ||
      echo "bench-datastore: the dump step failed (see above)" >&2
  fi
  stop_pid "$SERVER_PID"
  local log="$DIR/misto-$kind-$shape/serve.log"
  if [[ -s "$log" ]]; then
    echo "  (server log: $log, $(wc -l <"$log") lines)" >&2
  fi
}

bench_peers() {
  local shape=$1
  local meta="$DIR/$shape.csv.meta.json" work="$DIR/peers-$shape"
  mkdir -p "$work"
  echo "== peers, $shape" >&2
  local db=""
  run_fg "$PY" "$HELPERS/peers.py" sqlite "$meta" "$work" >"$work/db-path" && db=$(<"$work/db-path")
  run_fg "$PY" "$HELPERS/peers.py" duckdb "$meta" || true
  [[ -n "$db" ]] || return 0
  local port
  port=$(free_port)
  "$PY" "$HELPERS/peers.py" serve-datasette "$db" "$port" >"$work/datasette.log" 2>&1 &
  local ds=$!
  PIDS+=("$ds")
  local i
  for i in $(seq 1 300); do
    curl -fs -o /dev/null "http://127.0.0.1:$port/-/versions.json" && break
    kill -0 "$ds" 2>/dev/null || break
    sleep 0.1
  done
  run_fg "$PY" "$HELPERS/peers.py" datasette "$meta" "http://127.0.0.1:$port" "$(basename "$db" .db)" || true
  stop_pid "$ds"
}

echo "bench-datastore: working in $DIR" >&2
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
for shape in "${SHAPES[@]}"; do
  n=$ROWS
  [[ $shape == wide ]] && n=$WIDE_ROWS
  run_fg "$PY" "$HELPERS/gen.py" "$shape" "$n" "$DIR/$shape.csv" >&2
done

if [[ $PG == 1 ]]; then
  if ! psql "$PG_URL" -Atc 'select 1' >/dev/null 2>&1; then
    bash "$REPO/scripts/ensure-postgres.sh"
  fi
fi
for shape in "${SHAPES[@]}"; do
  [[ $SQLITE == 1 ]] && bench_misto sqlite "$shape"
  [[ $PG == 1 ]] && bench_misto pg "$shape"
  [[ $COMPARE == 1 ]] && bench_peers "$shape"
done

rev=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo "?")
git -C "$REPO" diff --quiet HEAD 2>/dev/null || rev="$rev + uncommitted changes"
size_rows=""
for shape in "${SHAPES[@]}"; do
  size_rows+="$("$PY" -c 'import json, sys; m = json.load(open(sys.argv[1])); print("%s: %s rows, %.1f MB; " % (m["shape"], format(m["rows"], ","), m["bytes"] / 1e6), end="")' "$DIR/$shape.csv.meta.json")"
done
"$PY" "$HELPERS/report.py" "$BENCH_RESULTS" "$DIR/results.md" \
  --info "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo) RAM, load before the run: $LOAD0" \
  --info "misto: $BIN ($(du -h "$BIN" | cut -f1), built $(date -u -r "$BIN" '+%Y-%m-%d %H:%M UTC')), repo $rev" \
  --info "files: ${size_rows%; }" \
  --info "wrk -c$CONNS -t$THREADS -d$DURATION (datastore_search_sql at -c${BENCH_SQL_CONNS:-2}: misto's per-caller SQL limit); latencies from wrk's histogram" \
  --info "the targets are the issue's, for 1,000,000 rows on 2 cores and a release build: at other sizes the verdicts are indicative only"
mkdir -p "$(dirname "$OUT")"
cp "$DIR/results.md" "$OUT"
echo "bench-datastore: table in $DIR/results.md and $OUT" >&2
