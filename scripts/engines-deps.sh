#!/usr/bin/env bash
# Installs the launchers the engine tests (ctest labels ssh, slurm, mpi, multihost) use:
# OpenSSH server, Slurm + munge, MPICH and Open MPI. Only what is missing; needs root.
# Prints how long the install took. Usage: scripts/engines-deps.sh
set -euo pipefail
pkgs=(openssh-server openssh-client slurmctld slurmd slurm-client munge mpich libmpich-dev openmpi-bin libopenmpi-dev iproute2)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
((${#missing[@]})) || exit 0
[ "$(id -u)" -eq 0 ] || { echo "engines-deps: installing ${missing[*]} needs root" >&2; exit 1; }
start=$(date +%s.%N)
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
echo "engines-deps: installed ${missing[*]} in $(echo "$(date +%s.%N) - $start" | bc 2>/dev/null || echo '?') s" >&2
