#!/usr/bin/env bash
# Writes the forecast and replay HTML reports and checks them in headless Chromium.
# Usage: run_report_test.sh SUANLI_BINARY
set -euo pipefail
suanli="$1"
here="$(cd "$(dirname "$0")" && pwd)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
"$suanli" forecast china-2026 --samples 100 --report "$out/forecast.html" > /dev/null
node "$here/report_test.mjs" "$out/forecast.html" "$out/forecast.png" fleet,allocation,progress,served,tornado
printf 'id,arrival_s,num_gpus,duration_s\n' > "$out/jobs.csv"
for i in $(seq 1 60); do echo "$i,$((i * 30)),$((1 + i % 2)),$((600 + (i * 137) % 3000))" >> "$out/jobs.csv"; done
"$suanli" replay --trace "$out/jobs.csv" --cluster v100:8 --policy fifo,sjf,las --report "$out/replay.html" > /dev/null
node "$here/report_test.mjs" "$out/replay.html" "$out/replay.png" utilization,jct
"$suanli" calibrate --measurements "$here/../../examples/calibrate/korthikanti-a100.csv" \
  --report "$out/calibrate.html" > /dev/null
node "$here/report_test.mjs" "$out/calibrate.html" "$out/calibrate.png" predicted,residuals
