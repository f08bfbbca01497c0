#!/usr/bin/env bash
# Starts `suanli serve` on a free port and checks its web page in headless Chromium.
# Usage: run_page_test.sh SUANLI_BINARY
set -euo pipefail
suanli="$1"
here="$(cd "$(dirname "$0")" && pwd)"
out="$(mktemp -d)"
"$suanli" serve --port 0 2>"$out/log" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$out"' EXIT
port=""
for _ in $(seq 1 100); do
  port=$(grep -o 'http://[^:]*:[0-9]*' "$out/log" 2>/dev/null | sed 's/.*://' || true)
  [ -n "$port" ] && curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.1
done
[ -n "$port" ] || { echo "server did not start: $(cat "$out/log")"; exit 1; }
node "$here/page_test.mjs" "http://127.0.0.1:$port" "${SCREENSHOT:-$out/page.png}"
