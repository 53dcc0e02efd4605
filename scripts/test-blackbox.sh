#!/usr/bin/env bash
# Black-box tests of misto's CKAN Action API: starts a real `misto serve`
# over loopback and drives it with ckanapi and requests (tests/blackbox).
#
#   MISTO_BIN                 the misto binary (default:
#                             ${CARGO_TARGET_DIR:-$HOME/.cache/misto/target}/debug/misto);
#                             this script does not build it.
#   MISTO_VENV                the Python venv to create or reuse
#                             (default: $HOME/.cache/misto/venv).
#   MISTO_TEST_DATABASE_URL   postgres://… of a server where a fresh database
#                             is created for the run (and dropped after);
#                             unset: the server uses SQLite in a temp folder.
#
# Extra arguments go to pytest (e.g. -k search, -x). Exit code = pytest's.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${MISTO_VENV:-$HOME/.cache/misto/venv}"
export MISTO_BIN="${MISTO_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/misto/target}/debug/misto}"

if [[ ! -x "$MISTO_BIN" ]]; then
    echo "test-blackbox: no misto binary at $MISTO_BIN" >&2
    echo "  build it first: CARGO_TARGET_DIR=\$HOME/.cache/misto/target cargo build -p misto" >&2
    exit 2
fi

if [[ ! -x "$venv/bin/python" ]]; then
    mkdir -p "$(dirname "$venv")"
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q --disable-pip-version-check -r "$repo/tests/blackbox/requirements.txt"

unset MISTO_BB_DATABASE_URL
if [[ -n "${MISTO_TEST_DATABASE_URL:-}" ]]; then
    admin_url="$MISTO_TEST_DATABASE_URL"
    db="misto_bb_$$_${RANDOM}"
    createdb --maintenance-db="$admin_url" "$db"
    drop_db() { dropdb --maintenance-db="$admin_url" --if-exists --force "$db" || true; }
    trap drop_db EXIT
    # Same server and credentials, database name replaced (query string kept).
    base="${admin_url%%\?*}"
    query="${admin_url:${#base}}"
    case "$base" in
        *://*/*) base="${base%/*}" ;;
    esac
    export MISTO_BB_DATABASE_URL="$base/$db$query"
    echo "test-blackbox: PostgreSQL database $db"
fi

cd "$repo"
set +e
"$venv/bin/python" -m pytest -q tests/blackbox "$@"
status=$?
set -e
exit "$status"
