#!/usr/bin/env bash
# Times `suanli calibrate` on 50 measurements (issue 14: under 5 s): the 30 published runs of
# examples/calibrate/published.yaml plus 20 training runs on H100, A100 and H800 whose "measured"
# step time is the model's own x 1.1 (a stack 10 % slower than shipped). Leave-one-out included:
# 51 fits. Usage: bench/calibrate_50.sh [path/to/suanli]
set -euo pipefail
SUANLI=${1:-build/release/bin/suanli}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp examples/calibrate/published.yaml "$dir/runs.yaml"
n=0
for chip in h100 a100 h800 h100 a100; do
  for seq in 2048 4096 8192 16384; do
    if [ "$seq" -ge 16384 ]; then cp=2; dp=1; else cp=1; dp=2; fi
    setup="model: llama-3-70b, chip: $chip, count: 64, seq_len: $seq, global_batch_tokens: 2Mi, tp: 8, pp: 4, dp: $dp, cp: $cp, zero: 1, micro_batch: 1, interleave: 1, recompute: selective, schedule: 1f1b, tokens: 1T"
    flags=$(echo "$setup" | sed -E 's/([a-z_]+): /--\1 /g; s/,//g; s/_/-/g')
    step=$("$SUANLI" train $flags --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["step_time_s"])')
    measured=$(python3 -c "print($step * (1.1 + 0.01 * ($n % 5 - 2)))")
    echo "  - {kind: train, name: bench-$n, $setup, step_time_s: $measured}" >>"$dir/runs.yaml"
    n=$((n + 1))
  done
done
rows=$(grep -c 'kind:' "$dir/runs.yaml")
best=""
for i in 1 2 3; do
  start=$(date +%s.%N)
  "$SUANLI" calibrate --measurements "$dir/runs.yaml" --date 2026-12-01 >"$dir/out.txt"
  end=$(date +%s.%N)
  t=$(python3 -c "print(f'{$end - $start:.2f}')")
  echo "run $i: $t s"
  best=$(python3 -c "print(min(float('$t'), float('${best:-1e9}')))")
done
echo "$rows measurements, best of 3: $best s"
grep '^rms error' "$dir/out.txt"
