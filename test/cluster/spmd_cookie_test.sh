#!/usr/bin/env bash
# test/cluster/spmd_cookie_test.sh LAUNCHERS — the default cookie of an SPMD start (issue 17
# item 8), without a real launcher: three ranks started from this shell with Slurm's
# variables (one host, so they share this shell as their parent). Without WEFT_COOKIE they
# meet through the random cookie rank 0 writes in ~/.weft/spmd (0600 file, 0700 directory),
# which is gone afterwards; with a ~/.weft/spmd that others can read they refuse to start,
# saying how to set a cookie.
set -uo pipefail
L=$1
T=$(mktemp -d /tmp/weft-spmd-cookie-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAILED: $*"; for f in "$T"/out.*; do echo "--- $f"; cat "$f"; done; exit 1; }

# (No `timeout` around a rank: one-host ranks must share their parent, this shell; ctest
# bounds the run.)
ranks() {  # ranks N HOME [K]: starts the first K (default N) of N ranks, waits for each by
  local n=$1 home=$2 k=${3:-$1} r  # pid; rank 0's exit status in $rc0
  pids=()
  for r in $(seq 0 $((k - 1))); do
    env -u WEFT_COOKIE HOME="$home" SLURM_JOB_ID=4242 SLURM_STEP_ID=0 SLURM_PROCID="$r" SLURM_STEP_NUM_TASKS="$n" \
      SLURM_STEP_NUM_NODES=1 WEFT_WORKER_TIMEOUT=20 "$L" spmd >"$T/out.$r" 2>&1 &
    pids+=($!)
  done
  rc0=0
  for r in $(seq 0 $((k - 1))); do
    if [ "$r" -eq 0 ]; then wait "${pids[$r]}" || rc0=$?; else wait "${pids[$r]}"; fi
  done
  pids=()
}

mkdir -p "$T/home"
ranks 3 "$T/home"
[ "$rc0" -eq 0 ] || fail "rank 0 exit status $rc0"
grep -q '^nprocs=3$' "$T/out.0" || fail "the three ranks did not form one cluster"
[ "$(stat -c %a "$T/home/.weft/spmd")" = 700 ] || fail "~/.weft/spmd is not 0700"
[ -z "$(ls -A "$T/home/.weft/spmd")" ] || fail "the cookie file was left behind: $(ls -A "$T/home/.weft/spmd")"

mkdir -p "$T/open/.weft/spmd" && chmod 755 "$T/open/.weft/spmd"
ranks 2 "$T/open" 1  # rank 0 alone: it refuses before it listens
[ "$rc0" -ne 0 ] || fail "rank 0 started with a cookie directory others can read"
grep -q 'only its owner can access' "$T/out.0" || fail "rank 0 did not say what is wrong with the directory"
grep -q 'Set WEFT_COOKIE' "$T/out.0" || fail "rank 0 did not say how to set a cookie"
echo "spmd cookie: ok"
