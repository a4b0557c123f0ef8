#!/usr/bin/env bash
# Installs the Debian packages a Gatehouse target needs, only those missing, with at most one
# `apt-get update`. Usage: install-deps.sh [build|test|bench|fuzz]... (build is always included).
set -euo pipefail

build=(g++ cmake ninja-build pkg-config libboost1.81-dev libboost-url1.81-dev libboost-json1.81-dev
       libssl-dev libsodium-dev libcrypt-dev libpsl-dev libcurl4-openssl-dev zlib1g-dev libsqlite3-dev libpq-dev libcli11-dev libspdlog-dev
       libgtest-dev libgmock-dev libbenchmark-dev)
wanted=("${build[@]}")
for profile in "$@"; do
    case "$profile" in
        build) ;;
        test) wanted+=(postgresql curl ca-certificates openssl chromium sqlite3) ;;
        bench) wanted+=(wrk util-linux openssl curl procps) ;;
        fuzz) wanted+=(clang libclang-rt-14-dev) ;;
        *) echo "install-deps.sh: unknown profile '$profile'" >&2; exit 2 ;;
    esac
done
# Node.js may come from elsewhere (nodesource); only install Debian's when there is none.
if [[ " $* " == *" test "* || " $* " == *" bench "* ]] && ! command -v npm >/dev/null; then
    wanted+=(nodejs npm)
fi

missing=()
for pkg in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
((${#missing[@]})) || exit 0

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
