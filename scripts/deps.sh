#!/usr/bin/env bash
# Installs the Debian 12 packages weft needs, only those missing (idempotent, quick when
# everything is there). Usage: scripts/deps.sh [extra-package ...]
set -euo pipefail
pkgs=(g++ cmake ninja-build pkg-config python3
      libboost-fiber-dev libboost-context-dev libboost-dev libcereal-dev libssl-dev libgcc-12-dev
      libgtest-dev libgmock-dev libbenchmark-dev
      chromium  # test/dashboard's browser test (headless; the test SKIPs without it)
      clang-19 clangd-19 libclang-19-dev libclang-rt-19-dev llvm-19-dev llvm-19-tools libeigen3-dev
      libucx-dev  # optional: the UCX transport (WEFT_UCX); the build works without it
      dpkg-dev file "$@")  # dpkg-dev, file: `cpack -G DEB` computes Depends: (dpkg-shlibdeps)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "weft: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
