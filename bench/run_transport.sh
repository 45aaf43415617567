#!/usr/bin/env bash
# Issue 19's benchmarks: each weft figure under WEFT_TRANSPORT=tcp and =ucx in the same
# run, with the baselines the issue names — the C UCX active-message ping-pong
# (bench_ucx_pingpong), MPICH's MPI_Send/Recv ping-pong and the 32 MiB memcpy rate
# (bench/mpi_pingpong.c, built here with mpicc when MPICH is installed), raw TCP.
# Figures of record: docs/performance.md, "UCX transport (issue 19)".
#
#   bench/run_transport.sh [RUNS]      (default 3; env BUILD_DIR, default build-bench)
# Each figure is the best of RUNS runs (load from other processes only slows a run down).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
BUILD_DIR=${BUILD_DIR:-build-bench}
BENCHES=(remotecall_latency bulk_transfer pipelined_calls pmap addprocs ucx_pingpong)

if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DWEFT_BUILD_TRANSLATOR=OFF -DWEFT_BUILD_TESTS=OFF >/dev/null
fi
if ! grep -q '^WEFT_UCX:BOOL=ON' "$BUILD_DIR/CMakeCache.txt"; then
  echo "bench/run_transport.sh: $BUILD_DIR is built without UCX (install libucx-dev and reconfigure)" >&2
  exit 2
fi
cmake --build "$BUILD_DIR" -j2 --target "${BENCHES[@]/#/bench_}" >/dev/null
mpi=""
if command -v mpicc.mpich >/dev/null && command -v mpiexec.mpich >/dev/null; then  # MPICH by name: Open MPI may be installed too
  mpicc.mpich -O2 bench/mpi_pingpong.c -o "$BUILD_DIR/bench/mpi_pingpong"
  mpi="$BUILD_DIR/bench/mpi_pingpong"
else
  echo "(no mpicc.mpich/mpiexec.mpich: the MPICH baseline is left out; apt-get install mpich)" >&2
fi

LOG=$(mktemp -t weft-bench-transport.XXXXXX)
echo "weft transports: $RUNS run(s) of each benchmark under tcp and ucx; raw output in $LOG"
b="$BUILD_DIR/bench"
for run in $(seq 1 "$RUNS"); do
  for t in tcp ucx; do
    for mode in unpinned pinned; do
      pin=(); [ $mode = pinned ] && pin=(taskset -c 0)
      echo "@run $t $mode" >>"$LOG"
      WEFT_TRANSPORT=$t timeout 300 "${pin[@]}" "$b/bench_remotecall_latency" >>"$LOG" 2>&1 || echo "@fail $t remotecall_latency" >>"$LOG"
    done
    echo "@run $t unpinned" >>"$LOG"
    for cmd in "bench_bulk_transfer" "bench_pipelined_calls" "bench_pmap --peers=0 --flips=1000000" "bench_addprocs"; do
      # shellcheck disable=SC2086
      WEFT_TRANSPORT=$t timeout 300 $b/$cmd >>"$LOG" 2>&1 || echo "@fail $t $cmd" >>"$LOG"
    done
  done
  for mode in unpinned pinned; do
    pin=(); [ $mode = pinned ] && pin=(taskset -c 0)
    echo "@run ucx $mode" >>"$LOG"
    timeout 300 "${pin[@]}" "$b/bench_ucx_pingpong" >>"$LOG" 2>&1 || echo "@fail ucx_pingpong" >>"$LOG"
    if [ -n "$mpi" ]; then
      echo "@run mpi $mode" >>"$LOG"
      timeout 300 "${pin[@]}" mpiexec.mpich -n 2 "$mpi" >>"$LOG" 2>&1 || echo "@fail mpi_pingpong" >>"$LOG"
    fi
  done
done

python3 - "$LOG" <<'PY'
import re, sys
best = {}  # (measure, transport) -> value
def keep(key, v, larger_better):
    if key not in best or (v > best[key] if larger_better else v < best[key]):
        best[key] = v
t = mode = None
fails = []
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if line.startswith("@run "):
        _, t, mode = line.split()
    elif line.startswith("@fail"):
        fails.append(line[6:])
    elif line.startswith("@row "):
        bench, metric, ours, base, unit, goal = line[5:].split("|")
        ours, base = float(ours), float(base)
        if bench == "remotecall_latency" and metric == "round trip, median":
            keep((f"small call, {mode}", t), ours, False)
            keep((f"small call, {mode}", "raw tcp"), base, False)
        elif bench == "bulk_transfer" and metric.startswith("vector echo") and "best" not in metric and goal == ">=0.8":
            keep(("32 MiB echo", t), ours, True)
            keep(("32 MiB echo", "raw tcp"), base, True)
        elif bench == "pipelined_calls" and metric.startswith("1000 tasks"):
            keep(("1,000 calls in flight", t), ours, True)
        elif bench == "addprocs" and metric.startswith("addprocs(4)"):
            keep(("addprocs(4)", t), ours, False)
        elif bench == "ucx_pingpong" and metric == "round trip, median":
            keep((f"small call, {mode}", "c ucx"), base, False)
    elif (m := re.match(r"\s*weft pmap: batch 1 ([0-9.]+) us/item", line)):
        keep(("pmap batch 1, per item", t), float(m.group(1)), False)
    elif (m := re.match(r"@base mpi_pingpong_us ([0-9.]+)", line)):
        keep((f"small call, {mode}", "mpich"), float(m.group(1)), False)
    elif (m := re.match(r"@base memcpy_32MiB_GBps ([0-9.]+)", line)):
        keep(("32 MiB echo", "memcpy"), float(m.group(1)), True)
    elif (m := re.match(r"@base cma_32MiB_GBps ([0-9.]+)", line)):
        keep(("32 MiB echo", "cma"), float(m.group(1)), True)

rows = [("small call, unpinned", "us", "ucx <= 2 us; <= 3x MPICH"),
        ("small call, pinned", "us", "ucx <= 1.5x C UCX; <= 0.4x tcp"),
        ("32 MiB echo", "GB/s", ">= 1.5x tcp; >= 0.8x memcpy"),
        ("1,000 calls in flight", "calls/s", ">= 1.5x tcp"),
        ("pmap batch 1, per item", "us", "<= 0.5x tcp"),
        ("addprocs(4)", "ms", "<= 1.5x tcp")]
print(f"\n{'measure':<24} {'unit':<8} {'tcp':>9} {'ucx':>9} {'ucx/tcp':>8}  baselines (same run)  goal")
for name, unit, goal in rows:
    tcp, ucx = best.get((name, "tcp")), best.get((name, "ucx"))
    f = lambda v: f"{v:9.3f}" if v is not None else "        -"
    ratio = f"{ucx / tcp:7.2f}x" if tcp and ucx else "       -"
    bases = ", ".join(f"{k} {best[(name, k)]:.3f}" for k in ("c ucx", "mpich", "raw tcp", "memcpy", "cma") if (name, k) in best)
    extra = ""
    if ucx and (name, "c ucx") in best: extra += f"; ucx/C {ucx / best[(name, 'c ucx')]:.2f}x"
    if ucx and (name, "mpich") in best: extra += f"; ucx/MPICH {ucx / best[(name, 'mpich')]:.2f}x"
    if ucx and (name, "memcpy") in best: extra += f"; ucx/memcpy {ucx / best[(name, 'memcpy')]:.2f}x"
    if ucx and (name, "cma") in best: extra += f"; ucx/cma {ucx / best[(name, 'cma')]:.2f}x"
    print(f"{name:<24} {unit:<8} {f(tcp)} {f(ucx)} {ratio}  {bases}{extra}  [{goal}]")
for x in fails:
    print("failed:", x)
PY
