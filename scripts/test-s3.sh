#!/usr/bin/env bash
# Tests of the blob store on S3-compatible storage, against a real S3 server
# on this machine: moto's server mode (PyPI `moto[s3]`, pinned in
# tests/s3/requirements.txt, in its own venv), listening on 127.0.0.1 only.
#
# Starts the server on a free port, makes the bucket `misto-test`, then runs
#   - the misto-blobs backend tests with MISTO_TEST_S3_URL=s3://misto-test
#     (crates/misto-blobs/tests/backends.rs: every check on the local folder
#     and on S3), and
#   - the black-box test tests/blackbox/test_s3.py (`misto serve` with
#     MISTO_BLOB_URL=s3://misto-test/…: upload, datastore load, download),
# and stops the server.
#
#   MISTO_S3_VENV   the venv of the server (default: $HOME/.cache/misto/venv-s3)
#   MISTO_BIN       the misto binary of the black-box test (see test-blackbox.sh)
#
# The AWS_* variables it sets (endpoint, test credentials, AWS_ALLOW_HTTP)
# are the ones a real install sets for its own server.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
venv="${MISTO_S3_VENV:-$HOME/.cache/misto/venv-s3}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/misto/target}"

if [[ ! -x "$venv/bin/python" ]]; then
    mkdir -p "$(dirname "$venv")"
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q --disable-pip-version-check -r tests/s3/requirements.txt

port="$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
endpoint="http://127.0.0.1:$port"
log="$(mktemp -t misto-moto.XXXXXX)"
"$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
moto_pid=$!
stop_server() {
    kill "$moto_pid" 2>/dev/null || true
    wait "$moto_pid" 2>/dev/null || true
    rm -f "$log"
}
trap stop_server EXIT

# Wait for the server, then make the bucket.
if ! "$venv/bin/python" - "$endpoint" <<'EOF'
import sys, time, urllib.request
endpoint = sys.argv[1]
deadline = time.monotonic() + 30
while True:
    try:
        urllib.request.urlopen(endpoint + "/", timeout=2).read()
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit(f"no S3 server at {endpoint}")
        time.sleep(0.1)
req = urllib.request.Request(endpoint + "/misto-test", method="PUT")
urllib.request.urlopen(req, timeout=10).read()
EOF
then
    cat "$log" >&2
    exit 1
fi
echo "test-s3: moto S3 server at $endpoint, bucket misto-test"

# Only these AWS settings: nothing of a real account on this machine.
for v in $(env | grep -o '^AWS_[A-Z0-9_]*' || true); do unset "$v"; done
export AWS_ENDPOINT_URL="$endpoint"
export AWS_ALLOW_HTTP=true
export AWS_ACCESS_KEY_ID=misto-test
export AWS_SECRET_ACCESS_KEY=misto-test-secret
export AWS_REGION=us-east-1
export MISTO_TEST_S3_URL="s3://misto-test"

runner=(cargo test --locked -p misto-blobs)
if cargo nextest --version >/dev/null 2>&1; then
    runner=(cargo nextest run --locked --no-fail-fast -p misto-blobs)
fi
"${runner[@]}"

env -u MISTO_TEST_DATABASE_URL bash scripts/test-blackbox.sh -k test_s3 -rs
