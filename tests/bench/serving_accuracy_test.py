#!/usr/bin/env python3
"""bench/serving_accuracy.py runs a row measured at a client concurrency as that closed loop.

A row with `concurrency: N` (vLLM's and SGLang's benchmark --max-concurrency N, InferenceMAX's
CONC) must reach `suanli infer` as --concurrency N in every column (simulated, analytic, typed),
and the simulated run must be that loop: N clients in flight, not an arrival rate searched
against the latency limits. Usage: serving_accuracy_test.py --suanli PATH.
"""
import argparse
import json
import os
import subprocess
import sys
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import serving_accuracy  # noqa: E402
import yaml  # noqa: E402

SUANLI = None


def concurrency_of(argv):
    """The value after --concurrency, or None; fails on two of them."""
    values = [argv[i + 1] for i, a in enumerate(argv) if a == "--concurrency"]
    assert len(values) <= 1, argv
    return values[0] if values else None


class ConcurrencyRows(unittest.TestCase):
    def setUp(self):
        with open(os.path.join(ROOT, "bench", "serving_heldout_cases.yaml")) as f:
            self.cases = yaml.safe_load(f)["cases"]
        self.closed = [c for c in self.cases if "concurrency" in c]

    def test_the_scoring_set_has_closed_loop_rows(self):
        self.assertGreaterEqual(len(self.closed), 10)

    def test_every_column_passes_the_concurrency(self):
        for case in self.closed:
            n = str(case["concurrency"])
            for kwargs in ({}, {"simulated": False}, {"typed": True},
                           {"typed": True, "keep_engine": True}):
                argv = serving_accuracy.args_of(case, **kwargs)
                self.assertEqual(concurrency_of(argv), n, (case["name"], kwargs))
            # A closed loop is a live load: server mode (offline queues every request at once).
            self.assertEqual(case["mode"], "server", case["name"])

    def test_typed_with_engine_keeps_only_the_engine(self):
        # --typed-engine: the typed headline plus the run's --engine, and nothing else of its set-up.
        for case in self.cases:
            typed = serving_accuracy.args_of(case, typed=True)
            kept = serving_accuracy.args_of(case, typed=True, keep_engine=True)
            extra = ["--engine", str(case["engine"])] if "engine" in case else []
            self.assertEqual(sorted(kept), sorted(typed + extra), case["name"])

    def test_rows_without_it_get_none(self):
        for case in self.cases:
            if "concurrency" not in case:
                self.assertIsNone(concurrency_of(serving_accuracy.args_of(case)), case["name"])

    def test_the_simulated_run_is_the_closed_loop(self):
        if not os.environ.get("SUANLI"):
            self.skipTest("needs --suanli")
        # The smallest row, its requests cut to 2 a client to stay fast.
        case = dict(min(self.closed, key=lambda c: (c["concurrency"], c["count"])))
        case["requests"] = 2 * case["concurrency"]
        out, err = serving_accuracy.run(os.environ["SUANLI"],
                                        serving_accuracy.args_of(case) + ["--mode", case["mode"]])
        self.assertIsNone(err)
        sim = out["simulation"]
        n = case["concurrency"]
        self.assertEqual(sim["concurrency"], n)
        self.assertIn(f"a closed loop of {n} clients", sim["arrivals"])
        self.assertIsNone(sim["qps"])  # no arrival rate: the clients set the load
        self.assertEqual(sim["requests_completed"], 2 * n)
        # N in flight: never more, and the mean near N (the loop refills each completion at once).
        self.assertLessEqual(sim["max_running_seqs"], n)
        self.assertGreater(sim["mean_running_seqs"], 0.75 * n)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--suanli", default="")
    a, rest = ap.parse_known_args()
    if a.suanli:
        os.environ["SUANLI"] = a.suanli
    unittest.main(argv=[sys.argv[0], *rest])
