#!/usr/bin/env bash
# Runs one libFuzzer target of test/fuzz for as long as asked, in its own clang build
# (build-fuzz/, -DWEFT_FUZZ=ON: only the runtime, the translation and the targets).
# Usage: scripts/fuzz.sh <frames|handshake|translate> <seconds> [extra libFuzzer flags...]
#        scripts/fuzz.sh --build    configures build-fuzz/ and builds every target (CI)
# New inputs go to build-fuzz/test/fuzz/corpus/<target>/, crash files to
# build-fuzz/test/fuzz/artifacts/ (reproduce one: build-fuzz/test/fuzz/<target>_fuzz FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
usage="usage: scripts/fuzz.sh <frames|handshake|translate> <seconds> [libFuzzer flags...] | --build"
BUILD_DIR=${WEFT_FUZZ_BUILD_DIR:-build-fuzz}
configure() {
  if [ ! -f "$BUILD_DIR/CMakeCache.txt" ] || ! grep -q '^WEFT_BUILD_TRANSLATOR:BOOL=ON' "$BUILD_DIR/CMakeCache.txt"; then
    launcher=(); command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-19 \
      "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG" \
      -DWEFT_FUZZ=ON -DWEFT_BUILD_TRANSLATOR=ON -DWEFT_BUILD_EXAMPLES=OFF -DWEFT_BUILD_BENCH=OFF "${launcher[@]}"
  fi
}
if [ "${1:-}" = "--build" ]; then
  configure
  jobs=$(nproc); [ "$jobs" -gt 2 ] || jobs=2
  exec cmake --build "$BUILD_DIR" -j"$jobs"
fi
if [ $# -lt 2 ]; then
  echo "$usage" >&2
  exit 2
fi
target=$1 seconds=$2
shift 2
seeds=("test/fuzz/corpus/$target")
case "$target" in
  frames|handshake) ;;
  translate) seeds=(-dict=test/fuzz/translate.dict "${seeds[@]}" lit-tests) ;;
  *) echo "scripts/fuzz.sh: unknown target '$target' (frames, handshake or translate)" >&2; exit 2 ;;
esac
configure
cmake --build "$BUILD_DIR" --target "${target}_fuzz"
dir="$BUILD_DIR/test/fuzz"
mkdir -p "$dir/corpus/$target" "$dir/artifacts"
exec "$dir/${target}_fuzz" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$dir/artifacts/$target-" "$@" "$dir/corpus/$target" "${seeds[@]}"
