#!/usr/bin/env python3
"""Scores the training model on published runs it was not fitted on (bench/training_heldout_cases.yaml).

Each case runs through `suanli train` twice:
  published  as the source sets it up: layout (tp, pp, cp, dp, ep, virtual stages, micro-batch,
             ZeRO), global batch, sequence length, precision recipe, stack, power limit; what the
             source does not state is searched;
  user       as a user types it: model, chip, count, tokens, sequence length, global batch
             tokens and --dtype (plus the hardware's power limit); layout and recipe by default.
Prints one row per case, then the median and largest absolute error and the refusals per run
(issue 12's target for the published setups: median at most 12 %, each at most 30 %, no refusal
of a setup that ran). A refusal is scored as a 100 % miss.
With --typed-stack the user run also names the stack the source ran (--stack), as the serving
card's --typed-engine keeps the engine: it separates a stack's own limits from the default search.
Usage: bench/training_accuracy.py [--suanli PATH] [--only TEXT] [--json FILE] [--catalog DIR]
       [--typed-stack] [--verbose]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TOKENS = "1e12"  # the step rate does not depend on it

LAYOUT_KEYS = ("tp", "pp", "cp", "ep", "interleave", "micro_batch", "zero", "recompute",
               "schedule", "precision", "stack", "tp_comm_overlap", "dp_overlap", "mtp",
               "recompute_modules", "uneven_stages", "offload_layers", "ep_a2a_overlap",
               "grad_dtype", "param_dtype", "optimizer_dtype", "moe_force_load_balancing",
               "pipeline_model_parallel_layout", "decoder_first_pipeline_num_layers",
               "decoder_last_pipeline_num_layers", "expert_tensor_parallel_size")
HARDWARE_KEYS = ("system", "power_cap_w")


def flag(key):
    return "--" + key.replace("_", "-")


def args_of(case, published, typed_stack=False):
    seq = case["seq_len"]
    out = ["--model", case["model"], "--chip", case["chip"], "--count", str(case["count"]),
           "--tokens", TOKENS, "--seq-len", str(seq),
           "--global-batch-tokens", str(case["global_batch_seqs"] * seq), "--dtype", case["dtype"]]
    for key in HARDWARE_KEYS:
        if key in case:
            out += [flag(key), str(case[key])]
    if typed_stack and not published and "stack" in case:
        out += ["--stack", case["stack"]]
    if published:
        for key in LAYOUT_KEYS:
            if key in case:
                out += [flag(key), str(case[key])]
        if all(k in case for k in ("tp", "pp", "cp")):
            out += ["--dp", str(case["count"] // (case["tp"] * case["pp"] * case["cp"]))]
    return out


def run(suanli, argv, catalog=""):
    extra = ["--catalog", catalog] if catalog else []
    p = subprocess.run([suanli, "train", *argv, *extra, "--json"], cwd=ROOT, capture_output=True, text=True)
    if p.returncode != 0:
        return None, (p.stderr or p.stdout).strip().splitlines()[-1][:240]
    return json.loads(p.stdout), None


def layout_of(est):
    p = est.get("parallel") or {}
    if not isinstance(p, dict):
        return str(p)
    keys = ("tp", "pp", "dp", "ep", "cp", "interleave", "micro_batch", "zero_stage", "recompute",
            "schedule")
    return " ".join(f"{k.split('_')[0]}{p[k]}" for k in keys if k in p)


def summary(name, errs, refused):
    within12 = sum(e <= 0.12 for e in errs)
    within30 = sum(e <= 0.30 for e in errs)
    return (f"{name}: median |error| {statistics.median(errs) * 100:.1f} %, largest "
            f"{max(errs) * 100:.1f} %, {within12} of {len(errs)} within 12 %, {within30} within "
            f"30 %, {refused} refused")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--suanli", default=os.path.join(ROOT, "build/release/bin/suanli"))
    ap.add_argument("--only", default="")
    ap.add_argument("--json", default="", help="also write the rows to this file")
    ap.add_argument("--markdown", action="store_true", help="print the rows as a Markdown table")
    ap.add_argument("--catalog", default="", help="overlay directory passed to every run (experiments)")
    ap.add_argument("--typed-stack", action="store_true",
                    help="as typed, but on the stack the run names (--stack): the stack's options, "
                         "layout and recipe still searched")
    ap.add_argument("--verbose", action="store_true",
                    help="print the layouts the model chose and their memory a chip")
    a = ap.parse_args()
    cases = yaml.safe_load(open(os.path.join(HERE, "training_heldout_cases.yaml")))["cases"]
    errs = {"published": [], "user": []}
    refused = {"published": 0, "user": 0}
    rows = []
    print(f"{'case':30s} {'published':>10s} {'as set up':>10s} {'error':>8s} {'as typed':>10s} "
          f"{'error':>8s}")
    for case in cases:
        if a.only not in case["name"]:
            continue
        pub = case["published"]
        metric = case["metric"]
        row = {"name": case["name"], "published": pub}
        line = f"{case['name']:30s} {pub:10.1f}"
        notes = []
        for mode in ("published", "user"):
            est, err = run(a.suanli, args_of(case, mode == "published", a.typed_stack), a.catalog)
            v = est[metric] if est else None
            row["as_set_up" if mode == "published" else "as_typed"] = v
            if v is None:
                refused[mode] += 1
                errs[mode].append(1.0)
                line += f" {'-':>10s} {'refused':>8s}"
                notes.append(f"{mode}: {err}")
            else:
                errs[mode].append(abs(v / pub - 1))
                line += f" {v:10.1f} {(v / pub - 1) * 100:+7.1f}%"
                if a.verbose:
                    notes.append(f"{mode}: {layout_of(est)} mfu {est.get('mfu')} memory "
                                 f"{est.get('memory_gib_per_chip', 0):.1f} of "
                                 f"{est.get('memory_capacity_gib', 0):.0f} GiB")
        rows.append(row)
        print(line + "".join(f"\n    {n}" for n in notes))
    typed_label = "as typed on its stack" if a.typed_stack else "as typed"
    for mode, label in (("published", "as set up"), ("user", typed_label)):
        if errs[mode]:
            print(summary(label, errs[mode], refused[mode]))
    if a.markdown:
        def pct(v, pub):
            return "refused" if v is None else f"{(v / pub - 1) * 100:+.1f} %"
        print("\n| case | published tok/s/chip | as set up | as typed |\n|---|---|---|---|")
        for r in rows:
            print(f"| {r['name']} | {r['published']:g} | {pct(r['as_set_up'], r['published'])} | "
                  f"{pct(r['as_typed'], r['published'])} |")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
