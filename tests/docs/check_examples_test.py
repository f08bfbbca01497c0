#!/usr/bin/env python3
"""Tests of check_examples.py's rules (extraction, comparison, masks, suggestions), without the
binary: the rules decide what the README may claim, so they are tested like code."""

import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import check_examples as ce  # noqa: E402


def match(expected, actual):
    return ce.matches(ce.apply_masks(ce.normalize(expected)), ce.apply_masks(ce.normalize(actual)))


class Comparison(unittest.TestCase):
    def test_exact_lines_in_order(self):
        self.assertTrue(match(["a", "b"], ["a", "b"]))
        self.assertFalse(match(["a", "b"], ["b", "a"]))
        self.assertFalse(match(["a"], ["a", "b"]))  # no silent omission
        self.assertFalse(match(["a", "b"], ["a"]))
        self.assertFalse(match(["a  b"], ["a b"]))  # alignment counts
        self.assertFalse(match([" a"], ["a"]))

    def test_trailing_whitespace_and_blank_lines(self):
        self.assertTrue(match(["a  ", "b"], ["a", "b   ", "", ""]))
        self.assertFalse(match(["a", "b"], ["a", "", "b"]))  # inner blank lines count

    def test_skip_line(self):
        self.assertTrue(match(["a", "...", "d"], ["a", "b", "c", "d"]))
        self.assertTrue(match(["a", "...", "b"], ["a", "b"]))  # zero lines
        self.assertTrue(match(["...", "c"], ["a", "b", "c"]))
        self.assertTrue(match(["a", "..."], ["a", "b", "c"]))
        self.assertTrue(match(["..."], []))
        self.assertTrue(match(["a", "...", "x", "...", "x"], ["a", "x", "b", "x"]))  # backtracks
        self.assertFalse(match(["a", "...", "d"], ["a", "b", "c"]))
        self.assertFalse(match(["...", "a", "..."], ["b"]))

    def test_truncated_line(self):
        self.assertTrue(match(["h20   NVIDIA  ..."], ["h20   NVIDIA  training  148"]))
        self.assertFalse(match(["h20   NVIDIA  ..."], ["h20   NVIDIA"]))  # nothing was cut
        self.assertFalse(match(["h20   AMD  ..."], ["h20   NVIDIA  training"]))
        self.assertTrue(match(["----- ..."], ["----------"]))
        self.assertFalse(match(["a..."], ["a...b"]))  # `...` without a space is literal text
        self.assertTrue(match(["a..."], ["a..."]))

    def test_nothing_shown_means_nothing_printed(self):
        self.assertTrue(match([], []))
        self.assertFalse(match([], ["output"]))


class Masks(unittest.TestCase):
    def test_last_column_of_tables_is_not_masked(self):
        self.assertFalse(match(["policy  jobs  avg", "fifo  1000  56.06"],
                               ["policy  jobs  avg", "fifo  1000  56.07"]))

    def test_replay_progress_lines_are_dropped(self):
        progress = "suanli: replay fifo: 700 jobs read, 3.2 days simulated: 500 of 1000 jobs done (50 %), 2.1 s"
        self.assertTrue(match(["table"], [progress, "table"]))
        self.assertFalse(match(["table"], ["suanli: replay fifo: something else", "table"]))
        reading = "suanli: reading big.csv: 300000 rows, 5.0 s"
        self.assertTrue(match(["table"], [reading, "table"]))


class Extraction(unittest.TestCase):
    def examples(self, text):
        with tempfile.TemporaryDirectory() as d:
            (Path(d) / "README.md").write_text(text)
            return ce.examples_of(Path(d), Path("README.md"))

    def test_commands_outputs_and_continuations(self):
        text = "\n".join([
            "prose",
            "```",
            "$ suanli train --model m \\",
            "    --chip c",
            "line 1",
            "...",
            "$ suanli catalog models",
            "$ suanli train --model bad",
            "suanli: error: unknown model",
            "```",
            "$ suanli not-in-a-block",
            "~~~sh",
            "suanli syntax --only FILE",
            "~~~",
            "",
        ])
        found = self.examples(text)
        self.assertEqual([e.command for e in found],
                         ["suanli train --model m \\\n    --chip c", "suanli catalog models",
                          "suanli train --model bad"])
        self.assertEqual([e.line for e in found], [3, 7, 8])
        self.assertEqual(found[0].expected, ["line 1", "..."])
        self.assertEqual(found[0].first_expected, 4)
        self.assertEqual(found[1].expected, [])
        self.assertEqual([e.expects_error for e in found], [False, False, True])
        self.assertFalse(any(e.problem for e in found))

    def test_page_errors(self):
        found = self.examples("```\n$ ls -l\n$ suanli replay --trace $SUANLI_DATA/x\n```\n")
        self.assertIn("only `$ suanli", found[0].problem)
        self.assertIn("SUANLI_DATA", found[1].problem)

    def test_shared_data(self):
        found = self.examples("```\n$ suanli replay --trace ../shared/data/t.csv\n"
                              "$ suanli forecast\n```\n")
        self.assertEqual([e.needs_shared_data for e in found], [True, False])


class Suggestion(unittest.TestCase):
    def test_keeps_abridgements_and_shows_changes(self):
        shown = ["head", "...", "row b  2", "...", "wide  1  ..."]
        actual = ["head", "row a  1", "row b  3", "row c  3", "wide  1  x  y"]
        self.assertEqual(ce.suggest(shown, actual),
                         ["head", "...", "row b  3", "...", "wide  1  ..."])

    def test_added_and_removed_lines(self):
        self.assertEqual(ce.suggest(["a", "b", "gone"], ["a", "new", "b"]), ["a", "new", "b"])

    def test_recut_after_the_same_column(self):
        # A wider bf16 column moves the fp8 column: the page's cut rows no longer match.
        shown = ["id   bf16 TF    fp8  ...", "h20  148 [S14]  296  ..."]
        actual = ["id   bf16 TF        fp8  int8", "h20  148 [S14]      296  296", "x"]
        suggestion = ce.suggest(shown + ["..."], actual)
        self.assertEqual(suggestion,
                         ["id   bf16 TF        fp8  ...", "h20  148 [S14]      296  ...", "..."])
        self.assertTrue(match(suggestion, actual))

    def test_masked_lines_are_not_suggested(self):
        progress = "suanli: replay fifo: 700 jobs read, 3.2 days simulated: 500 of 1000 jobs done (50 %), 2.1 s"
        shown = ["policy  jobs", "fifo    1000"]
        self.assertEqual(ce.suggest(shown, [progress, *shown]), shown)


if __name__ == "__main__":
    unittest.main()
