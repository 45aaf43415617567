#!/usr/bin/env bash
# Runs one libFuzzer target of test/fuzz for as long as asked, in its own clang build
# (build-fuzz/, configured once with -DWEFT_FUZZ=ON: only the runtime and the targets).
# Usage: scripts/fuzz.sh <frames|handshake> <seconds> [extra libFuzzer flags...]
# New inputs go to build-fuzz/test/fuzz/corpus/<target>/, crash files to
# build-fuzz/test/fuzz/artifacts/ (reproduce one: build-fuzz/test/fuzz/<target>_fuzz FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 2 ]; then
  echo "usage: scripts/fuzz.sh <frames|handshake> <seconds> [libFuzzer flags...]" >&2
  exit 2
fi
target=$1 seconds=$2
shift 2
case "$target" in frames|handshake) ;; *) echo "scripts/fuzz.sh: unknown target '$target' (frames or handshake)" >&2; exit 2 ;; esac
BUILD_DIR=${WEFT_FUZZ_BUILD_DIR:-build-fuzz}
if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
  launcher=(); command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-19 \
    -DWEFT_FUZZ=ON -DWEFT_BUILD_TRANSLATOR=OFF -DWEFT_BUILD_EXAMPLES=OFF -DWEFT_BUILD_BENCH=OFF "${launcher[@]}"
fi
cmake --build "$BUILD_DIR" --target "${target}_fuzz"
dir="$BUILD_DIR/test/fuzz"
mkdir -p "$dir/corpus/$target" "$dir/artifacts"
exec "$dir/${target}_fuzz" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$dir/artifacts/$target-" "$@" "$dir/corpus/$target" "test/fuzz/corpus/$target"
