#!/usr/bin/env bash
# README command 1: installs what is missing, builds everything, runs the main demo
# (count heads on 2 local workers).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/configure.sh
BUILD_DIR=${WEFT_BUILD_DIR:-build}
cmake --build "$BUILD_DIR" -j"$(nproc)"
echo "== weft demo: examples/count_heads on 2 local workers =="
"$BUILD_DIR/examples/count_heads"
