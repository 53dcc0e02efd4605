#!/usr/bin/env bash
# The public site in a real browser: installs Debian's chromium if missing,
# installs the pinned npm packages of tests/browser, starts `misto demo` on a
# fresh data folder and a free port, and runs the browser tests with node's
# test runner. Screenshots go to ${MISTO_SCREENSHOTS:-target/browser-screenshots}.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bin="${MISTO_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/misto/target}/debug/misto}"
if [ ! -x "$bin" ]; then
  echo "misto binary not found at $bin (build it with: cargo build -p misto)" >&2
  exit 1
fi
if [ ! -x /usr/bin/chromium ]; then
  echo "installing Debian's chromium" >&2
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends chromium
fi
(cd tests/browser && npm ci --no-audit --no-fund)

dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
MISTO_SITE_URL="http://127.0.0.1:$port" "$bin" demo --data-dir "$dir/data" --addr "127.0.0.1:$port" >"$dir/log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  kill -0 $pid 2>/dev/null || { cat "$dir/log"; echo "misto demo exited" >&2; exit 1; }
  sleep 0.5
done

export MISTO_URL="http://127.0.0.1:$port"
export MISTO_SCREENSHOTS="${MISTO_SCREENSHOTS:-$root/target/browser-screenshots}"
cd tests/browser
status=0
node --test --test-concurrency=1 --test-reporter=spec || status=$?
if [ $status -ne 0 ]; then
  echo "--- misto log (last 40 lines) ---" >&2
  tail -n 40 "$dir/log" >&2
fi
exit $status
