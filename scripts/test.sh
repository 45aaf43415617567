#!/usr/bin/env bash
# README command 2: installs what is missing, builds what the tests need, runs every test
# through ctest (which prints its summary).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/configure.sh
BUILD_DIR=${WEFT_BUILD_DIR:-build}
jobs=$(nproc); [ "$jobs" -gt 2 ] || jobs=2
cmake --build "$BUILD_DIR" -j"$jobs"
cd "$BUILD_DIR"
ctest --output-on-failure -j"$jobs" --timeout 300 "$@"
