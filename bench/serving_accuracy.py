#!/usr/bin/env python3
"""Scores the serving model on published results it was not fitted on (bench/serving_heldout_cases.yaml).

Each case runs through `suanli infer` as a user would type it: the published deployment (chip,
count, tp, dtype, mean lengths), the scenario as --mode and MLPerf's latency limits; the simulated
output tokens/s per chip (and the analytic one: --mode analytic, the server's steady state; an
offline row's in its own scenario, --mode offline --analytic) against the published figure.
Prints one row per case and the median and largest absolute error (issue 13's target: median at
most 15 %, each at most 35 %). Two sections: MLPerf Inference v5.1 (names mlperf51-*) and engine
vendors' maximum-throughput tables beyond MLPerf (trtllm-*, trtllm10-*, vllm-*: every request queued
at once at fixed lengths, scored as --mode offline; a row with `concurrency: N` was measured with N
requests in flight, a closed loop, and runs as --mode server --concurrency N), then H20, Gaudi 3 and
Ascend results (sglang-h20-*, gaudi3-*, vllmascend-*; `metric` decode_ or prefill_tokens_per_s_per_chip
for one pool of a disaggregated deployment, analytic in both columns), then results at a published
client concurrency, every one a closed loop (imax-*: SemiAnalysis InferenceMAX; sglang-a3-* / sglang-a2-*:
SGLang on Ascend 910C / 910B; vllmascend-910b-*: vLLM-Ascend as started with no settings; sglang-h20-qwen3-*:
one request at a time on H20; gpustack-*: GPUStack's performance lab, N requests sent at once, a closed loop of N that
sends each once; lambda-*: Lambda's model pages), the model named as the run names it
("openai/gpt-oss-120b"). Usage: bench/serving_accuracy.py [--suanli PATH]
[--only REGEX] [--catalog DIR] [--logs] [--typed] [--typed-engine]; e.g. --only '^(trtllm|vllm-)' for the second.

--typed-engine: as --typed, with the engine the run names kept (a user who ran vLLM says --engine
vllm); the layout, engine settings and spread still left to the defaults.

--typed: each case as a user types its headline (model, chip, count, dtype, mean lengths, mode,
latency limits; a disaggregated pool and the batch a figure was read at, `batch`, which are the
measurement's conditions): no layout, engine settings or length spread; the layout search and the
defaults choose the rest.

MLPerf Server and Interactive rows (mlperf51-*, mlperf60-*: v5.1 and v6.0) whose LoadGen window is known (`min_query_count`
from the submitter's config) are scored as LoadGen reports them, "Completed tokens per second": the
rate the simulation sustains times T / (T + X), the run's window T over it plus the last-issued
query's latency X (loadgen_completed_share; the row prints the factor, simulated / analytic).

--logs: under each server or interactive case, what its published log says (bench/
serving_heldout_logs.yaml) beside the simulated run at its found rate and at the published rate:
running requests per chip (by Little's law, as the log's), p99 TTFT and p99 TPOT as a share of their
limits, mean TPOT; the published-rate run lasts three of the found rate's p99 latencies (120-4,000 s).
"""
import argparse
import json
import math
import os
import re
import statistics
import subprocess
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


# Settings of the simulated workload only: `--mode analytic` refuses them (it has no workload to
# apply them to), so the analytic run goes without them.
SIMULATION_ONLY = ("input_dist", "cuda_graph_batch_sizes",
                   "adp_balance_timeout_iters", "adp_balance_wait_iters", "requests",
                   "kv_admission")


def args_of(case, simulated=True, typed=False, keep_engine=False):
    """The case's flags; typed: only its headline (layout, engine settings, length spread and
    per-part dtypes left to the defaults and the layout search); keep_engine: typed, but the
    engine the run names kept (`--engine vllm`, as a user who ran vLLM types it)."""
    out = ["--model", case["model"], "--chip", case["chip"], "--count", str(case["count"]),
           "--dtype", case["dtype"], "--input-tokens", str(case["input"]),
           "--output-tokens", str(case["output"])]
    for key in ("tp", "ep", "dp", "pp", "kv_dtype", "expert_dtype", "attention_dtype", "engine",
                "moe_backend",
                "max_num_seqs", "max_batched_tokens", "max_prefill_tokens", "scheduler_steps",
                "input_dist",
                "output_dist", "cuda_graph_batch_sizes", "adp_balance_timeout_iters",
                "adp_balance_wait_iters", "kv_memory_fraction", "mtp", "mtp_acceptance",
                "requests", "kv_admission", "cudagraph_mode"):
        if typed and not (keep_engine and key == "engine"):
            continue
        if key in case and (simulated or key not in SIMULATION_ONLY):
            out += ["--" + key.replace("_", "-"), str(case[key])]
    if case.get("chunked_prefill") is False and not typed:
        out.append("--no-chunked-prefill")
    if case.get("disable_radix_cache") and not typed:
        out.append("--disable-radix-cache")
    if case.get("enforce_eager") and not typed:
        out.append("--enforce-eager")
    # NVIDIA's MLPerf harness with CUDA graphs on (its config's use_graphs: True): the part's
    # graphs-on step in place of the graphs-off one, as set up (a setting of the run, as
    # --enforce-eager).
    if case.get("use_graphs") and not typed:
        out.append("--use-graphs")
    # What the run's vLLM did between steps where its command line said so: `async_scheduling:
    # true` or false; left out, the engine entry's (vllm: on, as from v0.14; a row measured on an
    # older release names its version entry, vllm-0.11 or vllm-0.13, whose default is off).
    if case.get("async_scheduling") is False and not typed:
        out.append("--no-async-scheduling")
    if case.get("async_scheduling") is True and not typed:
        out.append("--async-scheduling")
    # Separate prefill and decode chips, and the batch the figure was read at (a static batch, a
    # decode pool's batch per rank), a client's fixed concurrency (a closed loop) and the latency
    # limits: the measurement's conditions, so typed too.
    if case.get("disaggregate"):
        out.append("--disaggregate")
    if "batch" in case:
        # A decode pool's batch is per attention-DP rank (a static batch's, the instance's with
        # no attention DP): --max-num-seqs-per-rank, each rank's whatever layout the search picks
        # and whatever the engine's own flag counts (SGLang's --max-running-requests is the
        # server's, split over its ranks; a figure for the published layout's ranks would be
        # split over the searched layout's in the typed modes).
        out += ["--max-num-seqs-per-rank", str(case["batch"])]
    # A per-chip power limit the system ran under (a "Power Cap 1000 W" system): the hardware's
    # condition, so typed too.
    for key in ("ttft_ms", "tpot_ms", "concurrency", "power_cap_w"):
        if key in case:
            out += ["--" + key.replace("_", "-"), str(case[key])]
    return out



def analytic_mode(case):
    """The flags of the analytic column's scenario. An offline row is priced as the offline
    steady state (`--mode offline --analytic`: every request queued, no server headroom, no
    streamed responses), the state its simulation runs; `--mode analytic` is the server's, whose
    rate keeps server_utilization (0.9, data/calibration.yaml: MLPerf server over offline
    throughput) of the full batch's as headroom for live arrivals, which an offline run does not
    keep. Server and interactive rows keep `--mode analytic` with their own limits (`--mode server
    --analytic` would add MLPerf's limits to the closed-loop rows that give none)."""
    if case["mode"] == "offline":
        return ["--mode", "offline", "--analytic"]
    return ["--mode", "analytic"]

# LoadGen's Server scenario (MLPerf's Server and Interactive runs) reports "Completed tokens per
# second": every sample's tokens over the time from the start until the last-issued query is done
# (loadgen/results.cc: token_count / final_query_all_samples_done_time; loadgen.cc: final_query =
# queries[queries_issued - 1]), so the figure counts the issue window and that query's whole life:
# a steady rate R over a window T = max(min_duration, min_query_count / R) scores R T / (T + X),
# X the last query's end-to-end latency. For a run whose requests live long against its window
# (DeepSeek-R1's 3,700-token outputs, about 220 s, in a 600 s run) that is a quarter below the rate
# the server sustained; a simulated rate (a steady server's) is scored as LoadGen measures it.
LOADGEN_MIN_DURATION_S = 600  # loadgen/mlperf.conf *.Server.min_duration = 600000 ms
LOADGEN_MIN_QUERIES = 100  # LoadGen's TestSettings default where a submitter sets none


def loadgen_completed_share(case, rate_total, e2e_p50, e2e_mean):
    """The share of a steady rate LoadGen's Server scenario reports (see above): T / (T + X) over
    the last query's latency X, a draw from the run's latencies (lognormal through their median
    and mean; at the mean when no spread is known). rate_total: requests/s of the deployment;
    the case's `min_query_count` (the submitter's LoadGen setting), else LoadGen's default."""
    if not (rate_total and rate_total > 0 and e2e_mean and e2e_mean > 0):
        return 1.0
    window = max(LOADGEN_MIN_DURATION_S, case.get("min_query_count", LOADGEN_MIN_QUERIES) / rate_total)
    if not (e2e_p50 and e2e_mean > e2e_p50 > 0):
        return window / (window + e2e_mean)
    sigma = math.sqrt(2 * math.log(e2e_mean / e2e_p50))
    points = [-6 + 12 * i / 480 for i in range(481)]
    weights = [math.exp(-z * z / 2) for z in points]
    share = sum(w * window / (window + e2e_p50 * math.exp(sigma * z)) for z, w in zip(points, weights))
    return share / sum(weights)


def loadgen_scored(case):
    """An MLPerf Server or Interactive run (LoadGen's Server scenario) whose LoadGen window is
    known, scored as completed: its `min_query_count` read from the submitter's config (NVIDIA
    sets one in every config, 8,313 x 1-18 for Llama 3.1 405B; LoadGen's default, 100, is not
    what the runs used). For the rows without it the factor is 0.9-0.99 at 600 s, unscored."""
    return (case["name"].startswith(("mlperf51-", "mlperf60-"))
            and case["mode"] in ("server", "interactive")
            and "min_query_count" in case)


def run(suanli, argv):
    p = subprocess.run([suanli, "infer", *argv, "--json"], cwd=ROOT, capture_output=True, text=True)
    if p.returncode != 0:
        return None, (p.stderr or p.stdout).strip().splitlines()[-1][:200]
    return json.loads(p.stdout), None


def live_stats(case, sim):
    """Running requests per chip, p99 TTFT and TPOT as shares of the limits, mean TPOT (ms). The
    running requests by Little's law (the instance's rate x mean latency / its chips), as the
    published log's are counted: the simulator's time-averaged batch counts the drain after the
    last arrival, most of a run whose requests outlive it (DeepSeek-R1's ~220 s)."""
    chips = (sim["chips_per_group"] or 1) * (sim["groups_per_instance"] or 1)
    rate = sim["qps"] or sim["max_qps_at_slo"] or 0
    return (rate * sim["e2e_s"]["mean"] / chips, sim["ttft_ms"]["p99"] / case["ttft_ms"],
            sim["tpot_ms"]["p99"] / case["tpot_ms"], sim["tpot_ms"]["mean"])


def log_stats(case, log):
    """The same from a published log: Little's law for the running requests per chip."""
    return (log["samples_per_s"] * log["mean_latency_s"] / case["count"],
            log["ttft_p99_ms"] / case["ttft_ms"], log["tpot_p99_ms"] / case["tpot_ms"],
            log["tpot_mean_ms"])


def print_logs(suanli, case, log, sim, extra):
    def row(label, stats):
        running, ttft, tpot, mean = stats
        binds = "TTFT" if ttft > tpot else "TPOT"
        print(f"    {label:26s} running/chip {running:7.1f}  p99 TTFT {ttft * 100:4.0f} % of limit  "
              f"p99 TPOT {tpot * 100:4.0f} %  mean TPOT {mean:6.1f} ms  (nearer: {binds})")
    row("published", log_stats(case, log))
    row("simulated, found rate", live_stats(case, sim))
    # The published rate: --qps with --count is the whole deployment's (suanli splits it over
    # the instances), as the log counts it.
    qps = log["samples_per_s"]
    # The run's length is the duration's: the case's --requests (its SLO search's) goes. Three of
    # the found rate's p99 latencies at least (a DeepSeek-R1 request lives ~220 s, its p99 ~1,300:
    # a 120 s run never reaches its running batch), at most 4,000 s.
    duration = max(120.0, min(4000.0, 3 * sim["e2e_s"]["p99"]))
    base = args_of(case)
    if "--requests" in base:
        k = base.index("--requests")
        del base[k:k + 2]
    at, err = run(suanli, base + extra + ["--mode", case["mode"], "--qps", f"{qps:.6g}",
                                          "--duration-s", f"{duration:.0f}"])
    if at:
        row(f"simulated at {qps:.4g}/s", live_stats(case, at["simulation"]))
    else:
        print(f"    simulated at the published rate: {err}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--suanli", default=os.path.join(ROOT, "build/release/bin/suanli"))
    ap.add_argument("--only", default="", help="a regular expression the case names must match")
    ap.add_argument("--catalog", default="", help="overlay directory passed to every run (experiments)")
    ap.add_argument("--logs", action="store_true",
                    help="set each live case's published log beside the simulated runs")
    ap.add_argument("--typed", action="store_true",
                    help="leave the layout and engine settings to the defaults (see above)")
    ap.add_argument("--typed-engine", action="store_true",
                    help="as --typed, but keep the engine the run names (--engine)")
    a = ap.parse_args()
    if a.typed_engine:
        a.typed = True
    cases = yaml.safe_load(open(os.path.join(HERE, "serving_heldout_cases.yaml")))["cases"]
    logs = yaml.safe_load(open(os.path.join(HERE, "serving_heldout_logs.yaml")))["logs"] if a.logs else {}
    sim_errors, ana_errors = [], []
    print(f"{'case':32s} {'published':>10s} {'simulated':>10s} {'error':>8s} {'analytic':>10s} {'error':>8s}")
    for case in cases:
        if not re.search(a.only, case["name"]):
            continue
        extra = ["--catalog", a.catalog] if a.catalog else []
        pub = case["published"]
        sim, err = run(a.suanli, args_of(case, typed=a.typed, keep_engine=a.typed_engine) + extra + ["--mode", case["mode"]])
        ana, err2 = run(a.suanli, args_of(case, simulated=False, typed=a.typed,
                                         keep_engine=a.typed_engine) + extra + analytic_mode(case))
        metric = case["metric"]
        # Disaggregated cases (decode or prefill tokens/s per chip of its own pool) have no
        # simulation (the simulator runs aggregated engines): the analytic figure stands for both.
        s = (sim["simulation"].get(metric) or sim[metric]) if sim else None
        n = ana[metric] if ana else None
        shares = ""
        if loadgen_scored(case) and metric == "output_tokens_per_s_per_chip":
            # As LoadGen measures it (loadgen_completed_share): the simulated SLO search's rate
            # and latencies; the analytic steady state's TTFT + (output - 1) x TPOT.
            share_s = share_n = 1.0
            if s and sim["simulation"].get("max_qps_at_slo_total"):
                e2e = sim["simulation"]["e2e_s"]
                share_s = loadgen_completed_share(case, sim["simulation"]["max_qps_at_slo_total"],
                                                  e2e["p50"], e2e["mean"])
            if n and ana.get("ttft_ms") and ana.get("tpot_ms"):
                share_n = loadgen_completed_share(
                    case, n * case["count"] / case["output"], None,
                    (ana["ttft_ms"] + (case["output"] - 1) * ana["tpot_ms"]) / 1000)
            s = s and s * share_s
            n = n and n * share_n
            shares = f"  [LoadGen completed x{share_s:.3f} / x{share_n:.3f}]"
        def pct(v):
            return "refused" if v is None else f"{(v / pub - 1) * 100:+7.1f}%"
        # A refusal of a setup that ran is a miss: scored as 100 %.
        sim_errors.append(abs(s / pub - 1) if s else 1.0)
        ana_errors.append(abs(n / pub - 1) if n else 1.0)
        print(f"{case['name']:32s} {pub:10.1f} {s or 0:10.1f} {pct(s):>8s} {n or 0:10.1f} {pct(n):>8s}"
              + shares + (f"  ({err or err2})" if (err or err2) else ""))
        if sim and case["name"] in logs:
            print_logs(a.suanli, case, logs[case["name"]], sim["simulation"], extra)
    for name, errs in (("simulated", sim_errors), ("analytic", ana_errors)):
        within15 = sum(e <= 0.15 for e in errs)
        within35 = sum(e <= 0.35 for e in errs)
        print(f"{name}: median |error| {statistics.median(errs) * 100:.1f} %, largest "
              f"{max(errs) * 100:.1f} %, {within15} of {len(errs)} within 15 %, {within35} within 35 %")


if __name__ == "__main__":
    sys.exit(main())
