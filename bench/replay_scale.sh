#!/usr/bin/env bash
# Scale check for `suanli replay` (issue 5): one million jobs on 100,000
# accelerators with fifo, target under 30 s and 2 GiB. Generates a
# deterministic synthetic trace (Poisson arrivals every 35 ms on average,
# 1/2/4/8-GPU jobs, lognormal durations), then times the whole command.
# Usage: bench/replay_scale.sh [SUANLI_BINARY]
set -euo pipefail
suanli="${1:-build/release/bin/suanli}"
trace="$(mktemp --suffix=.csv)"
trap 'rm -f "$trace"' EXIT
python3 - "$trace" <<'PY'
import random, sys
random.seed(2)
t = 0.0
with open(sys.argv[1], "w") as f:
    f.write("id,arrival_s,num_gpus,duration_s\n")
    for i in range(1_000_000):
        t += random.expovariate(1 / 0.035)
        g = random.choice([1, 1, 1, 1, 1, 1, 2, 4, 8])
        f.write(f"{i},{t:.3f},{g},{random.lognormvariate(7, 1.2):.1f}\n")
PY
/usr/bin/time -f "wall %e s, max RSS %M KiB" "$suanli" replay --trace "$trace" --cluster a100:100000:8 --policy fifo
