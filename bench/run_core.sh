#!/usr/bin/env bash
# The runtime-core benchmarks of issue 3: builds the four, runs each pinned to one CPU
# (taskset -c 0) and unpinned, RUNS times each, and prints a table of the quietest run
# of each (the one whose raw baseline came out best: load from other processes only ever
# slows a baseline down) with the spread of the ratio over all runs. Figures of record:
# docs/performance.md, "Runtime core (issue 3)".
#
#   bench/run_core.sh [RUNS]        (default 3; env BUILD_DIR, default build-bench)
# A run that crashes, hangs (bench_bulk_transfer's watchdog) or times out is reported
# as such and counted; the table is made of the runs that finished.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
BUILD_DIR=${BUILD_DIR:-build-bench}
BENCHES=(remotecall_latency bulk_transfer pipelined_calls addprocs)

if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DWEFT_BUILD_TRANSLATOR=OFF -DWEFT_BUILD_TESTS=OFF >/dev/null
fi
cmake --build "$BUILD_DIR" -j2 --target "${BENCHES[@]/#/bench_}" >/dev/null

LOG=$(mktemp -t weft-bench-core.XXXXXX)
echo "weft runtime-core benchmarks: $RUNS run(s) each, pinned and unpinned; raw output in $LOG"
for run in $(seq 1 "$RUNS"); do
  for b in "${BENCHES[@]}"; do
    for mode in pinned unpinned; do
      cmd=("$BUILD_DIR/bench/bench_$b")
      [ "$mode" = pinned ] && cmd=(taskset -c 0 "${cmd[@]}")
      rc=0
      out=$(timeout 300 "${cmd[@]}" 2>&1) || rc=$?
      echo "$out" | sed "s/^@row /@row $mode|$run|/" >>"$LOG"
      if [ "$rc" -ne 0 ]; then
        echo "@fail $mode|$run|$b|exit status $rc" >>"$LOG"
        echo "  run $run $b ($mode): exit status $rc" >&2
      fi
    done
  done
done

python3 - "$LOG" <<'EOF'
import math, sys
from collections import defaultdict

rows = defaultdict(dict)   # (bench, mode) -> run -> [(metric, ours, base, unit, goal)]
fails = defaultdict(list)
for line in open(sys.argv[1]):
    if line.startswith("@row "):
        mode, run, bench, metric, ours, base, unit, goal = line[5:].rstrip("\n").split("|")
        rows[(bench, mode)].setdefault(run, []).append((metric, float(ours), float(base), unit, goal))
    elif line.startswith("@fail "):
        mode, run, bench, why = line[6:].rstrip("\n").split("|")
        fails[(bench, mode)].append(f"run {run}: {why}")

def better_base(unit):  # larger is better for rates, smaller for times
    return max if unit in ("GB/s", "calls/s") else min

print(f"\n{'benchmark':<20} {'mode':<8} {'metric':<32} {'weft':>11} {'raw':>11} {'ratio':>7} {'goal':>6}  met  ratio over runs")
order = ["remotecall_latency", "bulk_transfer", "pipelined_calls", "addprocs"]
for bench in order:
    for mode in ("pinned", "unpinned"):
        runs = rows.get((bench, mode), {})
        if not runs:
            print(f"{bench:<20} {mode:<8} (no run finished: {'; '.join(fails[(bench, mode)])})")
            continue
        goal_of = lambda rs: next((r for r in rs if r[4] != "-" and not math.isnan(r[2])), rs[0])
        pick = better_base(goal_of(next(iter(runs.values())))[3])
        quiet = pick(runs, key=lambda k: goal_of(runs[k])[2] if not math.isnan(goal_of(runs[k])[2]) else math.inf)
        for metric, ours, base, unit, goal in runs[quiet]:
            ratio = ours / base if base and not math.isnan(base) else float("nan")
            met = "-"
            if goal != "-":
                g = float(goal[2:])
                met = "yes" if (ratio <= g if goal[0] == "<" else ratio >= g) else "NO"
            spread = [r[1] / r[2] for rs in runs.values() for r in rs if r[0] == metric and r[2] and not math.isnan(r[2])]
            sp = f"{min(spread):.2f}-{max(spread):.2f} (n={len(spread)})" if spread else "-"
            print(f"{bench:<20} {mode:<8} {metric:<32} {ours:>11.4g} {base:>11.4g} {ratio:>6.2f}x {goal:>6}  {met:<4} {sp}  [{unit}, run {quiet}]")
        for f in fails[(bench, mode)]:
            print(f"{'':<20} {mode:<8} failed {f}")
EOF
