#!/usr/bin/env bash
# Scale check for `suanli replay` on the trace the project ships as its real
# example (issue 16): `trace synth` of the openb default pod list (fractional
# and multi-GPU pods) to N jobs, replayed on 100,000 GPUs as one pool and as
# 12,500 nodes of 8, with fifo, best-fit and fgd. Targets at 1M jobs: fifo and
# best-fit under 10 s, fgd under 60 s, max RSS under 2 GiB. Then a saturated
# cluster (Gavel jobs on 24 GPUs), where queues are long, for the event-driven
# policies that order or pack, and a larger one (the same jobs at 100 times their rate on 2,400
# GPUs), where the preemptive srtf and las evict on most events, and openb pods (fractional)
# at 1,000 times their rate on 1,000 GPUs, one pool and nodes of 8, where they preempt shared
# GPUs (the backlog, and the evictions a pod, grow with the trace). Then the node-scoring baselines gpu-clustering
# and random on the 12,500 nodes of 8. Then every event-driven policy on
# 100,000 jobs with 10,000 and 100,000 GPUs, one pool and nodes of 8
# (placement sub-linear in the GPUs: ten times the GPUs, about the same time).
# Prints Markdown tables: wall and CPU (user + system) seconds for the whole
# command, trace parse included, max RSS, and events per wall second.
# Usage: bench/replay_openb_scale.sh [SUANLI_BINARY] [DATA_DIR]
#   SIZES="10000 100000 1000000" (default) sets the job counts;
#   SATURATED="4000 8000 100000" the saturated ones; BUSY="5000 20000 100000" those on 2,400 GPUs;
#   PREEMPT="10000 50000" the openb pods on 1,000 GPUs; SCORED="10000 100000" those of the baselines;
#   EVERY="100000" the job counts of the every-policy table ("" skips it).
set -euo pipefail
suanli="${1:-build/release/bin/suanli}"
data="${2:-../shared/data}"
sizes="${SIZES:-10000 100000 1000000}"
saturated="${SATURATED:-4000 8000 100000}"
busy="${BUSY-5000 20000 100000}"
preempt="${PREEMPT-10000 50000}"
scored="${SCORED:-10000 100000}"
every="${EVERY-100000}"
openb="$data/traces/alibaba-gpu-v2023-openb/csv/openb_pod_list_default.csv"
gavel="$data/traces/gavel-fixtures/gavel_1000jobs_lam200_seed2_single.trace"
throughputs="$data/traces/gavel/simulation_throughputs.json"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT

# run TRACE CLUSTER POLICY JOBS: one table row.
run() {
  /usr/bin/time -f "%e %U %S %M" -o "$dir/time" \
    "$suanli" replay --trace "$1" --cluster "$2" --policy "$3" --json -o "$dir/out.json" \
    --throughputs "$throughputs" 2>/dev/null
  read -r wall user sys rss <"$dir/time"
  python3 - "$dir/out.json" "$4" "$2" "$3" "$wall" "$user" "$sys" "$rss" <<'PY'
import json, sys
out, jobs, cluster, policy, wall, user, sys_s, rss = sys.argv[1:]
d = json.load(open(out))
run = d["runs"][0] if "runs" in d else d
wall = float(wall)
print(f"| {int(jobs):,} | {cluster} | {policy} | {wall:.2f} | {float(user) + float(sys_s):.2f} "
      f"| {int(rss) / 1024:.0f} | {run['events']:,} | {run['events'] / max(wall, 1e-3):,.0f} |")
PY
}

header() {
  echo "| jobs | cluster | policy | wall s | CPU s | max RSS MiB | events | events/s |"
  echo "|---:|---|---|---:|---:|---:|---:|---:|"
}

echo "openb-shaped jobs on 100,000 GPUs:"
header
for n in $sizes; do
  "$suanli" trace synth --from "$openb" --jobs "$n" -o "$dir/openb-$n.csv" >/dev/null 2>&1
  for cluster in gpu:100000 gpu:100000:8; do
    for policy in fifo best-fit fgd; do run "$dir/openb-$n.csv" "$cluster" "$policy" "$n"; done
  done
  rm -f "$dir/openb-$n.csv"
done

echo
echo "Saturated: Gavel jobs on 24 GPUs (v100, p100, k80: 8 each, nodes of 8):"
header
for n in $saturated; do
  "$suanli" trace synth --from "$gavel" --throughputs "$throughputs" --jobs "$n" --seed 3 \
    -o "$dir/gavel-$n.csv" >/dev/null 2>&1
  for policy in fifo sjf sjf-perf srtf las best-fit fgd; do
    run "$dir/gavel-$n.csv" v100:8:8,p100:8:8,k80:8:8 "$policy" "$n"
  done
done

echo
echo "Saturated, larger: the same jobs at 100x their rate on 2,400 GPUs (800 each, nodes of 8):"
header
for n in $busy; do
  "$suanli" trace synth --from "$gavel" --throughputs "$throughputs" --jobs "$n" --seed 3 \
    --rate-scale 100 -o "$dir/busy-$n.csv" >/dev/null 2>&1
  for policy in fifo sjf srtf las; do
    run "$dir/busy-$n.csv" v100:800:8,p100:800:8,k80:800:8 "$policy" "$n"
  done
  rm -f "$dir/busy-$n.csv"
done

echo
echo "Preemptive on shared GPUs: openb pods at 1,000x their rate on 1,000 GPUs:"
header
for n in $preempt; do
  "$suanli" trace synth --from "$openb" --jobs "$n" --seed 2 --rate-scale 1000 \
    -o "$dir/pods-$n.csv" >/dev/null 2>&1
  for cluster in gpu:1000 gpu:1000:8; do
    for policy in fifo srtf las; do run "$dir/pods-$n.csv" "$cluster" "$policy" "$n"; done
  done
  rm -f "$dir/pods-$n.csv"
done
echo
echo "Node-scoring baselines: openb-shaped jobs on 12,500 nodes of 8 GPUs:"
header
for n in $scored; do
  "$suanli" trace synth --from "$openb" --jobs "$n" -o "$dir/openb-$n.csv" >/dev/null 2>&1
  for policy in gpu-clustering random; do run "$dir/openb-$n.csv" gpu:100000:8 "$policy" "$n"; done
  rm -f "$dir/openb-$n.csv"
done

echo
echo "Every event-driven policy, openb-shaped jobs on 10,000 and 100,000 GPUs:"
header
for n in $every; do
  "$suanli" trace synth --from "$openb" --jobs "$n" -o "$dir/openb-$n.csv" >/dev/null 2>&1
  for policy in fifo sjf srtf las best-fit fifo-perf sjf-perf fgd fgd-best-fit dot-product \
    gpu-packing gpu-clustering random; do
    for cluster in gpu:10000 gpu:100000 gpu:10000:8 gpu:100000:8; do
      run "$dir/openb-$n.csv" "$cluster" "$policy" "$n"
    done
  done
  rm -f "$dir/openb-$n.csv"
done
