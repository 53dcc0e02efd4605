#!/usr/bin/env bash
# Starts `misto demo` on a fresh data folder (the README's first command, on
# the embedded default) and checks that the demo city answers over HTTP.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${MISTO_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/misto/target}/debug/misto}"
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" demo --data-dir "$dir/data" --addr "127.0.0.1:$port" >"$dir/log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 $pid 2>/dev/null || { cat "$dir/log"; echo "misto demo exited" >&2; exit 1; }
  sleep 0.5
done
python3 - "$port" <<'PY'
import json, sys, urllib.request
base = f"http://127.0.0.1:{sys.argv[1]}/api/3/action/"
def get(path):
    with urllib.request.urlopen(base + path) as r:
        return json.load(r)["result"]
search = get("package_search?rows=1000&facet.field=%5B%22organization%22%5D")
orgs = get("organization_list")
assert search["count"] >= 60, f"only {search['count']} public datasets"
assert len(orgs) >= 10, f"only {len(orgs)} publishers"
overdue = sum(1 for d in search["results"] if d["overdue"])
assert overdue >= 1, "no overdue dataset in the demo"
files = [r for d in search["results"] for r in d["resources"] if r["url_type"] == "upload"]
assert len(files) >= 60, f"only {len(files)} files"
with urllib.request.urlopen(files[0]["url"]) as r:
    body = r.read()
    assert len(body) == files[0]["size"], "download size differs"
hits = get("package_search?q=%D0%B1%D1%8E%D0%B4%D0%B6%D0%B5%D1%82%D1%83")["count"]
assert hits >= 1, "no dataset found for 'бюджету'"
print(f"demo ok: {search['count']} public datasets, {len(orgs)} publishers, {len(files)} files, {overdue} overdue")
PY
