#!/usr/bin/env bash
# Configures build/ once (Ninja, RelWithDebInfo); later calls only re-run the build.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${WEFT_BUILD_DIR:-build}
if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
fi
