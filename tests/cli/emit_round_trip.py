#!/usr/bin/env python3
"""`suanli infer --emit ENGINE` as a round trip, one row of emit_round_trip.tsv a case.

What --emit prints must run, and must price what was estimated: each row's typed request (its
base flags, --engine and the setting under test) is estimated with --emit; the printed command
(launcher words and all, MODEL replaced by the model's id, the options file written where
TensorRT-LLM's names one) is pasted after `suanli infer` with the row's chips and workload and no
other flag. The pasted run must
  - exit 0 (an engine's own spelling of a setting must be read, not refused),
  - give the same layout, batch, KV format, MTP depth and weights (the same request),
  - price the same output rate per chip within 0.5 %,
  - print, asked to --emit again, the same command (the reader and the printer agree both ways),
and --emit must not change the answer: the typed request's JSON with --emit is, byte for byte,
its JSON without, but for the launch block (the printed command is the deployment priced, never
one the estimate was redone for),
and every string the row expects must be in the printed flags. A row with `moves` also checks
that the setting matters: the request without it prices more than 1 % apart, so a command that
dropped the setting would fail the price check.

Columns (tab-separated; # starts a comment line):
  name       what the row checks
  engine     --engine of the typed request (vllm, sglang, trtllm, vllm-ascend-0.13, ...)
  emit       --emit's engine (vllm, sglang, trtllm)
  moves      1: the setting must move the price by more than 1 %; 0: not checked; else the
             flags of the setting that must (the rest are limits kept for the comparison)
  base       flags of the request besides the setting: --model first, then the chips, mode,
             workload (given again to the pasted command, but for --model)
  setting    the typed flags under test (- for none)
  expect     strings that must each be one of the printed flags or a line of the options file,
             separated by ' ; ' (- for none)
  checkpoint what MODEL stands for when pasted (- : the --model id); a weight format the engine
             takes only from the checkpoint (TensorRT-LLM's FP8) needs that checkpoint's name

The printed command must also obey the engine's own checks on its values: vLLM's
SchedulerConfig refuses --max-num-batched-tokens below --max-num-seqs, and with
--no-enable-chunked-prefill below --max-model-len (vllm/config/scheduler.py, S3862).

Usage: emit_round_trip.py path/to/suanli [NAME-REGEX]
"""
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TABLE = os.path.join(HERE, "emit_round_trip.tsv")


def rows(only):
    with open(TABLE, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            cells = line.split("\t")
            if len(cells) != 8:
                sys.exit(f"{TABLE}:{number}: expected 8 tab-separated columns, got {len(cells)}")
            name, engine, emit, moves, base, setting, expect, checkpoint = cells
            if only and not re.search(only, name):
                continue
            yield {
                "line": number,
                "name": name,
                "engine": engine,
                "emit": emit,
                "moves": moves,
                "base": shlex.split(base),
                "setting": [] if setting == "-" else shlex.split(setting),
                "expect": [] if expect == "-" else [e.strip() for e in expect.split(" ; ")],
                "checkpoint": None if checkpoint == "-" else checkpoint,
            }


def run(suanli, args, cwd):
    p = subprocess.run([suanli, "infer", *args, "--json"], cwd=cwd, capture_output=True,
                       text=True, timeout=300)
    out = None
    if p.returncode == 0:
        out = json.loads(p.stdout)
    return p.returncode, out, p.stderr.strip()


def without_launch(text):
    """The JSON text less its top-level "launch" member, as printed (two-space indent, sorted
    keys): the lines from `  "launch": {` to its closing `  }`."""
    lines = text.split("\n")
    start = next((i for i, l in enumerate(lines) if l.startswith('  "launch": ')), None)
    if start is None:
        return text
    end = next(i for i in range(start, len(lines)) if lines[i] in ("  },", "  }"))
    if lines[end] == "  }" and lines[start - 1].endswith(","):
        lines[start - 1] = lines[start - 1][:-1]  # launch was the last member
    return "\n".join(lines[:start] + lines[end + 1:])


def pasted_args(launch, base, workdir, checkpoint):
    """The printed command as a user pastes it: MODEL is the checkpoint (the model's id unless
    named), the options file is written beside it; the row's chips and workload come first."""
    model = checkpoint or base[base.index("--model") + 1]
    rest = base[:base.index("--model")] + base[base.index("--model") + 2:]
    if launch.get("config_file"):
        with open(os.path.join(workdir, launch["config_file"]), "w", encoding="utf-8") as f:
            f.write(launch["config"])
    words = shlex.split(launch["command"].replace("\\\n", " "))
    words = [model if w == "MODEL" else w for w in words]
    return rest + words


def engine_checks(emit, args):
    """The engine's own refusals of the printed values (vLLM's SchedulerConfig, S3862)."""
    if emit != "vllm":
        return []
    values = {}
    for a in args:
        flag, _, value = a.partition(" ")
        values[flag] = value
    seqs = int(values["--max-num-seqs"])
    tokens = int(values["--max-num-batched-tokens"])
    context = int(values["--max-model-len"])
    problems = []
    if tokens < seqs:
        problems.append(f"vLLM refuses --max-num-batched-tokens {tokens} < --max-num-seqs {seqs}")
    if "--no-enable-chunked-prefill" in values and tokens < context:
        problems.append(f"vLLM refuses --max-num-batched-tokens {tokens} < --max-model-len "
                        f"{context} with chunked prefill off")
    return problems


SAME = ("layout", "launch_batch", "kv_cache_bytes_per_token", "mtp", "dtype", "expert_dtype",
        "weights_gib_per_chip", "engine", "disaggregated")


def without(words, drop):
    """`words` less the first run of `drop` in it."""
    for i in range(len(words) - len(drop) + 1):
        if words[i:i + len(drop)] == drop:
            return words[:i] + words[i + len(drop):]
    sys.exit(f"moves names {drop}, which the setting {words} does not hold")


def check(suanli, row, workdir):
    typed = row["base"] + ["--engine", row["engine"]] + row["setting"]
    rc, a, err = run(suanli, typed + ["--emit", row["emit"]], workdir)
    if rc != 0:
        return [f"the typed request with --emit exits {rc}: {err[:300]}"]
    launch = a["launch"]
    problems = []
    # --emit changes no figure of the answer: the same JSON but for the launch block.
    with_emit = subprocess.run([suanli, "infer", *typed, "--emit", row["emit"], "--json"],
                               cwd=workdir, capture_output=True, text=True, timeout=300).stdout
    plain = subprocess.run([suanli, "infer", *typed, "--json"], cwd=workdir, capture_output=True,
                           text=True, timeout=300)
    if plain.returncode != 0:
        problems.append(f"the typed request without --emit exits {plain.returncode}: "
                        f"{plain.stderr.strip()[:300]}")
    elif without_launch(with_emit) != plain.stdout:
        x = json.loads(plain.stdout)
        y = {k: v for k, v in json.loads(with_emit).items() if k != "launch"}
        moved = sorted(k for k in set(x) | set(y) if x.get(k) != y.get(k))
        problems.append(f"--emit changes the answer: {moved[:8]} (without --emit "
                        f"{x['answer']}, with {y.get('answer')})")
    lines = [l.strip() for l in launch.get("config", "").splitlines()]
    for e in row["expect"]:
        if e not in launch["args"] and e not in lines:
            problems.append(f"printed flags lack {e!r}: {launch['args']} {lines}")
    problems += engine_checks(row["emit"], launch["args"])
    pasted = pasted_args(launch, row["base"], workdir, row["checkpoint"])
    # The engine's own name for the launcher is the engine; another engine entry (a vLLM
    # version, vLLM-Ascend) is named as the typed request named it.
    if row["engine"] != row["emit"]:
        pasted += ["--engine", row["engine"]]
    rc, b, err = run(suanli, pasted, workdir)
    if rc != 0:
        return problems + [f"the pasted command exits {rc}: {err[:400]}",
                           "pasted: " + " ".join(shlex.quote(w) for w in pasted)]
    for key in SAME:
        if a.get(key) != b.get(key):
            problems.append(f"{key}: typed {a.get(key)!r}, pasted {b.get(key)!r}")
    x = a["answer"]["output_tokens_per_s_per_chip"]
    y = b["answer"]["output_tokens_per_s_per_chip"]
    if not abs(x - y) <= 0.005 * x:
        problems.append(f"output tokens/s per chip: typed {x}, pasted {y}")
    rc, c, err = run(suanli, pasted + ["--emit", row["emit"]], workdir)
    if rc != 0:
        problems.append(f"the pasted command with --emit exits {rc}: {err[:300]}")
    elif c["launch"]["args"] != launch["args"] or c["launch"].get("config") != launch.get("config"):
        problems.append(f"printed again from the pasted command: {c['launch']['args']} "
                        f"{c['launch'].get('config')!r}, first {launch['args']} "
                        f"{launch.get('config')!r}")
    if row["moves"] != "0":
        kept = [] if row["moves"] == "1" else without(row["setting"], shlex.split(row["moves"]))
        rc, u, err = run(suanli, row["base"] + ["--engine", row["engine"]] + kept, workdir)
        z = u["answer"]["output_tokens_per_s_per_chip"] if rc == 0 else None
        if z is None or not abs(x - z) > 0.01 * x:
            problems.append(f"the setting does not move the price: {x} with it, {z} without")
    return problems


def main():
    if len(sys.argv) < 2 or not os.access(sys.argv[1], os.X_OK):
        sys.exit("usage: emit_round_trip.py path/to/suanli [NAME-REGEX]")
    suanli = os.path.abspath(sys.argv[1])
    only = sys.argv[2] if len(sys.argv) > 2 else ""
    failed = total = 0
    for row in rows(only):
        total += 1
        with tempfile.TemporaryDirectory() as workdir:
            problems = check(suanli, row, workdir)
        if problems:
            failed += 1
            print(f"not ok {total} - {row['name']} (line {row['line']})")
            for p in problems:
                print(f"  # {p}")
        else:
            print(f"ok {total} - {row['name']}")
    print(f"1..{total}")
    if total == 0:
        sys.exit("no row ran")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
