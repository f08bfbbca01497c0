#!/usr/bin/env bash
# Load on `suanli serve` over loopback with wrk: 64 connections for 30 s against /v1/infer and
# /v1/train (0 errors expected), then /healthz latency while a 20,000-sample forecast runs.
# Usage: bench/serve_load.sh [path/to/suanli] [seconds]
set -euo pipefail
suanli="${1:-build/release/bin/suanli}"
seconds="${2:-30}"
tmp=$(mktemp -d)
"$suanli" serve --port 0 2>"$tmp/log" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 1 100); do
  port=$(grep -o 'http://[^:]*:[0-9]*' "$tmp/log" 2>/dev/null | sed 's/.*://' || true)
  [ -n "$port" ] && curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.1
done
base="http://127.0.0.1:$port"

load() {
  local route=$1 body=$2
  cat >"$tmp/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
LUA
  echo "== POST $route  $body"
  wrk -t2 -c64 -d"${seconds}s" --timeout 10s --latency -s "$tmp/post.lua" "$base$route" |
    grep -E "Requests/sec|Latency |50%|99%|Non-2xx|Socket errors|requests in"
}

load /v1/infer '{"model": "llama-3-70b", "chip": "h20", "dtype": "fp8", "tpot_ms": 50}'
load /v1/train '{"model": "llama-3-70b", "chip": "h800", "count": 1024, "tokens": 15e12}'

echo "== /healthz while a 20,000-sample forecast runs"
curl -s -o /dev/null -X POST --data '{"samples": 20000}' "$base/v1/forecast" &
fpid=$!
sleep 0.5
max=0
n=0
while kill -0 $fpid 2>/dev/null; do
  t=$(curl -s -o /dev/null -w '%{time_total}' "$base/healthz")
  max=$(python3 -c "print(max($max, $t))")
  n=$((n + 1))
  sleep 0.05
done
echo "healthz: $n probes during the forecast, slowest $(python3 -c "print(round($max * 1000, 1))") ms"
