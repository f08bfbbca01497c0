#!/usr/bin/env bash
# Writes a forecast HTML report and checks it in headless Chromium.
# Usage: run_report_test.sh SUANLI_BINARY
set -euo pipefail
suanli="$1"
here="$(cd "$(dirname "$0")" && pwd)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
"$suanli" forecast china-2026 --samples 100 --report "$out/report.html" > /dev/null
node "$here/forecast_report_test.mjs" "$out/report.html" "$out/report.png"
