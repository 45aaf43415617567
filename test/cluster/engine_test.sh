#!/usr/bin/env bash
# test/cluster/engine_test.sh CASE BIN_DIR SRC_DIR — one engine test: brings up what CASE
# needs with the project's scripts/engines/ (sshd on 127.0.0.1:2222, Slurm, network
# namespaces), runs `launchers` (every run wrapped in `timeout`) and checks its output.
# Exit 77 (ctest: skipped) with the reason when root, namespaces or a launcher is missing.
set -uo pipefail
CASE=$1 BIN=$2 SRC=$3
L="$BIN/launchers"
E="$SRC/scripts/engines"
export WEFT_SSH_DIR=/tmp/weft-ssh-ci
D=$WEFT_SSH_DIR
skip() { echo "SKIPPED: $*"; exit 77; }
fail() { echo "FAILED: $*"; echo "--- output:"; cat "$OUT"; exit 1; }
OUT=$(mktemp /tmp/weft-engine-XXXXXX)
trap 'rm -f "$OUT"' EXIT
[ "$(id -u)" -eq 0 ] || skip "engine tests need root (daemons, namespaces, packages)"
if [ "$CASE" = down ]; then  # what the cases left up for each other, stopped by pid file
  "$E/sshd-down.sh"; "$E/slurm-ns-down.sh"; "$E/slurm-down.sh"; "$E/netns-down.sh"
  echo "engines stopped"; exit 0
fi
"$SRC/scripts/engines-deps.sh" || skip "cannot install the launchers (scripts/engines-deps.sh failed)"
need_netns() {
  ip netns add weft-probe 2>/dev/null && ip netns del weft-probe || skip "network namespaces are not available here"
  "$E/netns-up.sh" 3 >/dev/null || skip "netns-up.sh failed"
}
run() { timeout "${T:-60}" "$@" >"$OUT" 2>&1; }
expect() { grep -Eq -- "$1" "$OUT" || fail "expected /$1/"; }
count() { grep -Ec -- "$1" "$OUT"; }
export WEFT_SSH="$D/ssh"
case $CASE in
ssh_*) "$E/sshd-up.sh" >/dev/null 2>&1 || skip "sshd-up.sh failed" ;;
multihost_*) need_netns; "$E/sshd-up.sh" >/dev/null 2>&1 || skip "sshd-up.sh failed" ;;
slurm_*) ls /run/slurmd-*.pid >/dev/null 2>&1 && "$E/slurm-ns-down.sh"  # the two-node one is up: swap
  "$E/slurm-up.sh" >/dev/null 2>&1 || skip "slurm-up.sh failed (see /var/log/slurm)" ;;
multislurm_*) need_netns; "$E/slurm-down.sh"
  # Each node has a private /tmp: a build under /tmp is invisible there, so run a copy.
  NODEBIN=$(mktemp -d /var/tmp/weft-nodes-XXXXXX) && cp "$L" "$NODEBIN/" && L="$NODEBIN/launchers" && cd "$NODEBIN"
  trap '"$E/slurm-ns-down.sh"; rm -rf "$OUT" "$NODEBIN"' EXIT
  "$E/slurm-ns-up.sh" h2 h3 >/dev/null 2>&1 || skip "slurm-ns-up.sh failed (see /var/log/slurm)" ;;
esac
case $CASE in
ssh_basic)
  run "$L" ssh localhost-ssh '2*localhost-ssh' || fail "exit status $?"
  expect '^nprocs=4$'
  expect '^worker 2 127\.0\.0\.1:[0-9]+$'; expect '^worker 4 127\.0\.0\.1:[0-9]+$'
  run "$L" ssh 'auto*localhost-ssh' || fail "auto: exit status $?"   # one worker per core over there
  expect "^nprocs=$(($(nproc) + 1))\$" ;;
ssh_tunnel_multiplex)
  run "$L" ssh --tunnel --multiplex '3*localhost-ssh' --lines=3 || fail "exit status $?"
  expect '^nprocs=4$'
  [ "$(count '^From worker [234]: line [234] [0-2] abc')" -eq 9 ] || fail "9 relayed lines expected"
  ls /tmp/weft-ssh-*-* >/dev/null 2>&1 && [ -n "$(find /tmp -maxdepth 2 -path '/tmp/weft-ssh-[0-9]*-*/*' -type s 2>/dev/null)" ] \
    && fail "a control socket was left behind" ; true ;;
ssh_max_parallel)
  T=100 run "$L" ssh '12*localhost-ssh' --max-parallel=10 || fail "exit status $?"
  expect '^nprocs=13$' ;;
ssh_machine_file)
  MF=$(mktemp /tmp/weft-mf-XXXXXX)
  printf '# two workers\n2*localhost-ssh\n\n' >"$MF"
  timeout 60 "$SRC/scripts/weftrun" --machine-file "$MF" "$L" local 1 >"$OUT" 2>&1 || { rm -f "$MF"; fail "weftrun exit $?"; }
  expect '^nprocs=4$'
  printf 'localhost-ssh\nthree*localhost-ssh\n' >"$MF"
  WEFT_MACHINE_FILE=$MF timeout 60 "$L" local 0 >"$OUT" 2>&1
  rm -f "$MF"
  expect "machine file $MF:2: 'three' is not a worker count" ;;
ssh_failures)
  # refused ssh (nothing listens on 127.0.0.1:1): error names host, command, ssh's stderr
  run "$L" ssh --timeout=20 localhost-ssh 'root@127.0.0.1:1' ; expect 'error: weft: addprocs \(ssh\): 1 worker\(s\) could not be started \(the 1 that started are kept\)'
  expect 'worker [23] on root@127\.0\.0\.1:1'; expect 'Connection refused'; expect '-p 1'
  # unreachable host (the guarded 10.213.0.0/16 route, or no route): clear error within the timeout
  ip route replace unreachable 10.213.99.0/24 2>/dev/null
  run "$L" ssh --timeout=20 10.213.99.9 ; expect 'could not be started'; expect '10\.213\.99\.9'
  # wrong exename: ssh starts, the shell over there cannot
  run "$L" ssh --timeout=20 localhost-ssh --exename=/nonexistent/weft-app ; expect '/nonexistent/weft-app'; expect 'exit status 127' ;;
multihost_ips)
  run "$L" ssh h2 h3 || fail "exit status $?"
  expect '^nprocs=3$'; expect '^worker [23] 10\.213\.0\.12:[0-9]+$'; expect '^worker [23] 10\.213\.0\.13:[0-9]+$' ;;
multihost_tunnel)
  # bound to its own loopback over there: reachable only through the tunnel
  run "$L" ssh --tunnel 'h2 127.0.0.1' || fail "exit status $?"
  expect '^nprocs=2$'; expect '^worker 2 127\.0\.0\.1:[0-9]+$'
  run "$L" ssh --timeout=5 'h2 127.0.0.1' ; expect 'could not reach it' ;;
multihost_link_down)
  # WEFT_WORKER_TIMEOUT=4 makes the keepalive find the silent host within about 4 s;
  # --timeout=60 keeps the start itself from racing a loaded machine (an ssh start can take
  # more than 4 s when CI compiles beside it).
  WEFT_WORKER_TIMEOUT=4 T=90 run "$L" ssh --timeout=60 h2 h3 --down-cmd="ip link set wveth2 down"
  ip link set wveth2 up
  expect '^other host: 1$'; expect '^silent host: ProcessExitedException pid=2$'; expect '^nprocs after=2$'
  # a host that is silent from the start: the launch gives up within the timeout
  ip link set wveth3 down
  # (10 s, so that h2 starts within it on a loaded machine; ssh's own ConnectTimeout, 5 s in
  # ssh_config, is raised past it so that weft's timeout is the one that ends the wait)
  slow_ssh=$(mktemp /tmp/weft-ssh-slow-XXXXXX); trap 'rm -f "$OUT" "$slow_ssh"' EXIT
  printf '#!/bin/sh\nexec "%s" -o ConnectTimeout=30 "$@"\n' "$D/ssh" >"$slow_ssh"; chmod +x "$slow_ssh"
  run "$L" ssh --timeout=10 --ssh="$slow_ssh" h2 h3; ip link set wveth3 up
  expect 'cannot start a worker on h3: `[^`]*` did not announce the worker.s address within 10 s'
  expect 'the 1 that started are kept' ;;
multislurm_two_nodes)
  # SlurmManager from the root namespace: one worker on each node host, each advertising
  # its own address; then an SPMD start across the two nodes meeting at WEFT_MASTER_ADDR.
  run salloc -Q -N 2 -n 2 "$L" slurm || fail "exit status $?"
  expect '^nprocs=3$'; expect '^worker [23] 10\.213\.0\.12:'; expect '^worker [23] 10\.213\.0\.13:'
  WEFT_MASTER_ADDR=10.213.0.12:47400 run srun -Q -N 2 -n 2 "$L" spmd || fail "SPMD exit status $?"
  expect '^nprocs=2$'; expect '^worker 2 10\.213\.0\.13:' ;;
slurm_manager)
  run salloc -Q -n 4 "$L" slurm --interrupt || fail "exit status $?"
  expect '^nprocs=5$'; expect '^worker 5 127\.0\.0\.1:'; expect '^interrupted: weft::InterruptException$' ;;
slurm_spmd)
  run srun -Q -n 4 "$L" spmd || fail "exit status $?"
  expect '^nprocs=4$'; expect '^worker 4 127\.0\.0\.1:' ;;
mpi_manager_mpich)
  run "$L" mpi mpiexec.mpich 4 || fail "exit status $?"
  expect '^nprocs=5$'; expect '^worker 5 127\.0\.0\.1:' ;;
mpi_manager_openmpi_output)
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
  run "$L" mpi mpirun.openmpi 4 --lines=5000 || fail "exit status $?"
  expect '^nprocs=5$'
  good=$(count '^From worker [2-5]: line [2-5] [0-9]+ abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz$')
  [ "$good" -eq 20000 ] || fail "$good of 20000 lines arrived whole" ;;
mpi_spmd)
  run mpiexec.mpich -n 4 "$L" spmd || fail "mpich exit status $?"
  expect '^nprocs=4$'; expect '^worker 4 127\.0\.0\.1:'
  OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 \
    run mpirun.openmpi -np 3 "$L" spmd || fail "openmpi exit status $?"
  expect '^nprocs=3$'; expect '^worker 3 127\.0\.0\.1:'
  WEFT_MASTER_ADDR=127.0.0.1:47311 run mpiexec.mpich -n 2 "$L" spmd --interrupt || fail "WEFT_MASTER_ADDR: exit status $?"
  expect '^nprocs=2$'; expect '^interrupted: weft::InterruptException$' ;;
mpi_sum_of_ranks)
  [ -x "$BIN/mpi_sum_of_ranks" ] || skip "mpi_sum_of_ranks was not built (no mpicxx.mpich when configured)"
  run mpiexec.mpich -n 4 "$BIN/mpi_sum_of_ranks" || fail "exit status $?"
  expect '^sum of ranks: 6$'; expect '^nprocs=4 sum of squares of worker ids: 29$' ;;
*) echo "unknown case $CASE"; exit 2 ;;
esac
echo "PASSED: $CASE"; head -20 "$OUT"; exit 0
