#!/usr/bin/env bash
# CI job: build the .deb from build/ (configured and built by scripts/test.sh) and test it from
# a clean root: files and modes, maintainer scripts, the installed binary serving.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tests/package/install_test.sh build
