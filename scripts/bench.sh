#!/usr/bin/env bash
# Benchmark (not part of the test suite): seeds 10,000 datasets into a fresh
# SQLite install, serves it with a release build, and measures over loopback
# with wrk: package_show throughput and latency, package_search with q and
# three facets, the server-rendered dataset page, RSS idle and under load.
#   usage: scripts/bench.sh [DATASETS] [DURATION_SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/misto/target}"
n="${1:-10000}"
secs="${2:-15}"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release -p misto --locked
bin="$CARGO_TARGET_DIR/release/misto"
dir="${MISTO_BENCH_DIR:-$HOME/.cache/misto/bench-$n}"
if [ ! -f "$dir/seeded" ]; then
  rm -rf "$dir"; mkdir -p "$dir"
  echo "seeding $n datasets into $dir" >&2
  "$bin" seed --datasets "$n" --data-dir "$dir" >&2
  touch "$dir/seeded"
fi
port=18080
"$bin" serve --data-dir "$dir" --addr "127.0.0.1:$port" 2>"$dir/serve.log" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
rss() { awk '/VmRSS/ {printf "%.1f MB", $2/1024}' "/proc/$pid/status"; }
sleep 2
echo "datasets: $n"
echo "RSS idle: $(rss)"
base="http://127.0.0.1:$port/api/3/action"
curl -fsS "$base/package_show?id=bench-000042" >/dev/null
echo; echo "--- package_show (wrk -t2 -c32 -d${secs}s)"
wrk -t2 -c32 -d"${secs}s" --latency "$base/package_show?id=bench-000042" | grep -E 'Requests/sec|50%|90%|99%|Non-2xx'
echo "RSS under load: $(rss)"
q='package_search?q=%D0%B1%D1%8E%D0%B4%D0%B6%D0%B5%D1%82%20%D1%82%D1%80%D0%B0%D0%BD%D1%81%D0%BF%D0%BE%D1%80%D1%82&facet.field=%5B%22organization%22%2C%22tags%22%2C%22res_format%22%5D&rows=10'
curl -fsS "$base/$q" | python3 -c 'import json,sys; r=json.load(sys.stdin)["result"]; print("search hits:", r["count"])'
echo; echo "--- package_search q='бюджет транспорт' + 3 facets (wrk -t2 -c8 -d${secs}s)"
wrk -t2 -c8 -d"${secs}s" --latency "$base/$q" | grep -E 'Requests/sec|50%|90%|99%|Non-2xx'
echo "RSS after search load: $(rss)"
page="http://127.0.0.1:$port/dataset/bench-000042"
curl -fsS "$page" >/dev/null
echo; echo "--- dataset page, server-rendered HTML (wrk -t1 -c1 -d${secs}s: one request at a time)"
wrk -t1 -c1 -d"${secs}s" --latency "$page" | grep -E 'Requests/sec|50%|90%|99%|Non-2xx'
echo; echo "--- dataset page (wrk -t2 -c8 -d${secs}s)"
wrk -t2 -c8 -d"${secs}s" --latency "$page" | grep -E 'Requests/sec|50%|90%|99%|Non-2xx'
echo "RSS after page load: $(rss)"
