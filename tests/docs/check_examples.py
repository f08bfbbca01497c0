#!/usr/bin/env python3
"""Runs every `$ suanli ...` example of README.md and docs/*.md and checks what it prints.

Usage:
  check_examples.py --suanli PATH/TO/suanli [--root DIR] [--only TEXT] [--update]

The README and the docs are executable truth: an example shown there is run exactly as a user
would paste it, from the project root (DIR, default: two folders above this script) with
`../shared/data` beside it, and what the page shows is compared with what the binary prints.
This docstring and docs/style.md ("Examples in the docs") state the same rules; change both.

Examples
  - A fenced code block (``` or ~~~, indented at most 3 spaces, any info string) in README.md or
    docs/*.md. Blocks without a line starting with `$ ` are not examples and are not run.
  - In a block, a line starting with `$ ` is a command. It must start with `$ suanli`; any other
    `$ ` command is an error of the page, not skipped. A command line ending in `\\` continues on
    the next line; the text after `$ ` is given to `bash -c` as written (continuations included),
    with the directory of --suanli first on PATH, SUANLI_DATA unset (the binary's default,
    ../shared/data, applies), stdin empty and the project root as working directory.
  - The lines after the command, up to the next `$ ` line or the end of the block, are its
    expected output. They are compared with stdout and stderr read through one pipe (stderr is
    unbuffered, so a note or an error comes before a table printed at exit, as on a terminal).
  - Exit code: a command whose expected output has a line starting with `suanli: error:` must
    exit with 2; every other command must exit with 0.

Comparison (tesh style: line by line, in order, strict unless a rule below says otherwise)
  - Trailing whitespace of every line, and blank lines at the very end of either side, are
    ignored. Everything else counts: leading spaces, column alignment, blank lines in between.
  - A line that is exactly `...` stands for any number of actual lines (zero or more) at that
    place. It is the only way to leave lines out: an example that shows only some lines of its
    output has a `...` at every place where lines are left out, including at the start or end.
  - A line that ends in ` ...` (and is not just `...`) is a truncated line: it matches one actual
    line that starts with the text before ` ...` (trailing spaces of that text removed) and is
    longer than it. The README uses it to cut wide tables after a column.
  - A command with no expected lines must print nothing.
  - Volatile values are masked, on both sides, before comparing; only these, each by a named rule
    in MASKS below:
      replay_progress  stderr progress lines of a long replay (`suanli: replay P: R jobs read,
                       D days simulated: N of M jobs done (X %), S s`, `suanli: reading FILE:
                       N rows, S s`) are removed. suanli prints them only on a terminal or with
                       `replay --progress`, which examples do not use; the rule stays so that
                       an example with --progress would not depend on the machine's speed.
    (Wall-clock seconds are not masked: suanli prints them only with `replay --timing`, which
    examples do not use.)
  - Examples whose command names `../shared/data` need the shared data. If the folder
    ../shared/data beside the root is missing they fail when the environment variable CI is set
    (non-empty) and are skipped, with the reason printed, otherwise. A command naming
    `$SUANLI_DATA` is an error of the page: a user who has not set it gets an empty path.

Failures print the command's exit code and a unified diff from the page's lines to the lines the
page should have (the actual output, abridged at the page's `...` and ` ...` places where they
still fit). --update writes exactly those lines into the pages; review them with `git diff`
before committing, as an output change can be a regression rather than an improvement.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import os
import re
import subprocess
import sys
import time
from pathlib import Path

SKIP = "..."
TRUNCATED_SUFFIX = " ..."
ERROR_PREFIX = "suanli: error:"
EXAMPLE_TIMEOUT_S = 300  # the slowest, replay --fill, takes ~90 s under ASan

FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")

# --- masks -----------------------------------------------------------------------------------

REPLAY_PROGRESS = re.compile(
    r"^suanli: (replay \S+: \d+ jobs read, \d+\.\d days simulated: \d+ of \d+ jobs done "
    r"\(\d+ %\)|"
    r"reading \S+: \d+ rows), \d+\.\d s$")


def mask_replay_progress(lines: list[str]) -> list[str]:
    return [line for line in lines if not REPLAY_PROGRESS.match(line)]


MASKS = [("replay_progress", mask_replay_progress)]


def apply_masks(lines: list[str]) -> list[str]:
    for _, mask in MASKS:
        lines = mask(lines)
    return lines


# --- pages -----------------------------------------------------------------------------------


@dataclasses.dataclass
class Example:
    page: Path  # relative to the root
    line: int  # 1-based line of the `$` line
    command: str  # what follows `$ `, continuation lines included
    expected: list[str]
    first_expected: int  # 0-based index in the page of the first expected line
    problem: str = ""  # an error of the page itself

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"

    @property
    def needs_shared_data(self) -> bool:
        return "../shared/data" in self.command

    @property
    def expects_error(self) -> bool:
        return any(line.startswith(ERROR_PREFIX) for line in self.expected)


def pages(root: Path) -> list[Path]:
    return [Path("README.md")] + sorted(p.relative_to(root) for p in (root / "docs").glob("*.md"))


def blocks(text_lines: list[str]):
    """Yields (first content index, content lines) of each fenced code block."""
    i = 0
    while i < len(text_lines):
        m = FENCE.match(text_lines[i])
        if not m:
            i += 1
            continue
        indent, fence = len(m[1]), m[2]
        close = re.compile(r"^ {0,3}" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}\s*$")
        start = i + 1
        j = start
        while j < len(text_lines) and not close.match(text_lines[j]):
            j += 1
        content = []
        for line in text_lines[start:j]:
            strip = len(line) - len(line.lstrip(" "))
            content.append(line[min(strip, indent):])
        yield start, content
        i = j + 1


def examples_of(root: Path, page: Path) -> list[Example]:
    lines = (root / page).read_text(encoding="utf-8").splitlines()
    found = []
    for start, content in blocks(lines):
        k = 0
        while k < len(content):
            if not content[k].startswith("$ "):
                k += 1
                continue
            first = k
            command_lines = [content[k][2:]]
            while command_lines[-1].endswith("\\") and k + 1 < len(content):
                k += 1
                command_lines.append(content[k])
            k += 1
            out_start = k
            while k < len(content) and not content[k].startswith("$ "):
                k += 1
            command = "\n".join(command_lines)
            ex = Example(page, start + first + 1, command, content[out_start:k], start + out_start)
            if not re.match(r"suanli(\s|$)", command):
                ex.problem = "only `$ suanli ...` commands are examples; write others without `$ `"
            elif "SUANLI_DATA" in command:
                ex.problem = "not runnable as pasted ($SUANLI_DATA is unset by default): name " \
                             "../shared/data instead"
            found.append(ex)
    return found


# --- comparison ------------------------------------------------------------------------------


def normalize(lines: list[str]) -> list[str]:
    lines = [line.rstrip() for line in lines]
    while lines and lines[-1] == "":
        lines.pop()
    return lines


def truncated_prefix(line: str) -> str | None:
    if line != SKIP and line.endswith(TRUNCATED_SUFFIX):
        return line[: -len(TRUNCATED_SUFFIX)].rstrip()
    return None


def line_matches(expected: str, actual: str) -> bool:
    prefix = truncated_prefix(expected)
    if prefix is not None:
        return actual.startswith(prefix) and len(actual) > len(prefix)
    return expected == actual


def matches(expected: list[str], actual: list[str]) -> bool:
    """Whether the masked, normalized expected lines match the actual ones under the rules."""
    n, m = len(expected), len(actual)
    # ok[i][j]: expected[i:] matches actual[j:]
    ok = [[False] * (m + 1) for _ in range(n + 1)]
    ok[n][m] = True
    for i in range(n - 1, -1, -1):
        for j in range(m, -1, -1):
            if expected[i] == SKIP:
                ok[i][j] = ok[i + 1][j] or (j < m and ok[i][j + 1])
            else:
                ok[i][j] = j < m and line_matches(expected[i], actual[j]) and ok[i + 1][j + 1]
    return ok[0][0]


def similarity(expected: str, actual: str) -> float:
    prefix = truncated_prefix(expected)
    if prefix is not None:
        expected, actual = prefix, actual[: len(prefix)]
    if expected == actual:
        return 1.0
    ratio = difflib.SequenceMatcher(None, expected, actual, autojunk=False).ratio()
    # A table row keeps its label (first word) when its values change: prefer the same row.
    same_label = expected.split()[:1] == actual.split()[:1]
    return ratio if same_label else ratio / 2


def truncate_like(actual: str, prefix: str) -> str:
    """The actual line cut where the page cut it: after as many table columns (runs of 2+ spaces
    separate columns) as the page's prefix has, so that cut rows stay aligned."""
    columns = len(re.split(r"\s{2,}", prefix.strip()))
    cuts = [m.end() for m in re.finditer(r"\s{2,}", actual)]
    if len(cuts) >= columns:
        return actual[: cuts[columns - 1]] + SKIP
    return actual  # nothing left to cut: show the line whole


def suggest(expected_raw: list[str], actual_raw: list[str]) -> list[str]:
    """The lines the page should show: the actual output, abridged where the page abridges.

    Aligns the page's lines with the actual ones (a global alignment on line similarity: `...`
    absorbs actual lines for free, a line that still matches scores high, a changed line scores
    by its similarity, a line shown on one side only costs a fixed penalty). Page lines that still
    match are kept as they are."""
    expected = apply_masks(normalize(expected_raw))
    actual = apply_masks(normalize(actual_raw))
    n, m = len(expected), len(actual)
    gap = 0.6
    neg = float("-inf")
    best = [[neg] * (m + 1) for _ in range(n + 1)]
    step = [[None] * (m + 1) for _ in range(n + 1)]
    best[n][m] = 0.0
    for i in range(n, -1, -1):
        for j in range(m, -1, -1):
            if i == n and j == m:
                continue
            options = []
            if i < n and expected[i] == SKIP:
                options.append((best[i + 1][j], "skip-end"))
                if j < m:
                    options.append((best[i][j + 1], "skip-line"))
            else:
                if i < n and j < m:
                    if line_matches(expected[i], actual[j]):
                        score = 3.0
                    else:
                        score = 2 * similarity(expected[i], actual[j]) - 1.5
                    options.append((best[i + 1][j + 1] + score, "pair"))
                if i < n:
                    options.append((best[i + 1][j] - gap, "drop"))
                if j < m:
                    options.append((best[i][j + 1] - gap, "add"))
            value, how = max(options, key=lambda o: o[0])
            best[i][j], step[i][j] = value, how
    out = []
    i = j = 0
    while (i, j) != (n, m):
        how = step[i][j]
        if how == "skip-end":
            out.append(SKIP)
            i += 1
        elif how == "skip-line":
            j += 1
        elif how == "pair":
            if line_matches(expected[i], actual[j]):
                out.append(expected[i])
            else:
                prefix = truncated_prefix(expected[i])
                out.append(actual[j] if prefix is None else truncate_like(actual[j], prefix))
            i, j = i + 1, j + 1
        elif how == "drop":
            i += 1
        else:
            out.append(actual[j])
            j += 1
    # Two `...` in a row say no more than one.
    return [line for k, line in enumerate(out) if not (line == SKIP and k and out[k - 1] == SKIP)]


# --- running ---------------------------------------------------------------------------------


def run(example: Example, root: Path, suanli: Path) -> tuple[int, list[str], float]:
    env = dict(os.environ)
    env["PATH"] = str(suanli.parent) + os.pathsep + env.get("PATH", "")
    env.pop("SUANLI_DATA", None)
    t0 = time.monotonic()
    proc = subprocess.run(["bash", "-c", example.command], cwd=root, env=env,
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=EXAMPLE_TIMEOUT_S)
    seconds = time.monotonic() - t0
    text = proc.stdout.decode("utf-8", errors="replace")
    return proc.returncode, text.splitlines(), seconds


def check(example: Example, root: Path, suanli: Path) -> tuple[bool, list[str] | None, str]:
    """Runs one example: (passed, lines the page should show or None, report)."""
    if example.problem:
        return False, None, example.problem
    try:
        code, actual, seconds = run(example, root, suanli)
    except subprocess.TimeoutExpired:
        return False, None, f"still running after {EXAMPLE_TIMEOUT_S} s"
    want_code = 2 if example.expects_error else 0
    expected = apply_masks(normalize(example.expected))
    got = apply_masks(normalize(actual))
    problems = []
    if code != want_code:
        problems.append(f"exit code {code}, expected {want_code}")
    suggestion = None
    if not matches(expected, got):
        suggestion = suggest(example.expected, actual)
        diff = difflib.unified_diff(normalize(example.expected), suggestion,
                                    f"{example.page} (shown)", f"{example.page} (actual)",
                                    lineterm="", n=2)
        problems.append("output differs; the page should show:\n" + "\n".join(diff))
    report = f"({seconds:.1f} s)"
    if problems:
        report += "\n" + "\n".join(problems)
    return not problems, suggestion, report


def update_pages(root: Path, fixes: list[tuple[Example, list[str]]]) -> None:
    by_page: dict[Path, list[tuple[Example, list[str]]]] = {}
    for ex, lines in fixes:
        by_page.setdefault(ex.page, []).append((ex, lines))
    for page, items in by_page.items():
        path = root / page
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        for ex, new in sorted(items, key=lambda item: -item[0].first_expected):
            lines[ex.first_expected:ex.first_expected + len(ex.expected)] = new
        path.write_text("\n".join(lines) + ("\n" if text.endswith("\n") else ""),
                        encoding="utf-8")
        print(f"updated {page}: {len(items)} example(s); review with git diff")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--suanli", required=True, type=Path, help="the binary to run")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[2],
                        help="project root (default: two folders above this script)")
    parser.add_argument("--only", default="", help="run only examples whose page:line or "
                        "command contains this text")
    parser.add_argument("--update", action="store_true",
                        help="write the actual output into the pages, keeping their `...`")
    args = parser.parse_args()
    suanli = args.suanli.resolve()
    root = args.root.resolve()
    if not (os.path.isfile(suanli) and os.access(suanli, os.X_OK)):
        print(f"check_examples: not an executable: {suanli}", file=sys.stderr)
        return 2
    if suanli.name != "suanli":
        print(f"check_examples: the binary must be named suanli (it is run as `suanli` from "
              f"PATH): {suanli}", file=sys.stderr)
        return 2
    shared_data = root.parent / "shared" / "data"
    have_data = shared_data.is_dir()
    in_ci = bool(os.environ.get("CI"))

    examples = [ex for page in pages(root) for ex in examples_of(root, page)]
    if args.only:
        examples = [ex for ex in examples if args.only in ex.where or args.only in ex.command]
    if not examples:
        print("check_examples: no examples found", file=sys.stderr)
        return 2
    failed, skipped, fixes = [], [], []
    t0 = time.monotonic()
    for ex in examples:
        title = ex.command.split("\n")[0]
        if ex.needs_shared_data and not have_data:
            why = f"{shared_data} is missing"
            if in_ci:
                print(f"FAIL  {ex.where}  {title}\n      {why} (CI is set: the data must be there)")
                failed.append(ex)
            else:
                print(f"skip  {ex.where}  {title}\n      {why}")
                skipped.append(ex)
            continue
        passed, suggestion, report = check(ex, root, suanli)
        if passed:
            print(f"ok    {ex.where}  {title}  {report}")
        else:
            print(f"FAIL  {ex.where}  {title}  " + report.replace("\n", "\n      "))
            failed.append(ex)
            if suggestion is not None:
                fixes.append((ex, suggestion))
        sys.stdout.flush()
    total = time.monotonic() - t0
    print(f"{len(examples) - len(failed) - len(skipped)} passed, {len(failed)} failed, "
          f"{len(skipped)} skipped, of {len(examples)} examples in {total:.1f} s")
    if args.update and fixes:
        update_pages(root, fixes)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
