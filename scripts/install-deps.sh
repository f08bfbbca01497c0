#!/usr/bin/env bash
# Installs the Debian bookworm packages suanli needs to build and test.
# Idempotent: installs only what is missing. Not root or no apt-get: prints the
# exact command to run instead, and exits non-zero.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libyaml-cpp-dev libtomlplusplus-dev libcli11-dev nlohmann-json3-dev libfmt-dev libexpected-dev libcpp-httplib-dev
  coinor-libclp-dev libceres-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-format clang-tidy clang libclang-rt-14-dev
  python3 python3-yaml curl wrk
  locales tzdata
  chromium
)
# Node.js and npm: the machine's own if present (the image ships them), else Debian's.
if ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

install_npm() {
  # Vega-Lite (inlined into HTML reports), esbuild (the web page) and Playwright (browser tests),
  # pinned by the lock file. npm ci runs again only when the lock file changed since the last one.
  local root stamp
  root="$(cd "$(dirname "$0")/.." && pwd)"
  stamp="$root/node_modules/.suanli-lock.sha256"
  if [ ! -f "$stamp" ] || ! (cd "$root" && sha256sum --status -c "$stamp" 2>/dev/null); then
    (cd "$root" && npm ci --no-audit --no-fund --loglevel=error)
    (cd "$root" && sha256sum package-lock.json >"$stamp")
  fi
}

if [ ${#missing[@]} -eq 0 ]; then
  install_npm
  exit 0
fi

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps: apt-get not found. On Debian bookworm, run as root:" >&2
  echo "  apt-get update && $cmd" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive $cmd
    install_npm
    exit 0
  fi
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: not root. Run as root:" >&2
  echo "  apt-get update && $cmd" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive $cmd
install_npm
