#!/usr/bin/env bash
# Set-up for cluster mode: libpq-dev (the PostgreSQL log, storage/pg_*.cc) and the PostgreSQL 15
# server its tests start on their own (tests/support/pg_server.h runs initdb and pg_ctl from
# /usr/lib/postgresql/15/bin, as the postgres user the package creates). Idempotent; run by
# scripts/setup.sh from the repository root.
set -euo pipefail
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
missing=()
for p in libpq-dev postgresql-15; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get -o Acquire::Retries=5 update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o Acquire::Retries=5 install -y -qq --no-install-recommends "${missing[@]}"
fi
