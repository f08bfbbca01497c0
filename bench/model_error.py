#!/usr/bin/env python3
"""The performance model's own error per chip family and model kind, from the held-out scorecards.

Runs the published runs the model was not fitted on (bench/training_heldout_cases.yaml as a user
types them, with the layout searched, the way the forecast asks; bench/serving_heldout_cases.yaml
through the analytic model, which the forecast's service rates use, each row in its own scenario:
an offline row as the offline steady state), takes each residual r = ln(published / predicted) and
groups them by (chip family, training or serving, dense or MoE), and over all families per
(workload, kind). A group of at least MIN_CASES gives a lognormal:
  bias  = mean(r)                                (the model's systematic error on that group)
  sigma = stdev(r) * sqrt(1 + 1 / n) * t / z     (the spread a new case of the group sees: the
                                                  sample's, widened by the bias' own uncertainty,
                                                  and by t_0.9(n-1) / z_0.9 so that a lognormal
                                                  with it has the predictive P10-P90 of a small
                                                  sample: x1.28 at 4 cases, x1.06 at 12)
Refusals are not residuals (the scorecards count them separately) and are left out.

  bench/model_error.py            print the table and the YAML data/model_error.yaml holds
  bench/model_error.py --write    rewrite data/model_error.yaml
  bench/model_error.py --check    exit 1 when data/model_error.yaml differs from a fresh derivation
                                  by more than 0.01 in a bias or sigma or in a group's case count
"""
import argparse
import datetime
import math
import os
import statistics
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import serving_accuracy  # noqa: E402
import training_accuracy  # noqa: E402

MIN_CASES = 4
Z90 = 1.2815516
# Student's t 0.9 quantile by degrees of freedom (standard tables).
T90 = [None, 3.078, 1.886, 1.638, 1.533, 1.476, 1.440, 1.415, 1.397, 1.383, 1.372, 1.363, 1.356,
       1.350, 1.345, 1.341, 1.337, 1.333, 1.330, 1.328, 1.325, 1.323, 1.321, 1.319, 1.318, 1.316,
       1.315, 1.314, 1.313, 1.311, 1.310]
# Options of the simulator that the analytic model refuses: the forecast's rates are analytic.
SIMULATOR_ONLY = {"--no-chunked-prefill": 0, "--scheduler-steps": 1, "--cuda-graph-batch-sizes": 1,
                  "--adp-balance-timeout-iters": 1, "--adp-balance-wait-iters": 1}


def t90(df):
    return T90[df] if df < len(T90) else Z90 + (T90[-1] - Z90) * (len(T90) - 1) / df


def analytic_args(argv, case):
    """argv without the simulator's options, priced in the case's own scenario as the serving
    scorecard's analytic column is (serving_accuracy.analytic_mode): an offline row as the offline
    steady state (`--mode offline --analytic`), not the server's, whose rate keeps
    server_utilization (0.9) of the full batch's as headroom for live arrivals that an offline run
    does not keep; a server or interactive row as `--mode analytic` with its own limits."""
    out, skip = [], 0
    for a in argv:
        if skip:
            skip -= 1
        elif a in SIMULATOR_ONLY:
            skip = SIMULATOR_ONLY[a]
        else:
            out.append(a)
    return out + serving_accuracy.analytic_mode(case)
OUT = os.path.join(ROOT, "data", "model_error.yaml")


def catalog_maps():
    """chip id or alias -> family, model id or alias -> 'moe' or 'dense', from the shipped data."""
    family, kind = {}, {}
    for c in yaml.safe_load(open(os.path.join(ROOT, "data", "chips.yaml")))["chips"]:
        for name in [c["id"], *c.get("aliases", [])]:
            family[name.lower()] = c["family"]
    for m in yaml.safe_load(open(os.path.join(ROOT, "data", "models.yaml")))["models"]:
        moe = (m.get("moe") or {}).get("routed_experts", 0) or m.get("routed_experts", 0)
        for name in [m["id"], *m.get("aliases", [])]:
            kind[name.lower()] = "moe" if moe else "dense"
    return family, kind


def residuals(suanli, only):
    """[(name, family, workload, kind, r)] for every case the model answers."""
    family, kind = catalog_maps()
    out, refused = [], []
    cases = yaml.safe_load(open(os.path.join(HERE, "training_heldout_cases.yaml")))["cases"]
    for case in cases:
        if only not in case["name"]:
            continue
        # As published (layout given: `train` with tp/pp/ep) and as typed (layout searched, as
        # the forecast and `train` without a layout do).
        for published, work in ((True, "training"), (False, "training-searched")):
            est, err = training_accuracy.run(suanli, training_accuracy.args_of(case, published))
            v = est[case["metric"]] if est else None
            if not v:
                refused.append((f"{case['name']} ({work})", err))
                continue
            out.append((case["name"], family[case["chip"].lower()], work,
                        kind[case["model"].lower()], math.log(case["published"] / v)))
    cases = yaml.safe_load(open(os.path.join(HERE, "serving_heldout_cases.yaml")))["cases"]
    for case in cases:
        if only not in case["name"]:
            continue
        est, err = serving_accuracy.run(
            suanli, analytic_args(serving_accuracy.args_of(case, simulated=False), case))
        v = est[case["metric"]] if est else None
        if not v:
            refused.append((case["name"], err))
            continue
        # The model as suanli resolved it: a row names it as run ("openai/gpt-oss-120b").
        out.append((case["name"], family[case["chip"].lower()], "serving",
                    kind[est["model"].lower()], math.log(case["published"] / v)))
    return out, refused


def groups(res):
    """{(family, workload, kind): [r, ...]} with family 'any' pooling every family."""
    g = {}
    for _, fam, work, kind, r in res:
        g.setdefault((fam, work, kind), []).append(r)
        g.setdefault(("any", work, kind), []).append(r)
    return g


def cells(res):
    out = []
    for (fam, work, kind), rs in sorted(groups(res).items()):
        n = len(rs)
        if n < MIN_CASES:
            continue
        bias = statistics.fmean(rs)
        sigma = statistics.stdev(rs) * math.sqrt(1 + 1 / n) * t90(n - 1) / Z90
        out.append({"family": fam, "workload": work, "kind": kind, "cases": n,
                    "bias": round(bias, 4), "sigma": round(sigma, 4)})
    return out


def to_yaml(cs, date):
    lines = [
        "# The performance model's own error per chip family and model kind, measured on published",
        "# runs it was not fitted on. Written by bench/model_error.py --write (do not edit by hand;",
        "# ctest docs.model_error re-derives it and fails when it is stale). Each cell: ln(published /",
        "# predicted) over `cases` runs has mean `bias` and predictive spread `sigma`; family `any`",
        "# pools every family. catalog/calibration.h ModelErrorFor says which cell a rate takes.",
        "model_errors:",
        f"  source: \"held-out scorecards {date}: bench/training_accuracy.py cases as set up "
        "(training) and as typed (training-searched), bench/serving_accuracy.py cases through the "
        "analytic model, each in its own scenario\"",
        "  cells:",
    ]
    for c in cs:
        lines.append(f"    - {{family: {c['family']}, workload: {c['workload']}, kind: {c['kind']}, "
                     f"cases: {c['cases']}, bias: {c['bias']}, sigma: {c['sigma']}}}")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--suanli", default=os.path.join(ROOT, "build/release/bin/suanli"))
    ap.add_argument("--only", default="")
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    res, refused = residuals(a.suanli, a.only)
    for name, fam, work, kind, r in res:
        print(f"{name:34s} {fam:10s} {work:17s} {kind:5s} {(math.exp(-r) - 1) * 100:+7.1f} % "
              f"(ln(published/predicted) {r:+.3f})")
    for name, err in refused:
        print(f"{name:34s} refused: {err}")
    cs = cells(res)
    print(f"\n{'family':10s} {'workload':17s} {'kind':5s} {'cases':>5s} {'bias':>7s} {'sigma':>7s}")
    for c in cs:
        print(f"{c['family']:10s} {c['workload']:17s} {c['kind']:5s} {c['cases']:5d} "
              f"{c['bias']:+7.3f} {c['sigma']:7.3f}")
    if a.write:
        with open(OUT, "w") as f:
            f.write(to_yaml(cs, datetime.date.today().isoformat()))
        print(f"wrote {os.path.relpath(OUT, ROOT)}")
    if a.check:
        have = yaml.safe_load(open(OUT))["model_errors"]["cells"]
        key = lambda c: (c["family"], c["workload"], c["kind"])  # noqa: E731
        want = {key(c): c for c in cs}
        got = {key(c): c for c in have}
        bad = []
        for k in sorted(set(want) | set(got)):
            w, g = want.get(k), got.get(k)
            if not w or not g or w["cases"] != g["cases"] or abs(w["bias"] - g["bias"]) > 0.01 \
                    or abs(w["sigma"] - g["sigma"]) > 0.01:
                bad.append(f"{k}: data/model_error.yaml has {g}, the scorecards give {w}")
        if bad:
            print("stale data/model_error.yaml (run bench/model_error.py --write):\n  " + "\n  ".join(bad))
            return 1
        print("data/model_error.yaml matches the scorecards")
    return 0


if __name__ == "__main__":
    sys.exit(main())
