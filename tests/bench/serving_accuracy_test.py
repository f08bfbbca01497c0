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


class LoadgenCompleted(unittest.TestCase):
    """LoadGen's Server 'Completed tokens per second' divides every sample's tokens by the time
    until the last-issued query is done (loadgen results.cc / loadgen.cc, S3650): a steady rate
    R over a window T = max(600 s, min_query_count / R) scores R T / (T + X), X that query's
    latency. Hand calculations."""

    def test_a_long_request_in_a_600_s_window(self):
        # 60 requests/s for 600 s (the min_duration floor: 36,000 queries > 100), a 200 s
        # request last: 600 / 800 = 0.75 of the steady rate.
        case = {"name": "mlperf51-x-server", "mode": "server"}
        self.assertAlmostEqual(
            serving_accuracy.loadgen_completed_share(case, 60, None, 200), 0.75)

    def test_the_submitters_query_count_sets_the_window(self):
        # NVIDIA's B200 DeepSeek-R1 run (S3651): 26,328 queries at 5/s = 5,265.6 s; a 249 s last
        # query: 5,265.6 / 5,514.6 = 0.95485.
        case = {"name": "mlperf51-x-server", "mode": "server", "min_query_count": 26328}
        self.assertAlmostEqual(
            serving_accuracy.loadgen_completed_share(case, 5, None, 249), 5265.6 / 5514.6, places=5)

    def test_a_spread_of_latencies_averages_the_share(self):
        # T / (T + X) is convex in X: over a spread of last-query latencies with mean 200 s the
        # expected share is above 0.75 and below the share at the median (150 s: 0.8).
        case = {"name": "mlperf51-x-server", "mode": "server"}
        share = serving_accuracy.loadgen_completed_share(case, 60, 150, 200)
        self.assertGreater(share, 0.75)
        self.assertLess(share, 0.8)

    def test_only_loadgen_server_runs_are_converted(self):
        known = {"min_query_count": 26328}
        self.assertTrue(serving_accuracy.loadgen_scored({"name": "mlperf51-a", "mode": "interactive", **known}))
        self.assertFalse(serving_accuracy.loadgen_scored({"name": "mlperf51-a", "mode": "server"}))
        self.assertFalse(serving_accuracy.loadgen_scored({"name": "mlperf51-a", "mode": "offline", **known}))
        self.assertFalse(serving_accuracy.loadgen_scored({"name": "imax-a", "mode": "server", **known}))
        self.assertEqual(serving_accuracy.loadgen_completed_share({}, 0, 1, 2), 1.0)



class AnalyticColumn(unittest.TestCase):
    """The analytic column prices a row in its own scenario: an offline row (every request queued
    at once, no latency limit) as the offline steady state, not the server's, whose rate keeps
    server_utilization of the full batch's as headroom for live arrivals."""

    def test_offline_rows_run_the_offline_steady_state(self):
        self.assertEqual(serving_accuracy.analytic_mode({"mode": "offline"}),
                         ["--mode", "offline", "--analytic"])
        # Server and interactive rows keep their own limits (or none, a closed loop's).
        for mode in ("server", "interactive"):
            self.assertEqual(serving_accuracy.analytic_mode({"mode": mode}), ["--mode", "analytic"])

    def test_an_offline_row_is_its_full_batch_over_its_step(self):
        if not os.environ.get("SUANLI"):
            self.skipTest("needs --suanli")
        with open(os.path.join(ROOT, "bench", "serving_heldout_cases.yaml")) as f:
            case = next(c for c in yaml.safe_load(f)["cases"] if c["name"] == "gaudi3-l31-8b-tp1-2k2k")
        out, err = serving_accuracy.run(os.environ["SUANLI"],
                                        serving_accuracy.args_of(case, simulated=False)
                                        + serving_accuracy.analytic_mode(case))
        self.assertIsNone(err)
        # Intel's batch of 364 on one card, each sequence a token a decode step (TPOT: the step
        # with the prompts' share in it): 364 / TPOT / tp, nothing held back. The server's steady
        # state would be 0.9 of it (7,325 against 8,139 tokens/s at its 44.7 ms step).
        self.assertEqual(out["max_batch"], 364)
        self.assertEqual(out["layout"]["tp"], 1)
        self.assertAlmostEqual(out["output_tokens_per_s_per_chip"], 364 * 1000 / out["tpot_ms"],
                               delta=0.001 * out["output_tokens_per_s_per_chip"])

    def test_the_model_error_prices_each_row_in_its_own_scenario(self):
        # bench/model_error.py (data/model_error.yaml's serving cells) prices a row as this column
        # does, the simulator's own options dropped (the analytic model refuses them).
        import model_error
        argv = ["--model", "llama-2-70b", "--scheduler-steps", "7", "--no-chunked-prefill"]
        self.assertEqual(model_error.analytic_args(argv, {"mode": "offline"}),
                         ["--model", "llama-2-70b", "--mode", "offline", "--analytic"])
        for mode in ("server", "interactive"):
            self.assertEqual(model_error.analytic_args(argv, {"mode": mode}),
                             ["--model", "llama-2-70b", "--mode", "analytic"])


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

    def test_a_batch_is_each_ranks_in_every_column(self):
        # The batch a figure was read at is per attention-DP rank (sglang-h20 ep32-bs8: 8 a rank
        # over 32 ranks); passed as the rank's own cap, not as an engine's instance-wide flag sized
        # for the published layout, which the typed layout search would split over other ranks.
        rows = [c for c in self.cases if "batch" in c]
        self.assertGreaterEqual(len(rows), 10)
        for case in rows:
            for kwargs in ({}, {"simulated": False}, {"typed": True},
                           {"typed": True, "keep_engine": True}):
                argv = serving_accuracy.args_of(case, **kwargs)
                k = argv.index("--max-num-seqs-per-rank")
                self.assertEqual(argv[k + 1], str(case["batch"]), (case["name"], kwargs))
                self.assertNotIn("--max-num-seqs", argv, (case["name"], kwargs))

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


class ReleaseRows(unittest.TestCase):
    def test_inferencemax_vllm_rows_run_the_release_of_their_image(self):
        # InferenceMAX run 20667906037 (and its 8K/1K and 1K/8K results) served gpt-oss-120b from
        # vllm/vllm-openai:v0.13.0 on H100, H200 and B200 (agg_bmk.json's image field, S2060,
        # S3973, S4482, S4890; InferenceX pull request 327 moved the NVIDIA configs to v0.13.0,
        # S3213): the vllm-0.13 entry (0.12-0.13), not vllm (0.17 and later).
        with open(os.path.join(ROOT, "bench", "serving_heldout_cases.yaml")) as f:
            cases = yaml.safe_load(f)["cases"]
        rows = [c for c in cases
                if c["name"].startswith("imax-") and "-gptoss120b-vllm-" in c["name"]]
        self.assertEqual(len(rows), 16)
        for case in rows:
            self.assertEqual(case["engine"], "vllm-0.13", case["name"])
            # The scripts set async-scheduling: true (S2061), which v0.13 runs only when told.
            self.assertTrue(case["async_scheduling"], case["name"])


class HarnessGraphRows(unittest.TestCase):
    def test_the_blackwell_8b_rows_run_the_graphs_on_harness_as_set_up(self):
        # Every Blackwell llama3_1-8b config of MLPerf v5.1 and v6.0 sets use_graphs True (S2880,
        # S4756), every llama2-70b and llama3_1-405b one False: the eight B200 / B300 8B rows pass
        # --use-graphs as set up (simulated and analytic), the 70B and 405B rows do not, and the
        # typed columns leave it (a setting of the run, as --enforce-eager).
        with open(os.path.join(ROOT, "bench", "serving_heldout_cases.yaml")) as f:
            cases = yaml.safe_load(f)["cases"]
        on = [c for c in cases if c.get("use_graphs")]
        self.assertEqual(len(on), 8)
        for case in on:
            self.assertEqual(case["model"], "llama-3.1-8b", case["name"])
            self.assertIn(case["chip"], ("b200", "b300"), case["name"])
            self.assertEqual(case["engine"], "none", case["name"])
            self.assertIn("--use-graphs", serving_accuracy.args_of(case), case["name"])
            self.assertIn("--use-graphs", serving_accuracy.args_of(case, simulated=False))
            for kwargs in ({"typed": True}, {"typed": True, "keep_engine": True}):
                self.assertNotIn("--use-graphs", serving_accuracy.args_of(case, **kwargs))
        for case in cases:
            if case["chip"] in ("b200", "b300", "gb200", "gb300") and \
                    case["model"] in ("llama-2-70b", "llama-3-405b"):
                self.assertNotIn("--use-graphs", serving_accuracy.args_of(case), case["name"])


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--suanli", default="")
    a, rest = ap.parse_known_args()
    if a.suanli:
        os.environ["SUANLI"] = a.suanli
    unittest.main(argv=[sys.argv[0], *rest])
