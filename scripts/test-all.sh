#!/usr/bin/env bash
# The whole test suite, as CI runs it:
#   formatting and lints; Rust tests on SQLite and on PostgreSQL; the
#   black-box ckanapi suite against a live `misto serve` on both databases;
#   the blob store on a local S3-compatible server (moto); a smoke test of
#   `misto demo`; pages in a real browser with axe-core.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/misto/target}"
export CARGO_TERM_COLOR=never
started=$(date +%s)
step() { echo; echo "=== $* ($(( $(date +%s) - started ))s)"; }

step "PostgreSQL"
bash scripts/ensure-postgres.sh
PG_URL="${MISTO_PG_URL:-postgres://postgres@127.0.0.1:5432/test}"

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo build"
cargo build --workspace --all-targets --locked

runner=(cargo test --workspace --locked)
if cargo nextest --version >/dev/null 2>&1; then
  runner=(cargo nextest run --workspace --locked --no-fail-fast)
fi

step "Rust tests on SQLite"
env -u MISTO_TEST_DATABASE_URL "${runner[@]}"

step "Rust tests on PostgreSQL"
MISTO_TEST_DATABASE_URL="$PG_URL" "${runner[@]}"

step "black-box suite (ckanapi) on SQLite"
env -u MISTO_TEST_DATABASE_URL bash scripts/test-blackbox.sh

step "black-box suite (ckanapi) on PostgreSQL"
MISTO_TEST_DATABASE_URL="$PG_URL" bash scripts/test-blackbox.sh

step "S3-compatible storage (a local moto server): misto-blobs and black-box"
env -u MISTO_TEST_DATABASE_URL bash scripts/test-s3.sh

step "demo smoke test"
bash scripts/smoke-demo.sh

step "browser suite (Chromium, playwright-core, axe-core)"
bash scripts/test-browser.sh

step "all tests passed"
