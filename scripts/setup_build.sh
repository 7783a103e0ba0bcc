#!/usr/bin/env bash
# Installs what building and running keyledger needs on Debian 12, nothing more: the compiler,
# CMake, the libraries (libpq-dev included: a node can use a PostgreSQL log), and python3 with
# python3-yaml (the build embeds docs/openapi.yaml as JSON).
# No browser, Node.js, fuzzer or sanitizer toolchain: scripts/setup.sh adds those for the tests.
# Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
PKGS=(build-essential cmake pkg-config
      libpistache-dev librocksdb-dev capnproto libcapnp-dev libssl-dev libspdlog-dev
      nlohmann-json3-dev libcli11-dev zlib1g-dev libjemalloc-dev catch2 libcurl4-openssl-dev curl openssl
      libpq-dev python3 python3-yaml)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get -o Acquire::Retries=5 update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o Acquire::Retries=5 install -y -qq --no-install-recommends "${missing[@]}"
fi
