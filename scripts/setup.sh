#!/usr/bin/env bash
# Installs the Debian packages this suite needs, and only the missing ones. Idempotent.
# As root it runs apt-get; otherwise it prints the exact command to run and exits 1.
set -euo pipefail

packages=(
  g++ cmake make ninja-build git procps util-linux
  clang-14 libclang-rt-14-dev
  libasio-dev libsqlite3-dev libfmt-dev catch2 libbenchmark-dev libcli11-dev libhttp-parser-dev
  prometheus-cpp-dev nlohmann-json3-dev
  python3 python3-matplotlib chromium
  wrk nginx-light curl
  zlib1g-dev valgrind iproute2 nodejs ansible-core
  postgresql libpq-dev
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
# npm: Debian's package, unless the nodejs installed already ships it (NodeSource's does, and conflicts with it).
command -v npm >/dev/null 2>&1 || missing+=(npm)

# hdr-histogram-js (npm, pinned by tests/hlog/package-lock.json): the independent reader of loadgen's --hlog
# files in the tests. Only when missing; a failed install is a warning (hlog_decode_js then reports skipped).
install_npm_packages() {
  local dir=tests/hlog
  cd "$(dirname "$0")/.."
  [[ -d "$dir/node_modules/hdr-histogram-js" ]] && return 0
  if ! command -v npm >/dev/null 2>&1; then
    echo "setup: npm not found; the hlog_decode_js test will be skipped" >&2
    return 0
  fi
  echo "setup: npm ci in $dir (hdr-histogram-js)"
  npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error ||
    echo "setup: npm ci failed; the hlog_decode_js test will be skipped" >&2
}

# .NET local tools (.config/dotnet-tools.json, pinned): dotnet-counters, which the sweep runs beside the ASP.NET
# Core target in the .NET-vs-model pairs. Where dotnet is missing those pairs are skipped anyway.
restore_dotnet_tools() {
  command -v dotnet >/dev/null 2>&1 || return 0
  (cd "$(dirname "${BASH_SOURCE[0]}")/.." && DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 dotnet tool restore >/dev/null) &&
    return 0
  echo "setup: dotnet tool restore failed; the sweep will say 'dotnet-counters not restored' for the .NET pairs" >&2
}

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "setup: all ${#packages[@]} packages present"
  install_npm_packages
  restore_dotnet_tools
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "setup: missing packages: ${missing[*]}" >&2
  echo "setup: run: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
# nginx-light's package starts a system nginx on port 80; the suite starts its own on loopback ports.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nginx 2>/dev/null; then
  systemctl stop nginx || true
fi
# Likewise postgresql's package may start a system cluster; the suite starts private ones
# (scripts/slowio/postgres.py) and needs none.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet postgresql 2>/dev/null; then
  systemctl stop postgresql || true
fi
install_npm_packages
restore_dotnet_tools
echo "setup: done"
