#!/usr/bin/env bash
# Makes sure a local PostgreSQL answers on 127.0.0.1:5432 (installs and starts
# Debian's package when missing) and that the `test` database exists.
set -euo pipefail
if ! command -v pg_isready >/dev/null 2>&1; then
  echo "installing PostgreSQL from Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
fi
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$version" ]; then
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  fi
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432 >/dev/null
# The suite connects as postgres over loopback without a password (trust
# auth, as this kind of test machine ships). A freshly installed server asks
# for passwords; on such a throwaway test machine, switch loopback to trust.
if ! psql -h 127.0.0.1 -U postgres -d postgres -Atc 'select 1' >/dev/null 2>&1; then
  hba=$(su postgres -c "psql -Atc 'show hba_file'")
  sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$hba"
  su postgres -c "psql -Atc 'select pg_reload_conf()'" >/dev/null
  sleep 1
fi
if ! psql -h 127.0.0.1 -U postgres -d postgres -Atc "select 1 from pg_database where datname='test'" | grep -q 1; then
  createdb -h 127.0.0.1 -U postgres test
fi
echo "PostgreSQL is ready" >&2
