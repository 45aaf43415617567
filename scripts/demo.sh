#!/usr/bin/env bash
# README command 1: installs what is missing, builds everything, runs the main demo:
# examples/annotated/count_heads.cpp (#pragma weft spawn), translated by weft-translate,
# built and run on 2 local workers.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/configure.sh
BUILD_DIR=${WEFT_BUILD_DIR:-build}
cmake --build "$BUILD_DIR" -j"$(nproc)"
demo="$BUILD_DIR/test/translator/annotated_count_heads"
if [ -x "$demo" ]; then
  echo "== weft demo: examples/annotated/count_heads.cpp, translated, on 2 local workers =="
  WEFT_PROCS=2 "$demo"
else  # configured without the translator or without tests
  echo "== weft demo: examples/count_heads.cpp (runtime API) on 2 local workers =="
  "$BUILD_DIR/examples/count_heads"
fi
