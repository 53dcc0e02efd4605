#!/usr/bin/env bash
# Benchmark (not part of the test suite): seeds DATASETS synthetic datasets
# into a source install, serves it with a release build, and times
# `misto harvest run` of that portal (CKAN source) into an empty install,
# then a second run (nothing changed).
#   usage: scripts/bench-harvest.sh [DATASETS]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/misto/target}"
n="${1:-10000}"
cargo build --release -p misto --locked
bin="$CARGO_TARGET_DIR/release/misto"
src="${MISTO_BENCH_DIR:-$HOME/.cache/misto/bench-$n}"
if [ ! -f "$src/seeded" ]; then
  rm -rf "$src"; mkdir -p "$src"
  echo "seeding $n datasets into $src" >&2
  "$bin" seed --datasets "$n" --data-dir "$src" >&2
  touch "$src/seeded"
fi
port=18081
"$bin" serve --data-dir "$src" --addr "127.0.0.1:$port" 2>"$src/serve-harvest.log" &
pid=$!
dst="$(mktemp -d)"
trap 'kill $pid 2>/dev/null || true; rm -rf "$dst"' EXIT
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
"$bin" harvest add bench "http://127.0.0.1:$port" --data-dir "$dst" >/dev/null
echo "datasets at the source: $n"
start=$(date +%s.%N)
"$bin" harvest run bench --data-dir "$dst" | tail -1
end=$(date +%s.%N)
echo "first run (everything created): $(echo "$end - $start" | bc) s"
start=$(date +%s.%N)
"$bin" harvest run bench --data-dir "$dst" | tail -1
end=$(date +%s.%N)
echo "second run (incremental, nothing changed): $(echo "$end - $start" | bc) s"
