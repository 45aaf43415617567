#!/usr/bin/env bash
# README command 1: installs what is missing, builds only what the demo needs (libweft,
# weft-translate and one annotated example: no tests, no benchmarks) and runs it:
# examples/annotated/count_heads.cpp (#pragma weft spawn), translated by weft-translate,
# on 2 local workers. test/demo/ checks that DEMO_TARGETS builds nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."
DEMO_TARGETS="weft_demo"
FALLBACK_TARGETS="count_heads"  # without the translator: the runtime API example
start=$(date +%s)
scripts/deps.sh
scripts/configure.sh
BUILD_DIR=${WEFT_BUILD_DIR:-build}
if grep -q '^WEFT_BUILD_TRANSLATOR:BOOL=ON' "$BUILD_DIR/CMakeCache.txt" &&
   grep -q '^WEFT_BUILD_EXAMPLES:BOOL=ON' "$BUILD_DIR/CMakeCache.txt"; then
  targets=$DEMO_TARGETS demo="$BUILD_DIR/examples/weft_demo"
  what="examples/annotated/count_heads.cpp, translated by weft-translate"
else
  targets=$FALLBACK_TARGETS demo="$BUILD_DIR/examples/count_heads"
  what="examples/count_heads.cpp (runtime API; weft was configured without the translator)"
fi
cmake --build "$BUILD_DIR" -j"$(nproc)" --target $targets
echo "== weft demo: $what, run as 'weftrun -p 2 $demo' (built in $(($(date +%s) - start)) s) =="
exec scripts/weftrun -p 2 "$demo"
