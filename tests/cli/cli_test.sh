#!/usr/bin/env bash
# End-to-end tests of the suanli binary: exit codes, messages on stderr, and
# that bad input never leaves an output file behind.
# Usage: cli_test.sh path/to/suanli
set -u

if [ $# -lt 1 ]; then
  echo "usage: $0 path/to/suanli" >&2
  exit 2
fi
SUANLI=$1
if [ ! -x "$SUANLI" ]; then
  echo "not an executable: $SUANLI" >&2
  exit 2
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/suanli_cli.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

passed=0
failed=0
ok() {
  passed=$((passed + 1))
  echo "ok    $1"
}
not_ok() {
  failed=$((failed + 1))
  echo "FAIL  $1"
  shift
  for line in "$@"; do echo "      $line"; done
}

# run ARGS...: runs suanli, leaves $OUT, $ERR (file contents) and $RC.
run() {
  "$SUANLI" "$@" >"$TMP/stdout" 2>"$TMP/stderr"
  RC=$?
  OUT=$(cat "$TMP/stdout")
  ERR=$(cat "$TMP/stderr")
}

# temporaries DIR: the output temporaries left in DIR (.NAME.RANDOM.tmp), one a line.
temporaries() {
  find "$1" -maxdepth 1 -name '.*.tmp' -printf '%f\n' 2>/dev/null
}

# expect_bad NAME PATTERN ARGS...: bad input must exit 2, print a message on
# stderr matching the extended regex PATTERN (case-insensitive), print
# nothing on stdout, and write neither -o file nor any temporary.
expect_bad() {
  local name=$1 pattern=$2
  shift 2
  local out="$TMP/out.json"
  rm -f "$out" "$out.tmp"
  run "$@" -o "$out"
  local problems=()
  [ "$RC" -eq 2 ] || problems+=("exit code $RC, expected 2")
  [ -n "$ERR" ] || problems+=("nothing on stderr")
  if [ -n "$ERR" ] && ! grep -qiE -- "$pattern" <<<"$ERR"; then
    problems+=("stderr does not match /$pattern/")
  fi
  [ -z "$OUT" ] || problems+=("unexpected stdout: ${OUT:0:200}")
  [ ! -e "$out" ] || problems+=("$out was written")
  [ ! -e "$out.tmp" ] || problems+=("$out.tmp was left behind")
  [ -z "$(temporaries "$TMP")" ] || problems+=("temporaries left behind: $(temporaries "$TMP")")
  if [ ${#problems[@]} -eq 0 ]; then
    ok "$name"
  else
    not_ok "$name" "${problems[@]}" "stderr: ${ERR:0:400}"
  fi
}

# --- catalog -----------------------------------------------------------------

run catalog chips
if [ "$RC" -eq 0 ] && grep -qE '^h20[[:space:]]' <<<"$OUT"; then
  ok "catalog chips lists h20"
else
  not_ok "catalog chips lists h20" "exit $RC" "stderr: ${ERR:0:300}"
fi

run catalog models --json
if [ "$RC" -eq 0 ] && python3 -m json.tool "$TMP/stdout" >/dev/null 2>&1 &&
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); m=d["models"]; assert isinstance(m, list) and len(m) >= 20 and any(x["id"] == "llama-3-8b" for x in m)' "$TMP/stdout" 2>/dev/null; then
  ok "catalog models --json is JSON with a models array"
else
  not_ok "catalog models --json is JSON with a models array" "exit $RC" "stderr: ${ERR:0:300}"
fi

# --- train: success ----------------------------------------------------------

TRAIN=(train --model llama-3-8b --chip h100 --count 64 --tokens 1e12)
run "${TRAIN[@]}" --json
cp "$TMP/stdout" "$TMP/train_stdout.json"
train_rc=$RC
if [ "$RC" -eq 0 ] && python3 -m json.tool "$TMP/train_stdout.json" >/dev/null 2>&1; then
  ok "train --json exits 0 with JSON"
else
  not_ok "train --json exits 0 with JSON" "exit $RC" "stderr: ${ERR:0:300}"
fi

# Every field the JSON promises, with the right kind of value.
missing=$(python3 - "$TMP/train_stdout.json" <<'EOF' 2>&1
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception as e:
    print("not JSON:", e)
    sys.exit(0)
fields = ["parallel.tp", "parallel.pp", "parallel.dp", "parallel.ep", "parallel.cp",
          "parallel.zero_stage", "parallel.micro_batch", "parallel.recompute", "step_time_s",
          "global_batch_tokens", "tokens_per_s", "mfu", "hfu", "achieved_tflops_per_chip",
          "train_days", "ideal_accelerator_hours", "accelerator_hours", "goodput",
          "memory_gib_per_chip", "memory_breakdown_gib", "time_breakdown_s", "power_cap_w",
          "clock_fraction"]
for f in fields:
    node = d
    for part in f.split("."):
        if not isinstance(node, dict) or part not in node:
            print("missing", f)
            break
        node = node[part]
    else:
        if f in ("memory_breakdown_gib", "time_breakdown_s"):
            if not isinstance(node, dict) or not node:
                print("not an object:", f)
        elif f == "power_cap_w":
            if node is not None:
                print("no cap given, expected null:", f, node)
        elif f == "parallel.recompute":
            if node not in ("none", "selective", "full"):
                print("bad value:", f, node)
        elif not isinstance(node, (int, float)) or isinstance(node, bool):
            print("not a number:", f, node)
p = d.get("parallel", {})
try:
    # The layout covers exactly the 64 chips asked for.
    if p["tp"] * p["pp"] * p["dp"] * p["cp"] != 64:
        print("tp*pp*dp*cp != 64")
    # MFU is a fraction of peak.
    if not 0 < d["mfu"] < 1:
        print("mfu out of (0, 1):", d["mfu"])
except Exception as e:
    print("check failed:", e)
EOF
)
if [ "$train_rc" -eq 0 ] && [ -z "$missing" ]; then
  ok "train --json has every field"
else
  not_ok "train --json has every field" "$missing"
fi

# -o writes the same bytes the command prints on stdout, atomically.
rm -f "$TMP/ok.json" "$TMP/ok.json.tmp"
run "${TRAIN[@]}" --json -o "$TMP/ok.json"
if [ "$RC" -eq 0 ] && [ -f "$TMP/ok.json" ] && cmp -s "$TMP/ok.json" "$TMP/train_stdout.json" &&
  [ ! -e "$TMP/ok.json.tmp" ] && [ -z "$OUT" ]; then
  ok "-o writes the stdout content"
else
  not_ok "-o writes the stdout content" "exit $RC" "stderr: ${ERR:0:300}"
fi

# The table output can be written too.
run "${TRAIN[@]}"
cp "$TMP/stdout" "$TMP/train_stdout.txt"
run "${TRAIN[@]}" -o "$TMP/ok.txt"
if [ "$RC" -eq 0 ] && cmp -s "$TMP/ok.txt" "$TMP/train_stdout.txt" && [ -s "$TMP/ok.txt" ]; then
  ok "-o writes the table output"
else
  not_ok "-o writes the table output" "exit $RC"
fi

# --- train: bad input --------------------------------------------------------

# Unknown ids: one edit away from a known one, which the message suggests.
expect_bad "unknown model suggests llama-3-8b" "llama-3-8b" \
  train --model llama-3-8c --chip h100 --count 64 --tokens 1e12
expect_bad "unknown chip suggests h100" "h100" \
  train --model llama-3-8b --chip h1000 --count 64 --tokens 1e12

expect_bad "--count 0" "count" train --model llama-3-8b --chip h100 --count 0 --tokens 1e12
expect_bad "--count -5" "count" train --model llama-3-8b --chip h100 --count -5 --tokens 1e12
expect_bad "--tokens 0" "tokens" train --model llama-3-8b --chip h100 --count 64 --tokens 0
expect_bad "--tokens abc" "tokens.*abc|abc.*tokens" \
  train --model llama-3-8b --chip h100 --count 64 --tokens abc

# An amount said in words, as the shell splits it: Llama 3's "15 trillion" tokens are 15 x 10^12,
# as --tokens 15T, and "15 万亿" likewise; "--tokens=15 trillion" too. A word that is not a count
# is an error naming --tokens and the forms it takes.
for typed in "15 trillion" "15 Trillion" "15 万亿" "--tokens=15 trillion"; do
  if [ "${typed:0:2}" = "--" ]; then
    # shellcheck disable=SC2086
    run train --model llama-3-8b --chip h100 --count 64 ${typed% *} "${typed##* }" --json
  else
    # shellcheck disable=SC2086
    run train --model llama-3-8b --chip h100 --count 64 --tokens $typed --json
  fi
  tokens=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["tokens"])' <<<"$OUT" 2>/dev/null)
  if [ "$RC" -eq 0 ] && python3 -c "import sys; sys.exit(abs(float('$tokens') - 15e12) > 1)" 2>/dev/null; then
    ok "--tokens $typed is 15e12 tokens"
  else
    not_ok "--tokens $typed is 15e12 tokens" "rc $RC, tokens '$tokens'" "stderr: ${ERR:0:300}"
  fi
done
# One argument with a space before a letter, as before a word: --tokens '15 T' is 15T.
run train --model llama-3-8b --chip h100 --count 64 --tokens "15 T" --json
tokens=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["tokens"])' <<<"$OUT" 2>/dev/null)
if [ "$RC" -eq 0 ] && python3 -c "import sys; sys.exit(abs(float('$tokens') - 15e12) > 1)" 2>/dev/null; then
  ok "--tokens '15 T' is 15e12 tokens"
else
  not_ok "--tokens '15 T' is 15e12 tokens" "rc $RC, tokens '$tokens'" "stderr: ${ERR:0:300}"
fi
expect_bad "--tokens 15 trillions names the flag and the forms" "tokens.*15 trillions.*15 trillion" \
  train --model llama-3-8b --chip h100 --count 64 --tokens "15 trillions"
expect_bad "--tokens 15 trillions (split) names the flag, not a stray argument" \
  "tokens.*15 trillions.*15 trillion" train --model llama-3-8b --chip h100 --count 64 --tokens 15 trillions

# Llama 3 8B has 32 attention heads; 7 does not divide 32. With 56 = 7 x 8
# chips, the head count is the only thing wrong.
expect_bad "--tp 7 on 56 chips: 7 does not divide 32 heads" "head" \
  train --model llama-3-8b --chip h100 --count 56 --tokens 1e12 --tp 7
# With 64 chips, 7 divides neither the chips nor the heads; the message
# should still say what is wrong with tp 7.
expect_bad "--tp 7 on 64 chips names tp" "tp|tensor" \
  train --model llama-3-8b --chip h100 --count 64 --tokens 1e12 --tp 7

# A100 has no FP8 (catalog.md 2a: n/a); the message lists what it supports.
expect_bad "--dtype fp8 on a100 names supported dtypes" "bf16" \
  train --model llama-3-8b --chip a100 --count 64 --tokens 1e12 --dtype fp8

# Precision recipes a chip or a layout cannot run (docs/training-model.md, Precision recipes).
expect_bad "--precision mxfp8 on h100 names the flag and Blackwell" "--precision.*mxfp8.*h100.*Blackwell" \
  train --model llama-3-8b --chip h100 --count 8 --tokens 1e12 --precision mxfp8
expect_bad "--precision fp8-params on a100 (no FP8)" "--precision.*a100.*no FP8" \
  train --model llama-3-8b --chip a100 --count 8 --tokens 1e12 --precision fp8-params
expect_bad "--zero 1 contradicts --precision fsdp2-mixed" "--zero.*fsdp2-mixed" \
  train --model llama-3-8b --chip h100 --count 8 --tokens 1e12 --precision fsdp2-mixed --zero 1
expect_bad "--dtype fp8 contradicts --precision bf16" "--dtype.*contradicts" \
  train --model llama-3-8b --chip h100 --count 8 --tokens 1e12 --precision bf16 --dtype fp8
expect_bad "unknown --optimizer-dtype" "--optimizer-dtype.*fp32 or bf16" \
  train --model llama-3-8b --chip h100 --count 8 --tokens 1e12 --optimizer-dtype fp8

# Software stacks (data/stacks.yaml): what a stack does not have is an error on the flag, naming
# the stack's line.
expect_bad "--stack megatron-core has no dualpipe" "--schedule.*megatron-core.*stacks.yaml:[0-9]+.*dualpipe" \
  train --model deepseek-v3 --chip h800 --count 2048 --tokens 1e12 --stack megatron-core --schedule dualpipe
expect_bad "--stack megatron-2021 has no recompute modules" "--recompute-modules.*megatron-2021" \
  train --model llama-3-8b --chip h100 --count 8 --tokens 1e12 --stack megatron-2021 --recompute-modules core_attn
expect_bad "--stack deepspeed has no interleaving" "--interleave.*deepspeed" \
  train --model llama-3-8b --chip h100 --count 64 --tokens 1e12 --stack deepspeed --interleave 2
expect_bad "--stack mindspeed has no FP8 recipe" "--dtype.*mindspeed.*fp8" \
  train --model llama-3-8b --chip h100 --count 8 --tokens 1e12 --stack mindspeed --dtype fp8
expect_bad "unknown --stack names the nearest" "--stack.*megatron-core" \
  train --model llama-3-8b --chip h100 --count 8 --tokens 1e12 --stack megatron
expect_bad "unknown --recompute-modules entry" "--recompute-modules.*attn_core" \
  train --model llama-3-8b --chip h100 --count 8 --tokens 1e12 --recompute-modules attn_core
expect_bad "--dp-overlap takes on or off" "--dp-overlap.*on or off" \
  train --model llama-3-8b --chip h100 --count 8 --tokens 1e12 --dp-overlap maybe
# --use-graphs (NVIDIA's MLPerf harness with CUDA graphs on) against --enforce-eager, or with an
# engine that sets its own graphs: exit 2, the flag named, nothing written.
expect_bad "--use-graphs with --enforce-eager" "--use-graphs.*--enforce-eager" \
  infer --model llama-3.1-8b --chip b200 --count 8 --mode analytic --engine none --use-graphs --enforce-eager
expect_bad "--use-graphs with --engine vllm" "--use-graphs.*vllm" \
  infer --model llama-3.1-8b --chip b200 --count 8 --mode analytic --engine vllm --use-graphs
expect_bad "--stack torchtitan-fsdp2 has no activation offload" "--offload-layers.*torchtitan-fsdp2.*stacks.yaml:[0-9]+" \
  train --model llama-3-8b --chip h100 --count 8 --tokens 1e12 --stack torchtitan-fsdp2 --offload-layers 4
expect_bad "--offload-layers on a chip without a known host link" "--offload-layers.*host_link_gb_s" \
  train --model llama-3-8b --chip b200 --count 8 --tokens 1e12 --offload-layers 4
expect_bad "--offload-layers beyond the model's layers" "--offload-layers.*32 layers" \
  train --model llama-3-8b --chip h100 --count 8 --tokens 1e12 --offload-layers 33

# Hanguang 800 is an inference NPU.
expect_bad "hanguang-800 is inference-only" "inference" \
  train --model llama-3-8b --chip hanguang-800 --count 64 --tokens 1e12

# A user catalog with malformed YAML: the message gives file:line.
mkdir -p "$TMP/badcat"
printf 'chips:\n  - id: my-npu\n    aliases: [a, b\n    name: My NPU\n' >"$TMP/badcat/bad.yaml"
expect_bad "--catalog with malformed YAML gives file:line" "bad\.yaml:[0-9]+" \
  train --model llama-3-8b --chip h100 --count 64 --tokens 1e12 --catalog "$TMP/badcat"

expect_bad "--catalog at a missing directory" "no-such-dir" \
  train --model llama-3-8b --chip h100 --count 64 --tokens 1e12 --catalog "$TMP/no-such-dir"

expect_bad "missing required --tokens" "tokens" \
  train --model llama-3-8b --chip h100 --count 64
expect_bad "unknown flag" "frobnicate" \
  train --model llama-3-8b --chip h100 --count 64 --tokens 1e12 --frobnicate 3

# Power caps: above the TDP, at the static power, not a number; and a user
# system that caps above its chip's TDP (file:line, field).
expect_bad "--power-cap-w above the TDP" "power-cap-w.*400 W TDP" \
  train --model llama-3-8b --chip a100 --count 64 --tokens 1e12 --power-cap-w 500
expect_bad "--power-cap-w at the static power (0.2 x 400 W)" "static power" \
  train --model llama-3-8b --chip a100 --count 64 --tokens 1e12 --power-cap-w 80
expect_bad "--power-cap-w not a number" "power-cap-w" \
  train --model llama-3-8b --chip a100 --count 64 --tokens 1e12 --power-cap-w lots
expect_bad "infer --power-cap-w above the TDP" "power-cap-w.*TDP" \
  infer --model llama-3-8b --chip h100 --power-cap-w 900
expect_bad "infer --compare --power-cap-w nan" "power-cap-w.*(positive|not a number)" \
  infer --model llama-3-8b --chip a100,h100 --compare --power-cap-w nan
# Comparing chips under one 500 W budget: it binds the H100 (700 W TDP), not the A100 (400 W);
# the Ascend 910C has no TDP in the catalog, so its row says why it cannot be capped. --engine
# none: the same engine in both runs (the A100 and H100 alone share a default, vllm).
run infer --model llama-3-8b --chip a100,h100 --compare --engine none --json
cp "$TMP/stdout" "$TMP/uncapped.json"
run infer --model llama-3-8b --chip a100,h100,ascend-910c --compare --power-cap-w 500 --engine none --json
if [ "$RC" -eq 0 ] && python3 - "$TMP/stdout" "$TMP/uncapped.json" <<'EOF'
import json, sys
rows = {r["chip"]: r for r in json.load(open(sys.argv[1]))["chips"]}
free = {r["chip"]: r for r in json.load(open(sys.argv[2]))["chips"]}
rate = "output_tokens_per_s_per_chip"
sys.exit(0 if rows["a100"]["power_cap_w"] is None and rows["a100"][rate] == free["a100"][rate]
         and rows["h100"]["power_cap_w"] == 500 and rows["h100"][rate] < free["h100"][rate]
         and "tdp_w" in rows["ascend-910c"]["error"] else 1)
EOF
then
  ok "infer --compare --power-cap-w binds only chips above the budget"
else
  not_ok "infer --compare --power-cap-w binds only chips above the budget" "exit $RC" "${OUT:0:300}"
fi
# A chip list typed with spaces after its commas names the same chips (audit round 15: ' h100'
# was an unknown chip whose nearest name was h100); the rows equal the unspaced list's.
run infer --model llama-3-8b --chip "a100, h100 " --compare --engine none --json
if [ "$RC" -eq 0 ] && cmp -s "$TMP/stdout" "$TMP/uncapped.json"; then
  ok "infer --chip 'a100, h100 ' compares the chips a100,h100 compares"
else
  not_ok "infer --chip 'a100, h100 ' compares the chips a100,h100 compares" "exit $RC" "${ERR:0:300}"
fi
# The price footnote only where a row has no price: none of these three has a catalog price;
# with --chip-hour-usd every row has one.
run infer --model llama-3-8b --chip a100,h100,h800 --compare
no_price=$OUT
run infer --model llama-3-8b --chip a100,h100,h800 --compare --chip-hour-usd 2
if grep -q 'needs a price' <<<"$no_price" && ! grep -q 'needs a price' <<<"$OUT" && [ "$RC" -eq 0 ]; then
  ok "infer --compare says a price is missing only when one is"
else
  not_ok "infer --compare says a price is missing only when one is" "exit $RC" "${OUT:0:400}"
fi
mkdir -p "$TMP/capcat"
cat >"$TMP/capcat/systems.yaml" <<'EOF'
systems:
  - id: hot-hall
    name: A100 hall with a wrong cap
    chip: a100
    chips_per_node: 8
    power_cap_w: 420
    scale_up: {domain_chips: 8, bandwidth_gb_s: 300, latency_us: 3, efficiency: 0.8}
    scale_out: {bandwidth_gb_s: 25, latency_us: 10, efficiency: 0.8}
EOF
expect_bad "--catalog system capped above its chip's TDP" "systems\.yaml:2.*power_cap_w" \
  train --model llama-3-8b --chip a100 --count 64 --tokens 1e12 --catalog "$TMP/capcat"

# A system capped at 300 W keeps its cap under a looser flag; a tighter flag wins.
mkdir -p "$TMP/hallcat"
cat >"$TMP/hallcat/systems.yaml" <<'EOF'
systems:
  - id: hall-h100
    name: H100 hall capped at 300 W
    chip: h100
    chips_per_node: 8
    power_cap_w: 300
    scale_up: {domain_chips: 8, bandwidth_gb_s: 450, latency_us: 3, efficiency: 0.8}
    scale_out: {bandwidth_gb_s: 50, latency_us: 8, efficiency: 0.8}
EOF
caps=""
for flag in 500 250; do
  run train --model llama-3-8b --chip h100 --count 64 --tokens 1e12 --catalog "$TMP/hallcat" \
    --system hall-h100 --power-cap-w $flag --json
  caps="$caps $(python3 -c 'import json,sys; print("%g" % json.load(open(sys.argv[1]))["power_cap_w"])' "$TMP/stdout" 2>/dev/null)"
done
if [ "$caps" = " 300 250" ]; then
  ok "the tighter of a system's cap and --power-cap-w holds"
else
  not_ok "the tighter of a system's cap and --power-cap-w holds" "got:$caps"
fi

# A 350 W cap on a 400 W A100: the compute clock falls to
# ((350 - 80) / (400 - 80))^(1 / 2.5) = 0.9343 (static share 0.2, exponent 2.5).
run train --model llama-2-13b --chip a100 --count 64 --tokens 1e12 --power-cap-w 350 --json
if [ "$RC" -eq 0 ] && python3 - "$TMP/stdout" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
caveat = [c for c in d["caveats"] if c["field"] == "power_cap_w"]
sys.exit(0 if d["power_cap_w"] == 350 and abs(d["clock_fraction"] - 0.9343) < 1e-4 and
         caveat and caveat[0]["confidence"] == "estimate" else 1)
EOF
then
  ok "train --power-cap-w 350 reports the cap, a 0.9343 clock and an estimate caveat"
else
  not_ok "train --power-cap-w 350 reports the cap, a 0.9343 clock and an estimate caveat" "exit $RC" "${OUT:0:300}"
fi

# Llama 3.1 405B on 8 H100: weights, gradients and Adam state alone are
# 405e9 x (2 + 4 + 12) B = 7.29 TB, at best 911 GB = 849 GiB per chip when
# split 8 ways, against 80 GB: at least 769 GiB short.
expect_bad "405B on 8 H100 does not fit and says how much is missing" \
  "[0-9]+(\.[0-9]+)? GiB (too much|missing|short|over)" \
  train --model llama-3-405b --chip h100 --count 8 --tokens 1e12
short=$(grep -oE '[0-9]+(\.[0-9]+)? GiB (too much|missing|short|over)' <<<"$ERR" | head -1 |
  grep -oE '^[0-9]+(\.[0-9]+)?')
if [ -n "$short" ] && python3 -c "import sys; sys.exit(0 if float('$short') >= 769 else 1)"; then
  ok "405B on 8 H100 is at least 769 GiB short"
else
  not_ok "405B on 8 H100 is at least 769 GiB short" "reported: '${short}'" "stderr: ${ERR:0:400}"
fi

# Llama 3 405B as its paper writes the run (section 3.3): "16K H100", tp 8 x pp 16 x dp 128 =
# 16,384. A job's --count reads K as 1024, as clusters are written; 16,000 chips would refuse the
# published layout (dp 128 against 16,000 / 128 = 125).
run train --model llama-3-405b --chip h100 --count 16k --tp 8 --pp 16 --dp 128 --tokens 15.6T --json
if [ "$RC" -eq 0 ] && python3 - "$OUT" <<'EOF'
import json, sys
j = json.loads(sys.argv[1])
sys.exit(0 if j["chips"] == 16384 and j["parallel"]["dp"] == 128 else 1)
EOF
then
  ok "train --count 16k is Llama 3's 16,384 H100 and takes its published tp 8 pp 16 dp 128"
else
  not_ok "train --count 16k is Llama 3's 16,384 H100 and takes its published tp 8 pp 16 dp 128" \
    "exit $RC" "${ERR:0:300}" "${OUT:0:300}"
fi

# A bad command must not clobber an existing output file either.
echo "previous" >"$TMP/keep.json"
run train --model llama-3-8c --chip h100 --count 64 --tokens 1e12 -o "$TMP/keep.json"
if [ "$RC" -eq 2 ] && [ "$(cat "$TMP/keep.json")" = "previous" ] && [ ! -e "$TMP/keep.json.tmp" ]; then
  ok "bad input leaves an existing -o file untouched"
else
  not_ok "bad input leaves an existing -o file untouched" "exit $RC"
fi

# --- infer: the request-level simulator's inputs ------------------------------
# A trace replayed at its own times: the answer's line says so (audit round 12: it said "all
# requests at once", the wording of an offline run, for 4 requests arriving over 1.2 s).
printf 'arrival_s,input_tokens,output_tokens\n0,512,128\n0.5,2048,256\n1.0,1000,1000\n1.2,300,50\n' \
  >"$TMP/times.csv"
run infer --model llama-3.1-8b --chip h100 --requests-trace "$TMP/times.csv"
if [ "$RC" -eq 0 ] && grep -q "answer (simulated server): [0-9]* output tokens/s per chip, the trace's 4 requests at its arrival times" <<<"$OUT" &&
  ! grep -q "all requests at once" <<<"$OUT"; then
  ok "infer --requests-trace: the answer says the trace's requests ran at its arrival times"
else
  not_ok "infer --requests-trace: the answer says the trace's requests ran at its arrival times" \
    "exit $RC" "$(grep answer <<<"$OUT")" "${ERR:0:300}"
fi
# The steady state beside the replay is for the trace's requests: its mean lengths where none are
# given (by hand: (512 + 2048 + 1000 + 300) / 4 = 965 in, (128 + 256 + 1000 + 50) / 4 = 358.5 out),
# not 1,024 / 256; lengths given win.
run infer --model llama-3.1-8b --chip h100 --requests-trace "$TMP/times.csv" --json
if [ "$RC" -eq 0 ] && python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if (d["input_tokens"], d["output_tokens"]) == (965, 358.5) else 1)' "$OUT"; then
  ok "infer --requests-trace: the analytic lengths are the trace's means"
else
  not_ok "infer --requests-trace: the analytic lengths are the trace's means" "exit $RC" "${OUT:0:300}"
fi
run infer --model llama-3.1-8b --chip h100 --requests-trace "$TMP/times.csv" --input-tokens 2k --json
if [ "$RC" -eq 0 ] && python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if (d["input_tokens"], d["output_tokens"]) == (2048, 358.5) else 1)' "$OUT"; then
  ok "infer --requests-trace --input-tokens 2k: the length given wins"
else
  not_ok "infer --requests-trace --input-tokens 2k: the length given wins" "exit $RC" "${OUT:0:300}"
fi
# Mooncake's prefix blocks through the bounded cache: two 1,024-token prompts of the same two
# 512-token blocks, 10 s apart. By hand: the second finds both resident (an H100 holds far more) and
# computes only its last 16-token engine block (a hit is at most 1,023 tokens, in whole blocks:
# 63 x 16 = 1,008): 1,008 / 2,048 = 0.4922 of prompt tokens, as an unbounded cache;
# --no-prefix-cache: none.
printf '{"timestamp": 0, "input_length": 1024, "output_length": 8, "hash_ids": [7, 8]}\n{"timestamp": 10000, "input_length": 1024, "output_length": 8, "hash_ids": [7, 8]}\n' \
  >"$TMP/blocks.jsonl"
run infer --model llama-3.1-8b --chip h100 --requests-trace "$TMP/blocks.jsonl" --json
if [ "$RC" -eq 0 ] && python3 -c 'import json,sys; s=json.loads(sys.argv[1])["simulation"]; sys.exit(0 if (s["prefix_hit"], s["prefix_hit_unbounded"], s["prefix_hit_host"]) == (0.4922, 0.4922, 0) else 1)' "$OUT"; then
  ok "infer --requests-trace: a trace's prefix blocks hit while resident"
else
  not_ok "infer --requests-trace: a trace's prefix blocks hit while resident" "exit $RC" "${OUT:0:300}"
fi
run infer --model llama-3.1-8b --chip h100 --requests-trace "$TMP/blocks.jsonl" --no-prefix-cache --json
if [ "$RC" -eq 0 ] && python3 -c 'import json,sys; s=json.loads(sys.argv[1])["simulation"]; sys.exit(0 if (s["prefix_hit"], s["prefix_hit_unbounded"]) == (0, 0) else 1)' "$OUT"; then
  ok "infer --requests-trace --no-prefix-cache: no prefix hits"
else
  not_ok "infer --requests-trace --no-prefix-cache: no prefix hits" "exit $RC" "${OUT:0:300}"
fi
# --prefix-cache unbounded: every block an earlier request carried hits (the same 1,008 / 2,048
# here, where the bounded cache holds both blocks too), said in the answer.
run infer --model llama-3.1-8b --chip h100 --requests-trace "$TMP/blocks.jsonl" --prefix-cache unbounded --json
if [ "$RC" -eq 0 ] && python3 -c 'import json,sys; s=json.loads(sys.argv[1])["simulation"]; sys.exit(0 if (s["prefix_cache"], s["prefix_hit"], s["prefix_hit_unbounded"]) == ("unbounded", 0.4922, 0.4922) else 1)' "$OUT"; then
  ok "infer --requests-trace --prefix-cache unbounded"
else
  not_ok "infer --requests-trace --prefix-cache unbounded" "exit $RC" "${OUT:0:300}"
fi
# The engine's KV page sets the hit's granularity: the second prompt looks up at most 1,023 tokens;
# SGLang's page of 1 (--page-size default, S4981) hits all 1,023 (0.4995), TensorRT-LLM's 32-token
# blocks (tokens_per_block, S4982) 31 x 32 = 992 (0.4844), as does vLLM with a pasted
# --block-size 32; --page-size 1 on vLLM 1,023 again.
for args in "sglang:0.4995:--engine sglang" "trtllm:0.4844:--engine trtllm" \
  "vllm --block-size 32:0.4844:--block-size 32" "vllm --page-size 1:0.4995:--page-size 1"; do
  name=${args%%:*}; rest=${args#*:}; want=${rest%%:*}; flags=${rest#*:}
  # shellcheck disable=SC2086
  run infer --model llama-3.1-8b --chip h100 --requests-trace "$TMP/blocks.jsonl" $flags --json
  if [ "$RC" -eq 0 ] && python3 -c 'import json,sys; s=json.loads(sys.argv[1])["simulation"]; sys.exit(0 if s["prefix_hit"] == float(sys.argv[2]) else 1)' "$OUT" "$want"; then
    ok "infer --requests-trace: $name pages the prefix hit"
  else
    not_ok "infer --requests-trace: $name pages the prefix hit" "exit $RC" "${OUT:0:300}" "${ERR:0:300}"
  fi
done
# A pasted `vllm serve` line's --block-size 32 is read into the simulator: 992 / 2,048.
run infer --chip h100 --requests-trace "$TMP/blocks.jsonl" --json vllm serve meta-llama/Llama-3.1-8B --block-size 32
if [ "$RC" -eq 0 ] && python3 -c 'import json,sys; s=json.loads(sys.argv[1])["simulation"]; sys.exit(0 if s["prefix_hit"] == 0.4844 else 1)' "$OUT"; then
  ok "infer --requests-trace: a pasted vllm serve --block-size pages the prefix hit"
else
  not_ok "infer --requests-trace: a pasted vllm serve --block-size pages the prefix hit" "exit $RC" "${OUT:0:300}" "${ERR:0:300}"
fi
expect_bad "--block-size 0" "block-size.*from 1 to 4,096" \
  infer --model llama-3.1-8b --chip h100 --requests-trace "$TMP/blocks.jsonl" --block-size 0
printf '{"timestamp": 0, "input_length": 1024, "output_length": 8, "hash_ids": [7, 8], "prefix_id": "s", "prefix_tokens": 512}\n' \
  >"$TMP/both.jsonl"
expect_bad "a trace line with hash_ids and prefix_id" \
  "both.jsonl:1: prefix_id: the line also gives hash_ids" \
  infer --model llama-3.1-8b --chip h100 --requests-trace "$TMP/both.jsonl"
# A Mooncake trace of 16-token blocks: two 40-token prompts of ceil(40 / 16) = 3 ids, the second
# sharing 2 blocks (32 tokens, two whole engine blocks): 32 / 80 = 0.4. At the default 512 the 3 ids
# are more than 40 tokens fill, and the message names --trace-block-size.
printf '{"timestamp": 0, "input_length": 40, "output_length": 8, "hash_ids": [1, 2, 3]}\n{"timestamp": 10000, "input_length": 40, "output_length": 8, "hash_ids": [1, 2, 9]}\n' \
  >"$TMP/blocks16.jsonl"
run infer --model llama-3.1-8b --chip h100 --requests-trace "$TMP/blocks16.jsonl" --trace-block-size 16 --json
if [ "$RC" -eq 0 ] && python3 -c 'import json,sys; s=json.loads(sys.argv[1])["simulation"]; sys.exit(0 if s["prefix_hit"] == 0.4 else 1)' "$OUT"; then
  ok "infer --requests-trace --trace-block-size 16 reads 16-token blocks"
else
  not_ok "infer --requests-trace --trace-block-size 16 reads 16-token blocks" "exit $RC" "${OUT:0:300}" "${ERR:0:300}"
fi
expect_bad "a Mooncake trace of smaller blocks names --trace-block-size" \
  "blocks16.jsonl:1: hash_ids: 3 block ids.*--trace-block-size N" \
  infer --model llama-3.1-8b --chip h100 --requests-trace "$TMP/blocks16.jsonl"
expect_bad "--trace-block-size without a trace" "trace-block-size.*requests-trace" \
  infer --model llama-3.1-8b --chip h100 --trace-block-size 16
expect_bad "--trace-block-size 0" "trace-block-size.*from 1 to 65,536" \
  infer --model llama-3.1-8b --chip h100 --requests-trace "$TMP/blocks16.jsonl" --trace-block-size 0
printf 'arrival_s,input_tokens,output_tokens\n0,100,10\n' >"$TMP/plain.csv"
expect_bad "--trace-block-size on a trace without hash_ids" "plain.csv: no line names hash_ids" \
  infer --model llama-3.1-8b --chip h100 --requests-trace "$TMP/plain.csv" --trace-block-size 16
expect_bad "--prefix-cache of another kind" "prefix-cache.*lru or unbounded" \
  infer --model llama-3.1-8b --chip h100 --requests-trace "$TMP/blocks.jsonl" --prefix-cache lfu
expect_bad "--prefix-cache without a trace" "prefix-cache.*requests-trace" \
  infer --model llama-3.1-8b --chip h100 --prefix-cache unbounded
expect_bad "--prefix-cache with --no-prefix-cache" "prefix-cache.*no-prefix-cache" \
  infer --model llama-3.1-8b --chip h100 --requests-trace "$TMP/blocks.jsonl" --prefix-cache unbounded --no-prefix-cache
printf 'arrival_s,input_tokens,output_tokens\n0,100,10\n0.5,-3,10\n' >"$TMP/neg.csv"
expect_bad "infer --requests-trace with a negative length" "neg.csv:3: input_tokens" \
  infer --model llama-3.1-8b --chip h100 --requests-trace "$TMP/neg.csv"
# Audit round 14: a name given twice was read as its last value, silently (a CSV column, a JSON
# Lines key, a replay trace's column); a JSON Lines trace saved with a byte-order mark was read as
# CSV ("the header has no column 'arrival_s'"); a JSON array is not JSON Lines.
printf 'arrival_s,input_tokens,output_tokens,input_tokens\n0,1000,200,5\n' >"$TMP/twice.csv"
expect_bad "infer --requests-trace naming a column twice" "twice.csv:1: input_tokens: column named twice" \
  infer --model llama-3.1-8b --chip h100 --requests-trace "$TMP/twice.csv"
printf '{"arrival_s": 0, "input_tokens": 1000, "output_tokens": 200, "input_tokens": 5}\n' \
  >"$TMP/twice.jsonl"
expect_bad "infer --requests-trace naming a JSON key twice" "twice.jsonl:1: input_tokens: .*twice" \
  infer --model llama-3.1-8b --chip h100 --requests-trace "$TMP/twice.jsonl"
printf '[{"arrival_s": 0, "input_tokens": 1000, "output_tokens": 200}]\n' >"$TMP/array.json"
# A number no double holds names its line, field and column, and why (audit round 15: "not a JSON
# object"); a NUL byte in a CSV header names the file and line (the row reader's error lost them).
printf '{"arrival_s": 0, "input_tokens": 100, "output_tokens": 10}\n{"arrival_s": 1, "input_tokens": 1e400, "output_tokens": 10}\n' >"$TMP/huge.jsonl"
expect_bad "infer --requests-trace with 1e400 names the line, field and overflow" \
  "huge\.jsonl:2: input_tokens: not valid JSON at column 34: the number 1e400 is beyond what a double holds" \
  infer --model llama-3.1-8b --chip h100 --requests-trace "$TMP/huge.jsonl"
printf 'arrival_s,input\0tokens,output_tokens\n0,100,10\n' >"$TMP/nul.csv"
expect_bad "infer --requests-trace with a NUL byte names file:line" \
  "--requests-trace: .*nul\.csv:1: not a text file: it holds a NUL byte" \
  infer --model llama-3.1-8b --chip h100 --requests-trace "$TMP/nul.csv"
expect_bad "infer --requests-trace as a JSON array" "array.json:1: a JSON array.*JSON Lines" \
  infer --model llama-3.1-8b --chip h100 --requests-trace "$TMP/array.json"
printf '\xef\xbb\xbf{"arrival_s": 0, "input_tokens": 1000, "output_tokens": 200}\n' >"$TMP/bom.jsonl"
printf 'arrival_s,input_tokens,output_tokens\n0,1000,200\n' >"$TMP/bom_same.csv"
run infer --model llama-3.1-8b --chip h100 --requests-trace "$TMP/bom.jsonl" --json
bom_out=$OUT bom_rc=$RC
run infer --model llama-3.1-8b --chip h100 --requests-trace "$TMP/bom_same.csv" --json
if [ "$bom_rc" -eq 0 ] && [ "$RC" -eq 0 ] &&
  [ "$(sed 's/bom\.jsonl/FILE/' <<<"$bom_out")" = "$(sed 's/bom_same\.csv/FILE/' <<<"$OUT")" ]; then
  ok "infer --requests-trace: JSON Lines after a byte-order mark is the same trace"
else
  not_ok "infer --requests-trace: JSON Lines after a byte-order mark is the same trace" \
    "rc $bom_rc / $RC" "${ERR:0:300}"
fi
printf 'id,arrival_s,num_gpus,duration_s,duration_s\n1,0,1,100,5\n' >"$TMP/twice_jobs.csv"
expect_bad "replay trace naming a column twice" "twice_jobs.csv:1: duration_s: column named twice" \
  replay --trace "$TMP/twice_jobs.csv" --cluster h100:8
printf '{"zero_optimization": {"stage": 2}, "zero_optimization": {"stage": 3}}\n' >"$TMP/ds_twice.json"
expect_bad "train --deepspeed-config naming a key twice (DeepSpeed refuses it)" \
  "ds_twice.json:1: zero_optimization: named twice" \
  train --model llama-3.1-8b --chip h100 --count 8 --tokens 1B --deepspeed-config "$TMP/ds_twice.json"
printf '{"zero_optimization": {"stage": 2,}}\n' >"$TMP/ds_comma.json"
expect_bad "train --deepspeed-config with a trailing comma says where" \
  "ds_comma.json:1: deepspeed_config: .*column 35.*comma before a closing bracket" \
  train --model llama-3.1-8b --chip h100 --count 8 --tokens 1B --deepspeed-config "$TMP/ds_comma.json"
# ZeRO-3 with the optimizer and weights offloaded to the CPU (405B on one 8-GPU node, ZeRO-Infinity
# style): the optimizer's offload is priced on the DGX H100 host, the weights' is not, and 101 GB
# of bf16 weights a GPU do not fit in 80: the refusal says the weights' offload is not priced.
printf '{"zero_optimization": {"stage": 3, "offload_optimizer": {"device": "cpu"}, "offload_param": {"device": "cpu"}}}\n' \
  >"$TMP/ds_offload.json"
expect_bad "train with DeepSpeed offload that does not fit says the offload is not modelled" \
  "zero_optimization.offload_param \(host memory\) is not modelled" \
  train --model llama-3.1-405b --chip h100 --count 8 --tokens 1B --deepspeed-config "$TMP/ds_offload.json"
printf 'arrival_s,input_tokens,output_tokens\n1,100,10\n0.5,100,10\n' >"$TMP/order.csv"
expect_bad "infer --requests-trace out of arrival order" "order.csv:3: arrival_s" \
  infer --model llama-3.1-8b --chip h100 --requests-trace "$TMP/order.csv"
printf 'arrival_s,input_tokens,output_tokens\n0,100,10\n30m,100,10\n' >"$TMP/unit.csv"
expect_bad "infer --requests-trace refuses a time with a unit at file:line" "unit.csv:3: arrival_s: '30m'" \
  infer --model llama-3.1-8b --chip h100 --requests-trace "$TMP/unit.csv"
printf '{"arrival_s": 0, "input_tokens": 200000, "output_tokens": 10}\n' >"$TMP/long.jsonl"
expect_bad "infer --requests-trace with a prompt beyond the context" \
  "long.jsonl:1: input_tokens.*context of 131072" \
  infer --model llama-3.1-8b --chip h100 --requests-trace "$TMP/long.jsonl"
expect_bad "infer --max-num-seqs 0" "max-num-seqs.*between 1" \
  infer --model llama-3.1-8b --chip h100 --max-num-seqs 0
expect_bad "infer --max-num-seqs-per-rank -1" "max-num-seqs-per-rank.*between 1" \
  infer --model llama-3.1-8b --chip h100 --max-num-seqs-per-rank -1
expect_bad "infer --max-num-seqs-per-rank beside --max-num-seqs" \
  "max-num-seqs-per-rank: give it or max_num_seqs, not both" \
  infer --model llama-3.1-8b --chip h100 --max-num-seqs-per-rank 8 --max-num-seqs 8
expect_bad "infer --adp-balance-timeout-iters -1" "adp-balance-timeout-iters.*from 0 to 100,000" \
  infer --model deepseek-r1 --chip b200 --count 8 --dp 8 --ep 8 --adp-balance-timeout-iters -1
expect_bad "infer --adp-balance-wait-iters 1000000" "adp-balance-wait-iters.*from 0 to 100,000" \
  infer --model deepseek-r1 --chip b200 --count 8 --dp 8 --ep 8 --adp-balance-wait-iters 1000000
expect_bad "infer --adp-balance-timeout-iters with one group" \
  "adp-balance-timeout-iters.*attention data parallel.*dp 1" \
  infer --model llama-3.1-8b --chip h100 --mode server --adp-balance-timeout-iters 9
expect_bad "infer --emit unknown engine" "--emit.*unknown engine 'tgi'.*vllm, sglang, trtllm or mindie" \
  infer --model llama-3.1-8b --chip h100 --emit tgi
expect_bad "infer --emit mindie on a GPU" "--emit.*h100 is hopper" \
  infer --model llama-3.1-8b --chip h100 --emit mindie
expect_bad "infer --engine trtllm on an AMD GPU" "--engine: TensorRT-LLM.*runs on chip families.*mi300x is cdna3" \
  infer --model llama-3.1-8b --chip mi300x --engine trtllm
expect_bad "infer --emit with --compare" "--emit.*not with compare" \
  infer --model llama-3.1-8b --chip h100,h20 --compare --emit vllm
mkdir -p "$TMP/badattn"
cat >"$TMP/badattn/models.yaml" <<'YAML'
models:
  - id: bad-attn
    name: Bad attention
    layers: 8
    hidden: 1024
    heads: 8
    kv_heads: 8
    ffn_hidden: 4096
    mlp: swiglu
    attention: gqa
    vocab: 32000
    max_seq_len: 4096
    sparse_attention: {top_k: 2048, indexer_heads: 8, indexer_head_dim: 64}
    linear_attention: {full_attention_every: 4, block_size: 256}
YAML
expect_bad "catalog model with both sparse and linear attention" \
  "linear_attention.*sparse_attention or linear_attention, not both" \
  infer --model bad-attn --chip h100 --catalog "$TMP/badattn"
mkdir -p "$TMP/badswa"
cat >"$TMP/badswa/models.yaml" <<'YAML'
models:
  - id: bad-swa
    name: Bad sliding window
    layers: 8
    hidden: 1024
    heads: 8
    kv_heads: 8
    ffn_hidden: 4096
    mlp: swiglu
    attention: gqa
    vocab: 32000
    max_seq_len: 4096
    linear_attention: {full_attention_every: 4, block_size: 256}
    sliding_window: {window: 128, full_attention_every: 2}
YAML
expect_bad "catalog model with both linear attention and a sliding window" \
  "sliding_window.*one of sparse_attention, linear_attention and sliding_window" \
  infer --model bad-swa --chip h100 --catalog "$TMP/badswa"
sed -i 's/    linear_attention: .*/    sliding_window: {window: 0, full_attention_every: 2}/; /^    sliding_window: {window: 128/d' "$TMP/badswa/models.yaml"
expect_bad "catalog model with a zero sliding window" "sliding_window.window" \
  infer --model bad-swa --chip h100 --catalog "$TMP/badswa"
sed -i 's/    sliding_window: .*/    linear_attention: {kind: mamba, full_attention_every: 4, block_size: 64}/' "$TMP/badswa/models.yaml"
expect_bad "catalog model with an unknown linear attention kind" \
  "linear_attention.kind.*lightning or gated_deltanet" \
  infer --model bad-swa --chip h100 --catalog "$TMP/badswa"
sed -i 's/kind: mamba, /key_heads: 16, /' "$TMP/badswa/models.yaml"
expect_bad "catalog model with lightning attention given its own widths" \
  "linear_attention.key_heads.*only a gated_deltanet layer" \
  infer --model bad-swa --chip h100 --catalog "$TMP/badswa"
expect_bad "infer --mtp-acceptance outside [0, 1]" "mtp-acceptance.*\[0, 1\]" \
  infer --model deepseek-v3 --chip h800 --dtype fp8 --mtp 1 --mtp-acceptance 1.5
# vLLM's graph modes are NONE, PIECEWISE, FULL_AND_PIECEWISE, FULL and FULL_DECODE_ONLY (S3521).
expect_bad "infer --cudagraph-mode unknown" "cudagraph.mode.*FULL_DECODE_ONLY" \
  infer --model qwen3-8b --chip ascend-910b --mode analytic --cudagraph-mode halfway
# SGLang's EAGLE-3 example for Llama 3.1 8B as its documentation types it (the head's checkpoint,
# --mem-fraction for --mem-fraction-static): no published acceptance for the pair, so EAGLE's own
# 0.79 a position (S2820), said with the answer; a depth-5 chain then makes
# 1 + 0.79 + ... + 0.79^5 = (1 - 0.79^6) / 0.21 = 3.604 tokens a verify step.
run infer --chip h100 --count 1 --mode analytic --json --engine cuda-graphs \
  --model-path meta-llama/Llama-3.1-8B-Instruct --speculative-algorithm EAGLE3 --speculative-draft-model-path jamesliu1/sglang-EAGLE3-Llama-3.1-Instruct-8B \
  --speculative-num-steps 5 --speculative-eagle-topk 8 --speculative-num-draft-tokens 32 \
  --mem-fraction 0.6 --cuda-graph-max-bs 2 --dtype float16
if [ "$RC" -eq 0 ] && python3 - "$OUT" <<'EOF'; then
import json, sys
d = json.loads(sys.argv[1])
assert d["mtp"] == 5 and d["mtp_acceptance"] == 0.79 and d["draft_model"] is None, d
assert "S2820" in d["mtp_acceptance_basis"], d["mtp_acceptance_basis"]
assert abs(d["tokens_per_decode_step"] - (1 - 0.79 ** 6) / 0.21) < 1e-3, d["tokens_per_decode_step"]
assert d["flags_not_modelled"] == ["--cuda-graph-max-bs"], d["flags_not_modelled"]
EOF
  ok "infer takes SGLang's EAGLE-3 example and says the acceptance it assumed"
else
  not_ok "infer takes SGLang's EAGLE-3 example and says the acceptance it assumed" "exit $RC" \
    "stderr: ${ERR:0:300}"
fi
run infer --model deepseek-r1 --chip h200 --count 8 --mode analytic --json --mtp 1
if [ "$RC" -eq 0 ] && python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["mtp_acceptance"] == 0.85 and "mtp_acceptance_basis" not in d' <<<"$OUT"; then
  ok "a model's published MTP acceptance is used as it is"
else
  not_ok "a model's published MTP acceptance is used as it is" "exit $RC" "stdout: ${OUT:0:300}"
fi
expect_bad "SGLang's draft head without the algorithm" "speculative-algorithm" \
  infer --model llama-3.1-8b --chip h100 --speculative-draft-model-path some/head
expect_bad "infer --draft-model with another tokenizer" "draft-model.*same tokenizer" \
  infer --model llama-3.1-70b --chip h100 --draft-model deepseek-v3 --mtp 2 --mtp-acceptance 0.6
expect_bad "infer --draft-model without --mtp" "draft-model.*needs --mtp" \
  infer --model llama-3.1-70b --chip h100 --draft-model llama-3.1-8b
expect_bad "infer --count 0 is no chips, not 'no limit'" "count: must be at least 1 chip" \
  infer --model llama-3.1-8b --chip h100 --mode analytic --count 0
expect_bad "train --count 0 is no chips, as infer says, not 'is required'" \
  "^suanli: error: --count: must be at least 1 chip$" \
  train --model llama-3.1-8b --chip h100 --tokens 1T --count 0
expect_bad "vllm serve --config of a missing file names --config, the flag typed" \
  "^suanli: error: --config: .*no-such-config.yaml: cannot read file" \
  infer --chip h100 --mode analytic vllm serve --config "$TMP/no-such-config.yaml"
# Its own flag, not the alias --config, and as typed (session 40 round 2: it said the hyphenated
# --extra-llm-api-options the user never typed).
expect_bad "trtllm-serve's file keeps its own flag's name, as typed" \
  "^suanli: error: --extra_llm_api_options: .*no-such-options.yaml: cannot read file" \
  infer --chip h100 --mode analytic trtllm-serve Qwen/Qwen3-32B \
  --extra_llm_api_options "$TMP/no-such-options.yaml"
expect_bad "infer --input-tokens 0 names the flag" "^suanli: error: --input-tokens: must be between 1" \
  infer --model llama-3.1-8b --chip h100 --mode analytic --input-tokens 0
expect_bad "a misspelt command names the nearest" "unknown command 'trian'.*did you mean train" trian
expect_bad "compare points at infer --compare" "unknown command 'compare'.*infer --compare" \
  compare --chip h100,h200 --model llama-3.1-8b
expect_bad "plan points at forecast" "unknown command 'plan'.*forecast" plan --model llama-3.1-70b
# Help asked of a word that is no command: the slip is named, not the top-level help with exit 0.
expect_bad "plan --help points at forecast" "unknown command 'plan'.*forecast" plan --help
expect_bad "a misspelt command with --help names the nearest" "unknown command 'trian'.*did you mean train" trian --help
expect_bad "a flag the command lacks names the nearest" \
  "unknown flag '--tensor-model-parallel-size' for infer; nearest: --tensor-parallel-size" \
  infer --model llama-3.1-8b --chip h100 --tensor-model-parallel-size 2
# `--lora` as a switch is LLaMA-Factory's --finetuning_type lora: named first (audit round 12: only
# --lora-alpha, --lora-dim or --lora-dropout were offered).
expect_bad "train --lora points at --finetuning-type lora first" \
  "unknown flag '--lora' for train; nearest: --finetuning-type lora, --lora-" \
  train --model llama-3-8b --chip h100 --count 8 --tokens 1e9 --lora
# Only the flags that ask for it (audit round 13: --qlora also offered --load and --lr, launch
# flags of no effect, by spelling).
expect_bad "train --lora names only what asks for LoRA" \
  "nearest: --finetuning-type lora, --lora-rank or --lora-target\$" \
  train --model llama-3-8b --chip h100 --count 8 --tokens 1e9 --lora
expect_bad "train --qlora names --finetuning-type qlora and --quantization-bit 4 only" \
  "nearest: --finetuning-type qlora or --quantization-bit 4\$" \
  train --model llama-3-8b --chip h100 --count 8 --tokens 1e9 --qlora
expect_bad "simulate without a cluster says it is required" "cluster: is required" \
  simulate --model llama-3.1-8b --tokens 1T
# vLLM's and Megatron-LM's flag names are the same fields.
run infer --model llama-3-70b --chip h100 --mode analytic --json --tp 8 --kv-memory-fraction 0.85
short=$OUT
run infer --model llama-3-70b --chip h100 --mode analytic --json --tensor-parallel-size 8 \
  --gpu-memory-utilization 0.85
if [ "$RC" -eq 0 ] && [ -n "$short" ] && [ "$OUT" = "$short" ]; then
  ok "infer --tensor-parallel-size / --gpu-memory-utilization as vLLM spells them"
else
  not_ok "infer --tensor-parallel-size / --gpu-memory-utilization as vLLM spells them" "rc $RC" \
    "${ERR:0:200}"
fi
run train --model llama-3-70b --chip h800 --count 1024 --tokens 1T --json --tp 4 --pp 4
short=$OUT
run train --model llama-3-70b --chip h800 --count 1024 --tokens 1T --json \
  --tensor-model-parallel-size 4 --pipeline-model-parallel-size 4
if [ "$RC" -eq 0 ] && [ -n "$short" ] && [ "$OUT" = "$short" ]; then
  ok "train --tensor-model-parallel-size / --pipeline-model-parallel-size as Megatron spells them"
else
  not_ok "train --tensor-model-parallel-size as Megatron spells it" "rc $RC" "${ERR:0:200}"
fi
expect_bad "infer --qps in offline mode" "qps.*offline" \
  infer --model llama-3.1-8b --chip h100 --mode offline --qps 5
expect_bad "infer --qps with mode analytic" "qps.*analytic" \
  infer --model llama-3.1-8b --chip h100 --mode analytic --qps 5
expect_bad "infer --duration-s without --qps" "duration-s.*needs --qps" \
  infer --model llama-3.1-8b --chip h100 --duration-s 60
expect_bad "infer --qps x --duration-s beyond 10M requests" "qps.*10,000,000" \
  infer --model llama-3.1-8b --chip h100 --qps 1e5 --duration-s 1000
expect_bad "infer --input-dist unknown" "input-dist.*unknown length distribution" \
  infer --model llama-3.1-8b --chip h100 --input-dist normal
expect_bad "infer --mode unknown" "mode.*offline, server, interactive or analytic" \
  infer --model llama-3.1-8b --chip h100 --mode batch
expect_bad "infer --burstiness without gamma arrivals" "burstiness.*gamma" \
  infer --model llama-3.1-8b --chip h100 --burstiness 3
expect_bad "infer --dtype whose peak the catalog lacks (simulated mode)" "peak_tflops.int8 is unknown" \
  infer --model llama-3.1-8b --chip ascend-950pr --dtype int8 --mode offline
expect_bad "infer --concurrency 0" "concurrency.*from 1" \
  infer --model llama-3.1-8b --chip h100 --concurrency 0
expect_bad "infer --concurrency in offline mode" "concurrency.*offline" \
  infer --model llama-3.1-8b --chip h100 --mode offline --concurrency 8
expect_bad "infer --concurrency with --qps" "concurrency.*qps" \
  infer --model llama-3.1-8b --chip h100 --qps 2 --concurrency 8

# A closed loop of clients as vLLM's benchmark runs one (--max-concurrency): never more than 16
# requests in flight, all of them nearly all the time, and the analytic batch bounded alike.
run infer --model llama-3.1-8b --chip h100 --count 1 --max-concurrency 16 --input-tokens 1000 \
  --output-tokens 1000 --json
loop_problem=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
s = d["simulation"]
if s["concurrency"] != 16 or s["max_running_seqs"] != 16 or s["mean_running_seqs"] < 15:
    print("in flight", s["concurrency"], s["max_running_seqs"], s["mean_running_seqs"])
if d["max_batch"] > 16 or s["requests_completed"] != s["requests"]:
    print("batch", d["max_batch"], s["requests_completed"], s["requests"])
' "$TMP/stdout" 2>&1)
if [ "$RC" -eq 0 ] && [ -z "$loop_problem" ]; then
  ok "infer --max-concurrency: a closed loop of 16 clients"
else
  not_ok "infer --max-concurrency: a closed loop of 16 clients" "exit $RC" "$loop_problem" \
    "stderr: ${ERR:0:300}"
fi

# The clients are the deployment's: 8 in flight on 8 chips at tp 4 are 4 on each of 2 instances.
run infer --model llama-3.1-8b --chip h100 --count 8 --tp 4 --concurrency 8 --input-tokens 1000 \
  --output-tokens 200
if [ "$RC" -eq 0 ] && grep -q "8 requests in flight over 2 instances (a closed loop; 4 on each)" \
  "$TMP/stdout" && grep -q "4 of the 8 clients allow 4" "$TMP/stdout"; then
  ok "infer --count 8 --tp 4 --concurrency 8: 4 clients an instance"
else
  not_ok "infer --count 8 --tp 4 --concurrency 8: 4 clients an instance" "exit $RC" "${OUT:0:600}" \
    "stderr: ${ERR:0:300}"
fi

# The simulation's JSON: percentiles ordered, the rate search's answer within its SLO.
run infer --model llama-3.1-8b --chip h100 --engine vllm --ttft-ms 1000 --tpot-ms 50 --json
sim_problems=$(python3 - "$TMP/stdout" <<'EOF' 2>&1
import json, sys
top = json.load(open(sys.argv[1]))
d = top["simulation"]
# The answer a reader takes is the simulation's figure, the analytic one stays at the top level.
if top["answer"] != {"from": "simulation", "output_tokens_per_s_per_chip": d["output_tokens_per_s_per_chip"]}:
    print("answer", top["answer"])
for k in ("ttft_ms", "tpot_ms", "e2e_s"):
    p = d[k]
    if not (0 < p["p50"] <= p["p90"] <= p["p99"]):
        print(k, "percentiles not ordered:", p)
if not d["max_qps_at_slo"] > 0:
    print("max_qps_at_slo", d["max_qps_at_slo"])
if d["ttft_ms"]["p99"] > 1000 or d["tpot_ms"]["p99"] > 50:
    print("the rate found misses its SLO:", d["ttft_ms"], d["tpot_ms"])
if d["requests_completed"] != d["requests"]:
    print("requests lost:", d["requests_completed"], "of", d["requests"])
for k in ("output_tokens_per_s_per_chip", "goodput_requests_per_s", "kv_capacity_tokens"):
    if not d[k] > 0:
        print(k, d[k])
if "sim_wall_s" in d:
    print("sim_wall_s without --timing")
EOF
)
if [ "$RC" -eq 0 ] && [ -z "$sim_problems" ]; then
  ok "infer simulates the deployment: ordered percentiles, a rate within its SLO"
else
  not_ok "infer simulates the deployment: ordered percentiles, a rate within its SLO" "exit $RC" \
    "$sim_problems" "stderr: ${ERR:0:300}"
fi

# Server without targets: MLPerf's server limits (2,000 ms, 200 ms) bound the analytic estimate as
# they bound the simulation (the estimate had none: TPOT 352.8 ms on Qwen3-32B/H20 against the
# simulation's 200 ms); analytic mode takes none and answers with its own figure.
run infer --model llama-3.1-8b --chip h100 --json
slo_problem=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
if (d["ttft_target_ms"], d["tpot_target_ms"]) != (2000, 200) or d["tpot_ms"] * 1.29 > 200:
    print("targets", d["ttft_target_ms"], d["tpot_target_ms"], "tpot", d["tpot_ms"])
' "$TMP/stdout" 2>&1)
run infer --model llama-3.1-8b --chip h100 --mode analytic --json
slo_problem+=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
if d["ttft_target_ms"] is not None or d["answer"] != {"from": "analytic", "output_tokens_per_s_per_chip": d["output_tokens_per_s_per_chip"]}:
    print("analytic", d["ttft_target_ms"], d["answer"])
' "$TMP/stdout" 2>&1)
if [ "$RC" -eq 0 ] && [ -z "$slo_problem" ]; then
  ok "infer server without targets: MLPerf's limits bound the estimate too; analytic takes none"
else
  not_ok "infer server without targets: MLPerf's limits bound the estimate too; analytic takes none" \
    "exit $RC" "$slo_problem" "stderr: ${ERR:0:300}"
fi

# No engine given: live arrivals run on an engine launched with the batch the estimate allows at
# the targets (launch_batch, as --emit prints it); uncapped, this case's running batch reached
# 1,380 of 982. --engine none: the H200's default (vllm) has a graph cost a step, under
# which the wider caps the rate search tries (1.5x the launch batch) gain and are kept.
run infer --model mixtral-8x7b --chip h200 --dtype fp8 --input-tokens 600 --output-tokens 147 \
  --mode server --ttft-ms 2000 --tpot-ms 200 --engine none --json
cap_problem=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
b, s = d["launch_batch"], d["simulation"]["max_running_seqs"]
if not (0 < s <= b < d["memory_max_batch"] and d["max_batch"] <= b):
    print("running batch", s, "launch", b, "mean", d["max_batch"], "memory", d["memory_max_batch"])
' "$TMP/stdout" 2>&1)
if [ "$RC" -eq 0 ] && [ -z "$cap_problem" ]; then
  ok "infer server without an engine: the running batch stays within the launch batch"
else
  not_ok "infer server without an engine: the running batch stays within the launch batch" \
    "exit $RC" "$cap_problem" "stderr: ${ERR:0:300}"
fi

# --- infer: success ----------------------------------------------------------

INFER=(infer --model llama-3-70b --chip h20)
run "${INFER[@]}" --json
cp "$TMP/stdout" "$TMP/infer_stdout.json"
infer_rc=$RC
if [ "$RC" -eq 0 ] && python3 -m json.tool "$TMP/infer_stdout.json" >/dev/null 2>&1; then
  ok "infer --json exits 0 with JSON"
else
  not_ok "infer --json exits 0 with JSON" "exit $RC" "stderr: ${ERR:0:300}"
fi

# infer_fields FILE DEMAND: every field the JSON promises, with the right
# kind of value; chips_for_demand only when a demand (non-empty) is given.
infer_fields() {
  python3 - "$1" "$2" <<'EOF' 2>&1
import json, math, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception as e:
    print("not JSON:", e)
    sys.exit(0)
demand = sys.argv[2]
fields = ["prefill_tokens_per_s_per_chip", "decode_tokens_per_s_per_chip",
          "output_tokens_per_s_per_chip", "ttft_ms", "tpot_ms", "max_batch",
          "kv_cache_bytes_per_token", "kv_cache_gib_per_chip", "weights_gib_per_chip",
          "layout.tp", "layout.ep", "layout.dp", "bound", "cost_usd_per_million_output_tokens"]
if demand:
    fields.append("chips_for_demand")
for f in fields:
    node = d
    for part in f.split("."):
        if not isinstance(node, dict) or part not in node:
            print("missing", f)
            break
        node = node[part]
    else:
        if f == "bound":
            if node not in ("compute", "memory-bandwidth", "memory-capacity", "communication",
                            "latency-target"):
                print("bad value:", f, node)
        elif not isinstance(node, (int, float)) or isinstance(node, bool):
            print("not a number:", f, node)
        elif not node > 0:
            print("not positive:", f, node)
try:
    l = d["layout"]
    if not demand and "chips_for_demand" in d:
        print("chips_for_demand without a demand")
    # Llama 3 70B is dense: no expert parallelism, one attention group.
    if l["ep"] != 1 or l["dp"] != 1:
        print("dense model with ep/dp > 1:", l)
    # 70.6e9 params x 2 B = 141 GB: more than one 96 GiB H20 holds.
    if l["tp"] < 2:
        print("tp", l["tp"], "cannot hold 141 GB of bf16 weights in 96 GiB")
    # KV per token, bf16: 80 layers x 2 x 8 KV heads x 128 x 2 B = 327,680.
    if d["kv_cache_bytes_per_token"] != 327680:
        print("kv_cache_bytes_per_token", d["kv_cache_bytes_per_token"], "!= 327680")
    if d["max_batch"] != int(d["max_batch"]):
        print("max_batch not an integer")
    if d["output_tokens_per_s_per_chip"] > d["decode_tokens_per_s_per_chip"] * (1 + 1e-6):
        print("end-to-end output rate above the decode rate")
    if demand:
        n, inst = d["chips_for_demand"], l["tp"] * l["dp"]
        if not isinstance(n, int) or n % inst:
            print("chips_for_demand", n, "is not whole instances of", inst)
        # Enough chips: n x rate >= demand (rate rounded in the JSON).
        if n * d["output_tokens_per_s_per_chip"] < float(demand) * (1 - 1e-3):
            print("chips_for_demand", n, "too few for", demand)
        if (n - inst) * d["output_tokens_per_s_per_chip"] >= float(demand) * (1 + 1e-3):
            print("chips_for_demand", n, "a whole instance more than needed")
except Exception as e:
    print("check failed:", e)
EOF
}

missing=$(infer_fields "$TMP/infer_stdout.json" "")
if [ "$infer_rc" -eq 0 ] && [ -z "$missing" ]; then
  ok "infer --json has every field"
else
  not_ok "infer --json has every field" "$missing"
fi

run "${INFER[@]}" --json --demand-tokens-per-s 10000
cp "$TMP/stdout" "$TMP/infer_demand.json"
missing=$(infer_fields "$TMP/infer_demand.json" 10000)
if [ "$RC" -eq 0 ] && [ -z "$missing" ]; then
  ok "infer --demand-tokens-per-s adds chips_for_demand in whole instances"
else
  not_ok "infer --demand-tokens-per-s adds chips_for_demand in whole instances" "exit $RC" \
    "$missing" "stderr: ${ERR:0:300}"
fi

rm -f "$TMP/infer.json" "$TMP/infer.json.tmp"
run "${INFER[@]}" --json -o "$TMP/infer.json"
if [ "$RC" -eq 0 ] && cmp -s "$TMP/infer.json" "$TMP/infer_stdout.json" && [ -z "$OUT" ] &&
  [ ! -e "$TMP/infer.json.tmp" ]; then
  ok "infer -o writes the stdout content"
else
  not_ok "infer -o writes the stdout content" "exit $RC" "stderr: ${ERR:0:300}"
fi

# A serve command pasted back: what --emit prints for each engine, given to infer as flags (and
# trtllm-serve's options file), is the same deployment: the same layout and rate. Attention DP 8
# is given: SGLang with MTP and no cap runs its 48 for the server (S3961), 6 a rank, which its
# search would not choose.
for engine in vllm sglang trtllm; do
  EMITTED=(infer --model deepseek-r1 --chip h200 --count 8 --mode analytic --engine "$engine")
  run "${EMITTED[@]}" --dp 8 --mtp 1 --emit "$engine" --json
  cp "$TMP/stdout" "$TMP/emitted.json"
  launch_args=$(
    python3 - "$TMP/emitted.json" "$TMP" <<'EOF'
import json, os, sys
launch = json.load(open(sys.argv[1]))["launch"]
if launch.get("config_file"):
    open(os.path.join(sys.argv[2], launch["config_file"]), "w").write(launch["config"])
print(" ".join(launch["args"]))
EOF
  )
  # eval: the arguments carry shell quoting (vLLM's --speculative-config JSON).
  (cd "$TMP" && eval "\"\$SUANLI\" \"\${EMITTED[@]}\" --dtype fp8 $launch_args --json") \
    >"$TMP/pasted.json" 2>"$TMP/stderr"
  RC=$?
  if [ "$RC" -eq 0 ] && python3 - "$TMP/emitted.json" "$TMP/pasted.json" <<'EOF'; then
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
assert a["layout"] == b["layout"], (a["layout"], b["layout"])
x, y = (d["answer"]["output_tokens_per_s_per_chip"] for d in (a, b))
assert abs(x - y) <= 0.005 * x, (x, y)
assert b["mtp"] == 1 and a["layout"]["dp"] == 8
EOF
    ok "infer takes the $engine serve command --emit printed as the same deployment"
  else
    not_ok "infer takes the $engine serve command --emit printed as the same deployment" \
      "exit $RC" "flags: $launch_args" "stderr: $(head -c 300 "$TMP/stderr")"
  fi
done
# The attention-DP expert exchange priced as an all-to-all is in the command --emit prints
# (SGLang's --moe-a2a-backend, vLLM's --all2all-backend, S2760/S2761): named inside one HGX node
# (DeepSeek-R1 DEP 8 on H200, where the engines gather by default: another rate without it), or
# an expert group across nodes (DEP 16 on two H20 nodes). Pasted back: the same deployment.
for engine in vllm sglang; do
  for shape in "h200 8 --moe-a2a-backend deepep" "h20 16"; do
    read -r chip count named <<<"$shape"
    BASE=(infer --model deepseek-r1 --chip "$chip" --count "$count" --mode analytic --engine "$engine")
    run "${BASE[@]}" --tp 1 --dp "$count" --ep "$count" $named --emit "$engine" --json
    cp "$TMP/stdout" "$TMP/emitted.json"
    launch_args=$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["launch"]["args"]))' \
      "$TMP/emitted.json")
    (cd "$TMP" && eval "\"\$SUANLI\" \"\${BASE[@]}\" --dtype fp8 $launch_args --json") \
      >"$TMP/pasted.json" 2>"$TMP/stderr"
    RC=$?
    "$SUANLI" "${BASE[@]}" --tp 1 --dp "$count" --ep "$count" --json >"$TMP/gathered.json" 2>/dev/null
    if [ "$RC" -eq 0 ] && python3 - "$TMP/emitted.json" "$TMP/pasted.json" "$TMP/gathered.json" \
      "$engine" "$chip" <<'EOF'; then
import json, sys
a, b, g = (json.load(open(f)) for f in sys.argv[1:4])
engine, chip = sys.argv[4:6]
flag = {"sglang": "--moe-a2a-backend deepep", "vllm": "--all2all-backend deepep_high_throughput"}
assert flag[engine] in a["launch"]["args"], a["launch"]["args"]
assert a["layout"] == b["layout"], (a["layout"], b["layout"])
x, y, z = (d["answer"]["output_tokens_per_s_per_chip"] for d in (a, b, g))
assert abs(x - y) <= 0.005 * x, (x, y)
# Inside the node the default is the gather, priced apart; across nodes it is the all-to-all too.
assert (abs(x - z) > 0.01 * x) == (chip == "h200"), (x, z)
EOF
      ok "--emit $engine names the all-to-all it priced ($chip), and pasted back it is the same"
    else
      not_ok "--emit $engine names the all-to-all it priced ($chip), and pasted back it is the same" \
        "exit $RC" "flags: $launch_args" "stderr: $(head -c 300 "$TMP/stderr")"
    fi
  done
done
# The graph mode priced is in the command --emit prints, and pasted back it prices the same
# (session 29 H6: it was dropped). vLLM-Ascend's FULL_DECODE_ONLY (its measured full-graph floor,
# S3520, S3734) as --compilation-config; vLLM's --enforce-eager; SGLang's --disable-cuda-graph and
# --cuda-graph-max-bs (S3042). Where the setting moves the analytic rate (vLLM's at a batch of 8
# or 16, where the floor and the launches bind; checked: 357 against 257 and 1,111 against 1,423
# tok/s) the same line without it must price another rate, so a command that dropped it would.
graph_round_trip() { # name, engine, emit, moves (1/0), base flags..., --, limits (not pasted:
  # the command carries them)..., --, the setting's flags..., --, expected arg
  local name=$1 engine=$2 emit=$3 moves=$4
  shift 4
  local base=() limits=() setting=()
  while [ "$1" != "--" ]; do base+=("$1"); shift; done
  shift
  while [ "$1" != "--" ]; do limits+=("$1"); shift; done
  shift
  while [ "$1" != "--" ]; do setting+=("$1"); shift; done
  shift
  local expected=$1
  run "${base[@]}" --engine "$engine" "${limits[@]}" "${setting[@]}" --emit "$emit" --json
  cp "$TMP/stdout" "$TMP/emitted.json"
  launch_args=$(
    python3 - "$TMP/emitted.json" "$TMP" 2>/dev/null <<'EOF'
import json, os, sys
launch = json.load(open(sys.argv[1]))["launch"]
if launch.get("config_file"):
    open(os.path.join(sys.argv[2], launch["config_file"]), "w").write(launch["config"])
print(" ".join(launch["args"]))
EOF
  )
  # eval: the arguments carry shell quoting (vLLM's --compilation-config JSON).
  (cd "$TMP" && eval "\"\$SUANLI\" \"\${base[@]}\" --engine \"$engine\" $launch_args --json") \
    >"$TMP/pasted.json" 2>"$TMP/stderr"
  RC=$?
  "$SUANLI" "${base[@]}" --engine "$engine" "${limits[@]}" --json >"$TMP/unset.json" 2>/dev/null
  if [ "$RC" -eq 0 ] && python3 - "$TMP/emitted.json" "$TMP/pasted.json" "$TMP/unset.json" \
    "$expected" "$moves" <<'EOF'; then
import json, sys
a, b, u = (json.load(open(f)) for f in sys.argv[1:4])
assert sys.argv[4] in a["launch"]["args"], a["launch"]["args"]
assert a["layout"] == b["layout"], (a["layout"], b["layout"])
x, y, z = (d["answer"]["output_tokens_per_s_per_chip"] for d in (a, b, u))
assert abs(x - y) <= 0.005 * x, (x, y)
assert sys.argv[5] == "0" or abs(x - z) > 0.01 * x, (x, z)
EOF
    ok "--emit $emit prints the graph setting it priced ($name), and pasted back it is the same"
  else
    not_ok "--emit $emit prints the graph setting it priced ($name), and pasted back it is the same" \
      "exit $RC" "flags: $launch_args" "stderr: $(head -c 300 "$TMP/stderr")"
  fi
}
graph_round_trip "FULL_DECODE_ONLY" vllm-ascend-0.13 vllm 1 \
  infer --model qwen3-8b --chip ascend-910b --count 1 --mode analytic -- --max-num-seqs 8 -- \
  --compilation-config '{"cudagraph_mode":"FULL_DECODE_ONLY"}' -- \
  "--compilation-config '{\"cudagraph_mode\":\"FULL_DECODE_ONLY\"}'"
graph_round_trip "eager" vllm vllm 1 \
  infer --model llama-3.1-8b --chip h100 --count 1 --mode analytic -- --max-num-seqs 16 -- \
  --enforce-eager -- \
  "--enforce-eager"
graph_round_trip "eager" sglang sglang 0 \
  infer --model llama-3.1-8b --chip h100 --count 1 --mode analytic -- -- --enforce-eager -- \
  "--disable-cuda-graph"
graph_round_trip "graphs up to 64" sglang sglang 0 \
  infer --model llama-3.1-8b --chip h100 --count 1 --mode analytic -- -- --cuda-graph-max-bs 64 -- \
  "--cuda-graph-max-bs 64"
# TensorRT-LLM's padded graph sizes (simulated: the analytic steady state has no padding), in
# trtllm-serve's options file (cuda_graph_config, S2360); checked: 5,400 against 5,740 tok/s.
graph_round_trip "padded graph sizes" trtllm trtllm 1 \
  infer --model llama-3.1-8b --chip h100 --count 1 --mode offline --requests 300 \
  --input-tokens 512 --output-tokens 128 -- -- \
  --cuda-graph-batch-sizes 1,2,4,8,16,32,64,128,256,512 -- \
  "--extra_llm_api_options extra-llm-api-config.yml"
printf 'kv_cache_config:\n  free_gpu_memory_fraction: most\n' >"$TMP/bad-llm-api.yml"
expect_bad "--extra_llm_api_options with a bad value names its file, line and key" \
  "bad-llm-api.yml:2: extra_llm_api_options.kv_cache_config.free_gpu_memory_fraction" \
  infer --model deepseek-r1 --chip h200 --count 8 --tp_size 8 \
  --extra_llm_api_options "$TMP/bad-llm-api.yml"
printf 'moe_config:\n  backend: FASTEST\n' >"$TMP/bad-moe-backend.yml"
expect_bad "a MoE backend TensorRT-LLM does not have names the field and the backends it has" \
  "moe.backend.*unknown MoE backend .FASTEST. for engine trtllm; expected cutlass, trtllm" \
  infer --model deepseek-r1 --chip b200 --count 8 --tp 8 --engine trtllm \
  --extra_llm_api_options "$TMP/bad-moe-backend.yml"
expect_bad "--moe-backend on an engine without the choice names the field" \
  "moe.backend.*engine vllm has no MoE backend choice" \
  infer --model deepseek-r1 --chip b200 --count 8 --tp 8 --engine vllm --moe-backend trtllm

# SGLang's published DeepSeek recipe pasted whole (--model-path, --trust-remote-code, --host,
# --port; --tp 8 --dp 8 beside --enable-dp-attention are its --tp-size and --dp-size): eight
# attention groups of one GPU on the 8 GPUs, as --tp-size 8 --dp-size 8 says, and no --ep-size:
# the experts split by tensor parallel over the 8 (SGLang's moe_tp_size = tp_size; ep 1).
run infer --chip h200 --count 8 --mode analytic --json --model-path deepseek-ai/DeepSeek-R1 \
  --tp 8 --dp 8 --enable-dp-attention --trust-remote-code --host 0.0.0.0 --port 30000 \
  --engine cuda-graphs
cp "$TMP/stdout" "$TMP/recipe.json"
run infer --chip h200 --count 8 --mode analytic --json --model deepseek-r1 \
  --tp-size 8 --dp-size 8 --enable-dp-attention --engine cuda-graphs
if [ "$RC" -eq 0 ] && python3 - "$TMP/recipe.json" "$TMP/stdout" <<'EOF'; then
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
assert a["layout"] == b["layout"] and a["layout"]["dp"] == 8 and a["layout"]["tp"] == 1, a
assert a["layout"]["ep"] == 1, a["layout"]
assert a["answer"] == b["answer"]
EOF
  ok "infer takes SGLang's DeepSeek recipe as published"
else
  not_ok "infer takes SGLang's DeepSeek recipe as published" "exit $RC" "stderr: ${ERR:0:300}"
fi
# The same recipe with the tuning flags SGLang's DeepSeek pages add (under cuda-graphs, which has no
# capture sizes to take them: an H200's default vLLM prices --cuda-graph-max-bs): accepted, the same
# deployment and rate, and the flags the estimate does not price listed with the answer (a
# prefix cache turned off changes nothing here: no prompt is cached without --prefix-cache-hit).
run infer --chip h200 --count 8 --mode analytic --json --model-path deepseek-ai/DeepSeek-R1 \
  --tp 8 --dp 8 --enable-dp-attention --trust-remote-code --cuda-graph-max-bs 256 \
  --disable-radix-cache --enable-torch-compile --disable-log-requests --engine cuda-graphs
if [ "$RC" -eq 0 ] && python3 - "$TMP/recipe.json" "$TMP/stdout" <<'EOF'; then
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
assert a["layout"] == b["layout"] and a["answer"] == b["answer"], (a["answer"], b["answer"])
assert "flags_not_modelled" not in a, a.get("flags_not_modelled")
assert b["flags_not_modelled"] == ["--cuda-graph-max-bs", "--enable-torch-compile"], \
    b["flags_not_modelled"]
EOF
  ok "infer takes SGLang's tuning flags and lists the ones it does not model"
else
  not_ok "infer takes SGLang's tuning flags and lists the ones it does not model" "exit $RC" \
    "stderr: ${ERR:0:300}"
fi
# --moe-a2a-backend deepep is priced, not listed: SGLang then sets --ep-size to --tp-size (the
# experts whole over the 8 GPUs, ep 8), and the in-node all-gather of every rank's 16-bit tokens
# around the tensor-parallel experts becomes DeepEP's all-to-all of each token's top-8 copies,
# fewer bytes (7/8 of 8 copies, FP8 out and 16-bit back, against 7 ranks' 16-bit tokens both
# ways).
run infer --chip h200 --count 8 --mode analytic --json --model-path deepseek-ai/DeepSeek-R1 \
  --tp 8 --dp 8 --enable-dp-attention --trust-remote-code --moe-a2a-backend deepep
if [ "$RC" -eq 0 ] && python3 - "$TMP/recipe.json" "$TMP/stdout" <<'EOF'; then
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
assert (a["layout"]["ep"], b["layout"]["ep"]) == (1, 8), (a["layout"], b["layout"])
assert (a["layout"]["tp"], a["layout"]["dp"]) == (b["layout"]["tp"], b["layout"]["dp"]) == (1, 8)
assert "flags_not_modelled" not in b, b.get("flags_not_modelled")
comm = lambda j: j["step_breakdown_ms"]["communication"]
assert 0 < comm(b) < comm(a), (comm(a), comm(b))
EOF
  ok "infer prices SGLang's --moe-a2a-backend deepep as an all-to-all"
else
  not_ok "infer prices SGLang's --moe-a2a-backend deepep as an all-to-all" "exit $RC" \
    "stderr: ${ERR:0:300}"
fi
run infer --model llama-3.1-8b --chip h100 --count 1 --mode analytic --engine cuda-graphs \
  --async-scheduling
if [ "$RC" -eq 0 ] && grep -qx "note: not modelled, accepted as given: --async-scheduling" <<<"$OUT"; then
  ok "infer's text says which flags it accepted without modelling them"
else
  not_ok "infer's text says which flags it accepted without modelling them" "exit $RC" \
    "stdout: ${OUT:0:600}"
fi
# A pasted `vllm serve` line's scheduling flags are honoured: vLLM waits for its host loop between
# steps, 21 us a running request (host_seq_us, S2900), when the line says --no-async-scheduling (the
# default of v0.9-v0.13); --async-scheduling, the default from v0.14 (S2901), is what a line with
# neither runs. One running request of Llama 3.1 8B on one H100: the step's overhead is 0.021 ms
# longer under --no-async-scheduling, and only that answer notes the host loop.
run infer --chip h100 --count 1 --mode analytic --max-num-seqs 1 --json vllm serve \
  meta-llama/Llama-3.1-8B-Instruct --no-async-scheduling
cp "$TMP/stdout" "$TMP/vllm_sync.json"
run infer --chip h100 --count 1 --mode analytic --max-num-seqs 1 --json vllm serve \
  meta-llama/Llama-3.1-8B-Instruct
cp "$TMP/stdout" "$TMP/vllm_plain.json"
run infer --chip h100 --count 1 --mode analytic --max-num-seqs 1 --json vllm serve \
  meta-llama/Llama-3.1-8B-Instruct --async-scheduling
if [ "$RC" -eq 0 ] && python3 - "$TMP/vllm_sync.json" "$TMP/vllm_plain.json" "$TMP/stdout" <<'EOF'; then
import json, sys
sync, plain, ahead = (json.load(open(f)) for f in sys.argv[1:4])
for other in (plain, ahead):
    gap = sync["step_breakdown_ms"]["overhead"] - other["step_breakdown_ms"]["overhead"]
    assert abs(gap - 0.021) < 1e-9, gap
    assert "flags_not_modelled" not in other, other.get("flags_not_modelled")
    assert not any("without async scheduling" in a for a in other.get("assumptions", []))
assert any("without async scheduling" in a and "--async-scheduling" in a and "0.14" in a
           for a in sync["assumptions"]), sync["assumptions"]
EOF
  ok "infer honours a pasted vllm serve line's --async-scheduling / --no-async-scheduling"
else
  not_ok "infer honours a pasted vllm serve line's --async-scheduling / --no-async-scheduling" \
    "exit $RC" "stderr: ${ERR:0:300}"
fi
expect_bad "infer --async-scheduling with --no-async-scheduling" \
  "async-scheduling.*no.async.scheduling" \
  infer --model llama-3.1-8b --chip h100 --engine vllm --async-scheduling --no-async-scheduling
# Four requests sharing an 800-token prefix of 1,000: the last three find it cached (3 x 800 of
# 4,000 prompt tokens, 0.6), none with the prefix cache turned off.
printf 'arrival_s,input_tokens,output_tokens,prefix_id,prefix_tokens\n0,1000,10,a,800\n0.1,1000,10,a,800\n0.2,1000,10,a,800\n0.3,1000,10,a,800\n' >"$TMP/prefix.csv"
hits=""
for off in "" --disable-radix-cache --no-enable-prefix-caching; do
  run infer --model llama-3.1-8b --chip h100 --count 1 --requests-trace "$TMP/prefix.csv" --json $off
  hits+="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["simulation"]["prefix_hit"], end=" ")' <<<"$OUT")"
done
if [ "$hits" = "0.6 0.0 0.0 " ]; then
  ok "a trace's shared prefixes are reused unless the prefix cache is off"
else
  not_ok "a trace's shared prefixes are reused unless the prefix cache is off" "hits: $hits"
fi
expect_bad "a prefix-cache hit beside --disable-radix-cache is a contradiction" \
  "prefix-cache-hit" \
  infer --model llama-3.1-8b --chip h100 --count 1 --disable-radix-cache --prefix-cache-hit 0.5
expect_bad "--dp-size replicas that --count cannot hold name --dp-size" \
  "dp-size: 8 replicas of 8 GPUs are 64 GPUs" \
  infer --model deepseek-r1 --chip h200 --count 8 --tp-size 8 --dp-size 8

# Flags as vLLM's parser and framework configs spell them: underscores for hyphens, the value
# untouched (a file name keeps its underscores).
run infer --model llama-3.1-70b --chip h100 --count 8 --mode analytic --json \
  --tensor-parallel-size 4 --max-num-seqs 64 --gpu-memory-utilization 0.85
cp "$TMP/stdout" "$TMP/hyphens.json"
run infer --model llama-3.1-70b --chip h100 --count 8 --mode analytic --json \
  --tensor_parallel_size 4 --max_num_seqs=64 --gpu_memory_utilization 0.85 -o "$TMP/under_score.json"
if [ "$RC" -eq 0 ] && [ -s "$TMP/hyphens.json" ] && cmp -s "$TMP/hyphens.json" "$TMP/under_score.json" &&
  grep -q '"tp": 4' "$TMP/hyphens.json"; then
  ok "infer takes --tensor_parallel_size and --max_num_seqs=64 as their hyphenated flags"
else
  not_ok "infer takes --tensor_parallel_size and --max_num_seqs=64 as their hyphenated flags" \
    "exit $RC" "stderr: ${ERR:0:300}"
fi

# vLLM's DeepSeek recipe pasted as published (docs.vllm.ai recipes, DeepSeek-V3.md): `vllm serve
# MODEL` names the model without a flag, and so does trtllm-serve; the same estimate as --model.
run infer --chip h200 --count 8 --mode analytic --json deepseek-ai/DeepSeek-R1-0528 \
  --trust-remote-code --tensor-parallel-size 8 --enable-expert-parallel
cp "$TMP/stdout" "$TMP/positional.json"
run infer --chip h200 --count 8 --mode analytic --json --model deepseek-ai/DeepSeek-R1-0528 \
  --tensor-parallel-size 8 --enable-expert-parallel
if [ "$RC" -eq 0 ] && [ -s "$TMP/positional.json" ] && cmp -s "$TMP/positional.json" "$TMP/stdout" &&
  grep -q '"tp": 8' "$TMP/stdout"; then
  ok "infer takes vllm serve's model without a flag"
else
  not_ok "infer takes vllm serve's model without a flag" "exit $RC" "stderr: ${ERR:0:300}"
fi
expect_bad "a model given twice, without and with --model, is refused" "model" \
  infer --chip h200 --count 8 deepseek-r1 --model deepseek-v3

# vLLM's GLM-4.5 recipe (recipes.vllm.ai/zai-org/GLM-4.5) gives --speculative-config key by key, as
# vLLM's parser takes it: the same as the JSON object, and the same as --mtp 1.
run infer --chip h200 --count 4 --mode analytic --json --mtp-acceptance 0.8 zai-org/GLM-4.5-FP8 \
  --tensor-parallel-size 4 --speculative-config.method mtp \
  --speculative-config.num_speculative_tokens 1 --tool-call-parser glm45 \
  --reasoning-parser glm45 --enable-auto-tool-choice
cp "$TMP/stdout" "$TMP/dotted.json"
run infer --chip h200 --count 4 --mode analytic --json --mtp-acceptance 0.8 \
  --model zai-org/GLM-4.5-FP8 --tensor-parallel-size 4 \
  --speculative-config '{"method": "mtp", "num_speculative_tokens": 1}'
cp "$TMP/stdout" "$TMP/spec_json.json"
run infer --chip h200 --count 4 --mode analytic --json --mtp-acceptance 0.8 \
  --model zai-org/GLM-4.5-FP8 --tensor-parallel-size 4 --speculative-config.method=mtp \
  --speculative_config.num_speculative_tokens=1
if [ "$RC" -eq 0 ] && [ -s "$TMP/dotted.json" ] && cmp -s "$TMP/dotted.json" "$TMP/spec_json.json" &&
  cmp -s "$TMP/dotted.json" "$TMP/stdout" && grep -q '"mtp": 1' "$TMP/stdout"; then
  ok "infer takes --speculative-config.method mtp --speculative-config.num_speculative_tokens 1"
else
  not_ok "infer takes --speculative-config.method mtp --speculative-config.num_speculative_tokens 1" \
    "exit $RC" "stderr: ${ERR:0:300}"
fi
# vLLM's short -tp (gpustack's gpt-oss-120b H100 recipe: vllm serve openai/gpt-oss-120b
# --async-scheduling -tp 2) is --tensor-parallel-size.
run infer --chip h100 --count 2 --mode analytic --json openai/gpt-oss-120b -tp 2
if [ "$RC" -eq 0 ] && grep -q '"tp": 2' "$TMP/stdout"; then
  ok "infer takes vLLM's -tp 2"
else
  not_ok "infer takes vLLM's -tp 2" "exit $RC" "stderr: ${ERR:0:300}"
fi
# A latency target no layout meets even at batch 1 names the flag and the lowest figure reached;
# a target at that figure is met (the number is the one the targets are checked against).
for target in "ttft-ms 500" "tpot-ms 5"; do
  flag=${target% *}
  # shellcheck disable=SC2086 # flag and value
  expect_bad "--$target on 8 H100 names the lowest p99 figure" \
    "--$flag: no layout meets .* even at batch 1: the lowest p99 [A-Z]+ .*is [0-9.]+ ms \(tp [0-9]+" \
    infer --model llama-3.1-70b --chip h100 --count 8 --input-tokens 8k --output-tokens 1k \
    --mode analytic --$target
  lowest=$(sed -nE 's/.*the lowest p99 [A-Z]+ .*is ([0-9.]+) ms.*/\1/p' <<<"$ERR")
  reach=$(python3 -c "import math,sys; print(math.ceil(float(sys.argv[1]) + 0.1))" "${lowest:-0}")
  run infer --model llama-3.1-70b --chip h100 --count 8 --input-tokens 8k --output-tokens 1k \
    --mode analytic --"$flag" "$reach"
  if [ -n "$lowest" ] && [ "$RC" -eq 0 ]; then
    ok "--$flag $reach (just above the lowest quoted, $lowest) is met"
  else
    not_ok "--$flag $reach (just above the lowest quoted, ${lowest:-none}) is met" "exit $RC" \
      "stderr: ${ERR:0:300}"
  fi
done
# A serve command pasted with its launcher (docs.vllm.ai: `vllm serve MODEL ...`; SGLang: `python3 -m
# sglang.launch_server --model-path MODEL ...`; TensorRT-LLM: `trtllm-serve MODEL ...`): the
# launcher words name the server, whose engine's limits run (as --engine: vllm, sglang, trtllm),
# the same estimate as the flags typed with that --engine. `--chip h200 MODEL` leaves the model to
# the command (the chip list took it: "--model is required").
for engine in vllm sglang trtllm; do
  run infer --chip h200 --count 8 --mode analytic --json deepseek-ai/DeepSeek-R1-0528 \
    --trust-remote-code --tensor-parallel-size 8 --enable-expert-parallel --engine "$engine"
  cp "$TMP/stdout" "$TMP/positional_$engine.json"
done
run infer --count 8 --mode analytic --json --chip h200 vllm serve deepseek-ai/DeepSeek-R1-0528 \
  --trust-remote-code --tensor-parallel-size 8 --enable-expert-parallel
if [ "$RC" -eq 0 ] && [ -s "$TMP/positional_vllm.json" ] && cmp -s "$TMP/positional_vllm.json" "$TMP/stdout"; then
  ok "infer takes a pasted 'vllm serve MODEL ...' after --chip"
else
  not_ok "infer takes a pasted 'vllm serve MODEL ...' after --chip" "exit $RC" "stderr: ${ERR:0:300}"
fi
for launcher in "python3 -m sglang.launch_server --model-path" "python -m sglang.launch_server --model-path" \
  "trtllm-serve" "trtllm-serve serve" "python3 -m vllm.entrypoints.openai.api_server --model"; do
  # shellcheck disable=SC2086 # the launcher is words
  run infer --chip h200 --count 8 --mode analytic --json $launcher deepseek-ai/DeepSeek-R1-0528 \
    --tensor-parallel-size 8 --enable-expert-parallel
  case $launcher in *sglang*) engine=sglang ;; trtllm*) engine=trtllm ;; *) engine=vllm ;; esac
  if [ "$RC" -eq 0 ] && [ -s "$TMP/positional_$engine.json" ] &&
    cmp -s "$TMP/positional_$engine.json" "$TMP/stdout"; then
    ok "infer takes a pasted '$launcher MODEL ...'"
  else
    not_ok "infer takes a pasted '$launcher MODEL ...'" "exit $RC" "stderr: ${ERR:0:300}"
  fi
done
# A Megatron example's launch line (examples/gpt3/train_gpt3_175b_distributed.sh: torchrun
# $DISTRIBUTED_ARGS pretrain_gpt.py $GPT_MODEL_ARGS ...): torchrun, its flags and the script are
# where the ranks run; the same estimate as the Megatron flags alone.
run train --model llama-3-8b --chip h100 --count 16 --tokens 1T --json \
  --tensor-model-parallel-size 2 --pipeline-model-parallel-size 1 --context-parallel-size 1
cp "$TMP/stdout" "$TMP/megatron_flags.json"
run train --model llama-3-8b --chip h100 --count 16 --tokens 1T --json torchrun --nproc_per_node 8 \
  --nnodes 2 --node_rank 0 --master_addr localhost --master_port=6000 pretrain_gpt.py \
  --tensor-model-parallel-size 2 --pipeline-model-parallel-size 1 --context-parallel-size 1
if [ "$RC" -eq 0 ] && [ -s "$TMP/megatron_flags.json" ] && cmp -s "$TMP/megatron_flags.json" "$TMP/stdout"; then
  ok "train takes a pasted 'torchrun ... pretrain_gpt.py ...' launch line"
else
  not_ok "train takes a pasted 'torchrun ... pretrain_gpt.py ...' launch line" "exit $RC" \
    "stderr: ${ERR:0:300}"
fi
# torchrun's --nnodes x --nproc_per_node is the job's chips without --count (the same estimate as
# --count 16), and a --count that differs is an error naming both.
run train --model llama-3-8b --chip h100 --tokens 1T --json torchrun --nproc_per_node 8 \
  --nnodes 2 --node_rank 0 --master_addr localhost --master_port=6000 pretrain_gpt.py \
  --tensor-model-parallel-size 2 --pipeline-model-parallel-size 1 --context-parallel-size 1
if [ "$RC" -eq 0 ] && [ -s "$TMP/megatron_flags.json" ] && cmp -s "$TMP/megatron_flags.json" "$TMP/stdout"; then
  ok "train takes torchrun's --nnodes 2 x --nproc_per_node 8 as --count 16"
else
  not_ok "train takes torchrun's --nnodes 2 x --nproc_per_node 8 as --count 16" "exit $RC" \
    "stderr: ${ERR:0:300}"
fi
expect_bad "torchrun's ranks contradict --count" "count.*nproc_per_node 8 = 32" \
  train --model llama-3-8b --chip h100 --count 16 --tokens 1T torchrun --nnodes=4 \
  --nproc_per_node=8 pretrain_gpt.py
expect_bad "train without --count or torchrun's ranks" "count.*required" \
  train --model llama-3-8b --chip h100 --tokens 1T
# The serving benchmarks pasted whole (vllm bench serve, python3 -m sglang.bench_serving,
# genai-perf profile -m): the same closed loop as suanli's own flags.
run infer --chip h100 --model llama-3.1-8b --mode server --json --input-tokens 1024 \
  --output-tokens 1024 --concurrency 64 --requests 1000
cp "$TMP/stdout" "$TMP/bench_flags.json"
for bench in "vllm bench serve --model meta-llama/Llama-3.1-8B-Instruct --dataset-name random --random-input-len 1024 --random-output-len 1024 --num-prompts 1000 --max-concurrency 64 --ignore-eos --save-result" \
  "python3 -m sglang.bench_serving --backend sglang --model meta-llama/Llama-3.1-8B-Instruct --dataset-name random --random-input 1024 --random-output 1024 --random-range-ratio 1 --num-prompts 1000 --max-concurrency 64" \
  "genai-perf profile -m meta-llama/Llama-3.1-8B-Instruct --endpoint-type chat --streaming --synthetic-input-tokens-mean 1024 --output-tokens-mean 1024 --concurrency 64 --request-count 1000"; do
  # shellcheck disable=SC2086 # the command is words
  run infer --chip h100 --mode server --json $bench
  if [ "$RC" -eq 0 ] && [ -s "$TMP/bench_flags.json" ] && cmp -s "$TMP/bench_flags.json" "$TMP/stdout"; then
    ok "infer takes a pasted '${bench%% --*}' benchmark"
  else
    not_ok "infer takes a pasted '${bench%% --*}' benchmark" "exit $RC" "stderr: ${ERR:0:300}"
  fi
done
# sglang.bench_serving draws lengths uniform in [rL, L], --random-range-ratio 0 by default
# (S3231): pasted without it, prompts of 1..1024 tokens (mean 512.5) and outputs of 0..1024 (512),
# as --input-dist uniform / --output-dist uniform around those means; vLLM's benchmark draws
# [L(1-r), L(1+r)] (S3230), its default r 0 fixed lengths.
run infer --chip h100 --mode server --json python3 -m sglang.bench_serving --backend sglang \
  --model meta-llama/Llama-3.1-8B-Instruct --dataset-name random --random-input 1024 \
  --random-output 1024 --num-prompts 1000 --max-concurrency 64
if [ "$RC" -eq 0 ] && grep -q '"input_dist": "uniform:0.998049"' "$TMP/stdout" &&
  grep -q '"output_dist": "uniform:1"' "$TMP/stdout"; then
  ok "a pasted sglang.bench_serving draws its default lengths from 1 to L"
else
  not_ok "a pasted sglang.bench_serving draws its default lengths from 1 to L" "exit $RC" \
    "stderr: ${ERR:0:300}"
fi
# Without --dataset-name sglang.bench_serving runs ShareGPT (S3231): its mean lengths as vLLM's
# benchmark samples them (217,393 / 201,847 tokens over 1,000 prompts, S3342), said with the
# answer; `vllm bench serve` without lengths draws its own defaults, 1,024 in and 128 out (S3360).
run infer --chip h100 --mode analytic python3 -m sglang.bench_serving --backend sglang \
  --model Qwen/Qwen3-8B
if [ "$RC" -eq 0 ] && grep -q "217.393 in / 201.847 out tokens" "$TMP/stdout" &&
  grep -q "note: ShareGPT's lengths as their means, 217.4 prompt / 201.8 output" "$TMP/stdout"; then
  ok "a pasted sglang.bench_serving without --dataset-name runs ShareGPT's mean lengths, said"
else
  not_ok "a pasted sglang.bench_serving without --dataset-name runs ShareGPT's mean lengths, said" \
    "exit $RC" "stdout: $(head -c 400 "$TMP/stdout")" "stderr: ${ERR:0:300}"
fi
run infer --chip h100 --mode analytic --json vllm bench serve --model Qwen/Qwen3-8B \
  --max-concurrency 8
if [ "$RC" -eq 0 ] && grep -q '"input_tokens": 1024.0,' "$TMP/stdout" &&
  grep -q '"output_tokens": 128.0,' "$TMP/stdout"; then
  ok "a pasted vllm bench serve without lengths draws its defaults, 1024 in and 128 out"
else
  not_ok "a pasted vllm bench serve without lengths draws its defaults, 1024 in and 128 out" \
    "exit $RC" "stderr: ${ERR:0:300}"
fi
# A pasted command's environment (VLLM_USE_DEEP_GEMM=1 vllm serve ..., as vLLM's Qwen3-Coder
# recipe writes it): the command runs, the variable listed as not modelled; typed, the same answer.
run infer --chip h200 --count 8 --mode analytic --json VLLM_USE_DEEP_GEMM=1 vllm serve \
  Qwen/Qwen3-30B-A3B --tensor-parallel-size 8
cp "$TMP/stdout" "$TMP/env_pasted.json"
if [ "$RC" -eq 0 ] && grep -q '"VLLM_USE_DEEP_GEMM"' "$TMP/env_pasted.json"; then
  ok "a pasted command's environment is accepted and listed"
else
  not_ok "a pasted command's environment is accepted and listed" "exit $RC" "stderr: ${ERR:0:300}"
fi
# trtllm-serve's --config is its --extra_llm_api_options file (S3361): the same answer.
printf 'enable_attention_dp: true\nkv_cache_config:\n  free_gpu_memory_fraction: 0.8\n' \
  >"$TMP/llm_api.yaml"
run infer --chip b200 --count 8 --mode analytic --json trtllm-serve deepseek-ai/DeepSeek-R1 \
  --tp_size 8 --ep_size 8 --extra_llm_api_options "$TMP/llm_api.yaml"
cp "$TMP/stdout" "$TMP/llm_api_old.json"
run infer --chip b200 --count 8 --mode analytic --json trtllm-serve deepseek-ai/DeepSeek-R1 \
  --tp_size 8 --ep_size 8 --config "$TMP/llm_api.yaml"
if [ "$RC" -eq 0 ] && [ -s "$TMP/llm_api_old.json" ] && cmp -s "$TMP/llm_api_old.json" "$TMP/stdout"; then
  ok "trtllm-serve's --config is its --extra_llm_api_options"
else
  not_ok "trtllm-serve's --config is its --extra_llm_api_options" "exit $RC" "stderr: ${ERR:0:300}"
fi
# trtllm-bench throughput --dataset FILE (S3476): prepare_dataset.py's JSON Lines give the mean
# lengths (two requests of 100 and 156 prompt tokens, 64 and 192 outputs: 128 / 128), TensorRT-LLM
# runs them all at once; `-m` is its --model. An unreadable file says to give the lengths.
python3 -c 'import json
for n, o in ((100, 64), (156, 192)): print(json.dumps({"task_id": n, "input_ids": [7] * n, "output_tokens": o}))' \
  >"$TMP/trtllm_bench.jsonl"
run infer --chip h100 --mode analytic --json trtllm-bench -m meta-llama/Llama-3.1-8B throughput \
  --dataset "$TMP/trtllm_bench.jsonl" --backend pytorch
if [ "$RC" -eq 0 ] && grep -q '"input_tokens": 128.0,' "$TMP/stdout" &&
  grep -q '"output_tokens": 128.0,' "$TMP/stdout" && grep -q '"engine": "trtllm"' "$TMP/stdout"; then
  ok "a pasted trtllm-bench reads its --dataset's mean lengths"
else
  not_ok "a pasted trtllm-bench reads its --dataset's mean lengths" "exit $RC" "stderr: ${ERR:0:300}"
fi
expect_bad "a pasted trtllm-bench without its dataset file says to give the lengths" \
  "cannot read file.*--input-tokens and --output-tokens" infer --chip h100 trtllm-bench \
  --model meta-llama/Llama-3.1-8B throughput --dataset "$TMP/no_such_dataset.txt"
# NeMo's Hydra overrides after its script are the run's fields (S3475); the rest listed.
run train --json --model llama-3.1-8b --chip h100 python \
  /opt/NeMo/examples/nlp/language_modeling/megatron_gpt_pretraining.py --config-path=conf \
  --config-name=megatron_llama_config trainer.num_nodes=2 trainer.devices=8 trainer.max_steps=1000 \
  model.tensor_model_parallel_size=2 model.global_batch_size=256 model.micro_batch_size=1 \
  model.data.data_prefix=[1.0,/data/text_document]
if [ "$RC" -eq 0 ] && grep -q '"model.data.data_prefix"' "$TMP/stdout" &&
  grep -q '"tp": 2' "$TMP/stdout"; then
  ok "NeMo's Hydra overrides pasted after train are read"
else
  not_ok "NeMo's Hydra overrides pasted after train are read" "exit $RC" "stderr: ${ERR:0:300}"
fi
# A cluster's counts as users type them: h100:1k is 1,024 GPUs.
run simulate --model llama-3.1-8b --tokens 20B --gpus 64 --cluster h100:1k,a100:512 --json
if [ "$RC" -eq 0 ]; then
  ok "simulate --cluster h100:1k reads 1k as 1,024 GPUs"
else
  not_ok "simulate --cluster h100:1k reads 1k as 1,024 GPUs" "exit $RC" "stderr: ${ERR:0:300}"
fi
# Round 7 of the user's-eye audit: the commands that run the engine in their own process, a
# cluster spec's node size, torchtitan's run_train.sh, NeMo 2's --factory and DeepSpeed's JSON.
run infer --chip h100 --mode analytic --json trtllm-bench --model meta-llama/Llama-3.1-8B latency \
  --dataset "$TMP/trtllm_bench.jsonl"
if [ "$RC" -eq 0 ] && grep -q '"engine": "trtllm"' "$TMP/stdout"; then
  ok "a pasted trtllm-bench latency runs (batch 1, one request at a time)"
else
  not_ok "a pasted trtllm-bench latency runs (batch 1, one request at a time)" "exit $RC" \
    "stderr: ${ERR:0:300}"
fi
for line in "vllm bench latency --model meta-llama/Llama-3.1-8B-Instruct --input-len 32 --output-len 128 --batch-size 8" \
  "vllm bench throughput --model meta-llama/Llama-3.1-8B-Instruct --input-len 1024 --output-len 128 --num-prompts 1000" \
  "python3 -m sglang.bench_one_batch --model-path meta-llama/Meta-Llama-3.1-8B-Instruct --batch 32 --input-len 256 --output-len 32" \
  "python3 -m sglang.bench_offline_throughput --model-path meta-llama/Meta-Llama-3.1-8B-Instruct --num-prompts 10"; do
  # shellcheck disable=SC2086 # the command is words
  run infer --chip h100 --mode analytic $line
  if [ "$RC" -eq 0 ]; then
    ok "pasted: ${line:0:60}"
  else
    not_ok "pasted: ${line:0:60}" "exit $RC" "stderr: ${ERR:0:300}"
  fi
done
expect_bad "vllm bench throughput without a dataset or --input-len names the prompt length" \
  "input.*vllm bench throughput" infer --chip h100 vllm bench throughput --model Qwen/Qwen3-8B
run simulate --model llama-3.1-70b --tokens 2T --gpus 1k --cluster h800:2k:8,h20:4k:8 --json
if [ "$RC" -eq 0 ] && grep -q '"type": "h800"' "$TMP/stdout"; then
  ok "simulate --gpus 1k on nodes of 8 spans whole nodes"
else
  not_ok "simulate --gpus 1k on nodes of 8 spans whole nodes" "exit $RC" "stderr: ${ERR:0:300}"
fi
run train --json --chip h100 --model llama-3.1-8b \
  CONFIG_FILE=./torchtitan/models/llama3/train_configs/llama3_8b.toml ./run_train.sh \
  --training.steps 100
if [ "$RC" -eq 0 ] && grep -q '"chips": 8' "$TMP/stdout"; then
  ok "torchtitan's CONFIG_FILE=... ./run_train.sh is one node of 8 with that config"
else
  not_ok "torchtitan's CONFIG_FILE=... ./run_train.sh is one node of 8 with that config" \
    "exit $RC" "stderr: ${ERR:0:300}"
fi
run train --json --chip h100 --model llama-3.1-8b nemo llm pretrain --factory llama3_8b \
  trainer.max_steps=1000
if [ "$RC" -eq 0 ] && grep -q '"cp": 2' "$TMP/stdout"; then
  ok "nemo llm pretrain --factory llama3_8b is its recipe (cp 2)"
else
  not_ok "nemo llm pretrain --factory llama3_8b is its recipe (cp 2)" "exit $RC" \
    "stderr: ${ERR:0:300}"
fi
printf '{\n  "train_batch_size": 512,\n  "zero_optimization": {"stage": 5}\n}\n' >"$TMP/ds.json"
expect_bad "a DeepSpeed config's bad stage names file:line:key" \
  "ds.json:3.*zero.optimization.stage" train --chip a100 --count 16 --model llama-2-13b \
  --tokens 10B deepspeed --num_gpus 8 --num_nodes 2 train.py --deepspeed --deepspeed_config \
  "$TMP/ds.json"
# Round 8 of the user's-eye audit: the wrappers a launch line comes in (docker run with vLLM's
# image, mpirun with trtllm-llmapi-launch, NVIDIA Dynamo's workers, accelerate launch), a
# duration with its unit, one catalog entry, and vLLM's KV transfer connector.
run infer --chip h100 --count 8 --mode analytic --json vllm serve Qwen/Qwen3-32B \
  --tensor-parallel-size 8
cp "$TMP/stdout" "$TMP/vllm_typed.json"
for line in "docker run --runtime nvidia --gpus all -v /root/.cache/huggingface:/root/.cache/huggingface --env HF_TOKEN=x -p 8000:8000 --ipc=host vllm/vllm-openai:latest --model Qwen/Qwen3-32B --tensor-parallel-size 8" \
  "docker run --gpus all --rm vllm/vllm-openai:v0.11.0 vllm serve Qwen/Qwen3-32B --tensor-parallel-size 8" \
  "python3 -m dynamo.vllm --model Qwen/Qwen3-32B --tensor-parallel-size 8 --migration-limit 3"; do
  # shellcheck disable=SC2086 # the command is words
  run infer --chip h100 --count 8 --mode analytic --json $line
  if [ "$RC" -eq 0 ] && cmp -s "$TMP/vllm_typed.json" "$TMP/stdout"; then
    ok "pasted as vllm serve: ${line:0:50}"
  else
    not_ok "pasted as vllm serve: ${line:0:50}" "exit $RC" "stderr: ${ERR:0:300}"
  fi
done
run infer --chip b200 --count 8 --mode analytic --json trtllm-serve nvidia/DeepSeek-R1-0528-FP4 \
  --tp_size 8 --ep_size 8 --max_batch_size 256
cp "$TMP/stdout" "$TMP/trtllm_typed.json"
run infer --chip b200 --count 8 --mode analytic --json mpirun -n 8 --allow-run-as-root \
  --oversubscribe trtllm-llmapi-launch trtllm-serve nvidia/DeepSeek-R1-0528-FP4 --tp_size 8 \
  --ep_size 8 --max_batch_size 256
if [ "$RC" -eq 0 ] && cmp -s "$TMP/trtllm_typed.json" "$TMP/stdout"; then
  ok "mpirun ... trtllm-llmapi-launch trtllm-serve is trtllm-serve"
else
  not_ok "mpirun ... trtllm-llmapi-launch trtllm-serve is trtllm-serve" "exit $RC" \
    "stderr: ${ERR:0:300}"
fi
run infer --chip h100 --count 8 --mode analytic --json python3 -m dynamo.sglang \
  --model-path Qwen/Qwen3-32B --tp 8
if [ "$RC" -eq 0 ] && grep -q '"engine": "sglang"' "$TMP/stdout"; then
  ok "python3 -m dynamo.sglang runs SGLang"
else
  not_ok "python3 -m dynamo.sglang runs SGLang" "exit $RC" "stderr: ${ERR:0:300}"
fi
expect_bad "vLLM's NixlConnector says to size the prefill/decode pair" \
  "NixlConnector.*--disaggregate" infer --chip h100 --count 8 vllm serve Qwen/Qwen3-32B \
  --tensor-parallel-size 8 --kv-transfer-config '{"kv_connector":"NixlConnector","kv_role":"kv_both"}'
run train --json --chip h100 --model llama-3.1-8b --tokens 1B accelerate launch \
  --num_processes 16 --num_machines 2 --mixed_precision bf16 train.py --bf16 True \
  --per_device_train_batch_size 2 --gradient_accumulation_steps 8 --max_seq_length 4096 \
  --fsdp "full_shard auto_wrap"
if [ "$RC" -eq 0 ] && grep -q '"chips": 16' "$TMP/stdout"; then
  ok "accelerate launch --num_processes 16 with the Trainer's flags is 16 chips"
else
  not_ok "accelerate launch --num_processes 16 with the Trainer's flags is 16 chips" "exit $RC" \
    "stderr: ${ERR:0:300}"
fi
run infer --chip h100 --model qwen3-8b --qps 2 --duration-s 5m --json
if [ "$RC" -eq 0 ] && grep -q 'for 300 s (600 requests' "$TMP/stdout"; then
  ok "infer --duration-s 5m is 300 s"
else
  not_ok "infer --duration-s 5m is 300 s" "exit $RC" "stderr: ${ERR:0:300}"
fi
run catalog chips h20
if [ "$RC" -eq 0 ] && grep -q '^h20 ' <<<"$OUT" && ! grep -q '^h100 ' <<<"$OUT"; then
  ok "catalog chips h20 lists the h20 alone"
else
  not_ok "catalog chips h20 lists the h20 alone" "exit $RC" "stderr: ${ERR:0:300}"
fi
expect_bad "infer --qps with --requests and --duration-s names requests" "requests.*not both" \
  infer --chip h100 --model llama-3.1-8b --qps 10 --requests 1000 --duration-s 60
expect_bad "infer --dataset-name sonnet says to give a trace" "dataset-name.*requests-trace" \
  infer --chip h100 --model llama-3.1-8b --dataset-name sonnet
run infer --chip h100 --model llama-3.1-8b --json --request-rate 10 --num-prompts 1000
if [ "$RC" -eq 0 ] && grep -q '"requests_per_run": 1000' "$TMP/stdout"; then
  ok "infer --request-rate 10 --num-prompts 1000 sends 1,000 prompts at 10/s"
else
  not_ok "infer --request-rate 10 --num-prompts 1000 sends 1,000 prompts at 10/s" "exit $RC" \
    "stderr: ${ERR:0:300}"
fi
# Model cards' and recipes' own lines: MiniMax-M1 (vLLM, --quantization experts_int8), Llama 4
# Scout (--override-generation-config), Qwen3-Next on SGLang (--speculative-algo NEXTN),
# Qwen3-Coder-30B-A3B (catalog).
run infer --chip h800 --mode analytic vllm serve MiniMaxAI/MiniMax-M1-80k --tensor-parallel-size 8 \
  --trust-remote-code --quantization experts_int8 --max_model_len 4096 --dtype bfloat16
if [ "$RC" -eq 0 ] && grep -q 'experts w8a16' <<<"$OUT"; then
  ok "MiniMax-M1's vLLM line with --quantization experts_int8 runs (experts w8a16)"
else
  not_ok "MiniMax-M1's vLLM line with --quantization experts_int8 runs (experts w8a16)" "exit $RC" \
    "stderr: ${ERR:0:300}"
fi
for line in "vllm serve meta-llama/Llama-4-Scout-17B-16E-Instruct --tensor-parallel-size 8 --max-model-len 1000000 --override-generation-config={\"attn_temperature_tuning\":true}" \
  "python3 -m sglang.launch_server --model-path Qwen/Qwen3-Next-80B-A3B-Instruct --tp-size 4 --context-length 262144 --speculative-algo NEXTN --speculative-num-steps 3 --speculative-eagle-topk 1 --speculative-num-draft-tokens 4" \
  "vllm serve Qwen/Qwen3-Coder-30B-A3B-Instruct --max-model-len 65536 --enable-auto-tool-choice --tool-call-parser qwen3_coder"; do
  # shellcheck disable=SC2086 # the command is words
  run infer --chip h200 --mode analytic $line
  if [ "$RC" -eq 0 ]; then
    ok "infer runs '${line:0:60}...'"
  else
    not_ok "infer runs '${line:0:60}...'" "exit $RC" "stderr: ${ERR:0:300}"
  fi
done
# The batch asked is the one typed (16M: 16,000,000), run as whole micro-batches (dp 16 x 1:
# 1,952 sequences of 8,192 = 15,990,784 tokens); 16Mi (2,048 sequences) runs as typed.
run train --model llama-3-8b --chip h100 --count 16 --tokens 1T --seq-len 8192 \
  --global-batch-tokens 16M --tp 1 --pp 1 --cp 1 --micro-batch 1
if [ "$RC" -eq 0 ] && grep -q "15990784 tokens, 122 micro-batches (asked 16000000: nearest" <<<"$OUT"; then
  ok "train: --global-batch-tokens 16M is asked as 16000000"
else
  not_ok "train: --global-batch-tokens 16M is asked as 16000000" "exit $RC" \
    "$(grep 'global batch' <<<"$OUT")" "stderr: ${ERR:0:300}"
fi
run train --model llama-3-8b --chip h100 --count 16 --tokens 1T --seq-len 8192 \
  --global-batch-tokens 16Mi --tp 1 --pp 1 --cp 1 --micro-batch 1
if [ "$RC" -eq 0 ] && grep -qE "16777216 tokens, 128 micro-batches *$" <<<"$OUT"; then
  ok "train: --global-batch-tokens 16Mi runs as typed"
else
  not_ok "train: --global-batch-tokens 16Mi runs as typed" "exit $RC" \
    "$(grep 'global batch' <<<"$OUT")" "stderr: ${ERR:0:300}"
fi
# A pasted Megatron line runs Megatron's defaults for what it leaves out: no context parallelism,
# recomputation or sequence parallelism (here tp 2 without --sequence-parallel), no virtual
# stages; ZeRO 1 as --use-distributed-optimizer says. Without it, ZeRO 0: Llama 3 8B's fp32
# optimizer state unsharded does not fit, and the error says which defaults were taken.
run train --model llama-3-8b --chip h100 --count 8 --tensor-model-parallel-size 2 \
  --pipeline-model-parallel-size 1 --micro-batch-size 1 --global-batch-size 128 --seq-length 8192 \
  --max-position-embeddings 8192 --train-iters 1000 --bf16 --use-flash-attn \
  --use-distributed-optimizer
if [ "$RC" -eq 0 ] && grep -q "cp 1 zero 1 micro-batch 1 interleave 1 recompute none schedule 1f1b$" <<<"$OUT" &&
  grep -q "^defaults: Megatron's defaults for what the launch line leaves out (it has --use-distributed-optimizer): cp 1, no recompute, no sequence parallel, no virtual stages$" <<<"$OUT"; then
  ok "train: a pasted Megatron line runs Megatron's defaults for what it leaves out"
else
  not_ok "train: a pasted Megatron line runs Megatron's defaults for what it leaves out" "exit $RC" \
    "$(grep -E '^layout|^defaults' <<<"$OUT")" "stderr: ${ERR:0:300}"
fi
# The launch lines of session 24's audit (bench/RESULTS.md): DeepSpeed's launcher is torchrun's
# count; torchtitan's registered config; Megatron-FSDP's sharding; the attention backend; MindSpeed's
# expert pattern (-1: every layer; --first-k-dense-replace 3 is DeepSeek-V3's, 2 is not).
check_train() {
  local name=$1 want=$2
  shift 2
  run train "$@" --json
  if [ "$RC" -eq 0 ] && python3 -c "import json, sys; j = json.load(open(sys.argv[1])); sys.exit(0 if $want else 1)" "$TMP/stdout"; then
    ok "$name"
  else
    not_ok "$name" "exit $RC" "stderr: ${ERR:0:300}"
  fi
}
check_train "train: deepspeed --num_gpus 8 --num_nodes 2 is 16 chips" 'j["chips"] == 16' \
  --model llama-2-7b --chip a100 deepspeed --num_gpus 8 --num_nodes 2 pretrain_gpt.py \
  --tensor-model-parallel-size 2 --pipeline-model-parallel-size 2 --micro-batch-size 1 \
  --global-batch-size 256 --seq-length 4096 --train-iters 1000 --bf16 --deepspeed \
  --deepspeed_config ds_config.json --zero-stage 1
check_train "train: torchtitan's --module llama3 --config llama3_8b" \
  'j["chips"] == 8 and j["parallel"]["zero_stage"] == 3 and j["parallel"]["recompute"] == "selective" and j["seq_len"] == 8192' \
  --model llama-3-8b --chip h100 torchrun --nproc_per_node=8 --rdzv_backend c10d \
  --rdzv_endpoint=localhost:0 --local-ranks-filter 0 --role rank --tee 3 -m torchtitan.train \
  --module llama3 --config llama3_8b
check_train "train: --use-megatron-fsdp shards as ZeRO 3, --attention-backend unfused is unfused" \
  'j["parallel"]["zero_stage"] == 3' --model llama-3-8b --chip h100 --count 16 --tokens 1T \
  --tp 2 --pp 1 --use-megatron-fsdp --attention-backend unfused --recompute-activations
check_train "train: MindSpeed's --moe-layer-freq -1 --first-k-dense-replace -1 is every layer" \
  'j["parallel"]["ep"] == 8' --model qwen3-30b-a3b --chip h100 --count 16 --tokens 1T --tp 1 \
  --pp 2 --ep 8 --num-experts 128 --moe-layer-freq -1 --first-k-dense-replace -1 \
  --moe-token-dispatcher-type alltoall_seq --use-distributed-optimizer --recompute-granularity full \
  --recompute-method uniform
check_train "train: MindSpeed's --first-k-dense-replace 3 is DeepSeek-V3's pattern" \
  'j["model"] == "deepseek-v3"' --model deepseek-v3 --chip h800 --count 2048 --tokens 1T \
  --pp 16 --ep 64 --first-k-dense-replace 3 --moe-layer-freq 1
# DeepSeek-V3 was pre-trained in its fine-grained FP8 recipe (arXiv 2412.19437 3.3, S962/S3359):
# typed with no --dtype it trains in that and says why; --dtype bf16 keeps BF16.
check_train "train: DeepSeek-V3 with no --dtype takes its own FP8 pre-training recipe and says so" \
  'j["precision"] == "fp8-blockwise" and "pre-trained" in j["precision_basis"]' \
  --model deepseek-v3 --chip h800 --count 2048 --tokens 1T --pp 16 --ep 64
check_train "train: DeepSeek-V3 with --dtype bf16 trains in BF16, no default said" \
  'j["precision"] == "bf16" and "precision_basis" not in j' \
  --model deepseek-v3 --chip h800 --count 2048 --tokens 1T --pp 16 --ep 64 --dtype bf16
# RL post-training and LoRA are not modelled: refused at the field, not priced as full training.
expect_bad "train: veRL's GRPO trainer is refused as RL post-training" "launched-by.*RL post-training" \
  train --model qwen2.5-7b --chip h800 --count 8 python3 -m verl.trainer.main_ppo \
  algorithm.adv_estimator=grpo data.train_batch_size=1024 trainer.n_gpus_per_node=8
# LoRA is priced as LoRA (frozen base, rank-8 adapters on every linear layer: 20,971,520 for
# Llama-3.1-8B, PEFT's count), from LLaMA-Factory's line, MindSpeed-LLM's flags and the typed
# fields alike; bad LoRA input names its field, exit 2.
check_train "train: LLaMA-Factory's LoRA line is priced as LoRA (20.97 M adapters)" \
  'j["finetuning"]["method"] == "lora" and j["finetuning"]["adapter_params"] == 20971520 and j["memory_breakdown_gib"]["main_params"] == 0' \
  --model llama-3.1-8b --chip h100 --count 8 --tokens 100M llamafactory-cli train \
  --stage sft --finetuning_type lora --lora_rank 8 --cutoff_len 2048
check_train "train: MindSpeed-LLM's --lora-r 16 --lora-target-modules linear_qkv ... prices rank 16" \
  'j["finetuning"]["lora_rank"] == 16 and j["finetuning"]["lora_target"] == "all" and j["finetuning"]["adapter_params"] == 2 * 20971520' \
  --model llama-3.1-8b --chip h100 --count 8 --tokens 100M --lora-r 16 --lora-alpha 32 \
  --lora-target-modules linear_qkv linear_proj linear_fc1 linear_fc2
check_train "train: --finetuning-type qlora keeps the base in NF4" \
  'j["finetuning"]["base_bits"] == 4 and j["memory_breakdown_gib"]["weights"] < 6' \
  --model llama-3.1-8b --chip rtx-4090 --count 1 --tokens 10M --finetuning-type qlora
# LLaMA-Factory's own example (examples/train_lora/llama3_lora_sft.yaml), as its README runs it:
# the model, method, length and batch come from the file; KEY=VALUE after it wins (rank 16 on q, v:
# 32 x 16 x (8,192 + 5,120) = 6,815,744 adapters); the keys not priced are named.
cat >"$TMP/llama3_lora_sft.yaml" <<'YAML'
### model
model_name_or_path: meta-llama/Meta-Llama-3-8B-Instruct
trust_remote_code: true
### method
stage: sft
do_train: true
finetuning_type: lora
lora_rank: 8
lora_target: all
### dataset
dataset: identity,alpaca_en_demo
template: llama3
cutoff_len: 2048
max_samples: 1000
overwrite_cache: true
preprocessing_num_workers: 16
### output
output_dir: saves/llama3-8b/lora/sft
logging_steps: 10
save_steps: 500
plot_loss: true
overwrite_output_dir: true
### train
per_device_train_batch_size: 1
gradient_accumulation_steps: 8
learning_rate: 1.0e-4
num_train_epochs: 3.0
lr_scheduler_type: cosine
warmup_ratio: 0.1
bf16: true
ddp_timeout: 180000000
YAML
check_train "train: llamafactory-cli train llama3_lora_sft.yaml prices its LoRA (Llama-3-8B, 20.97 M adapters, seq 2048)" \
  'j["finetuning"]["adapter_params"] == 20971520 and j["seq_len"] == 2048 and "max_samples" in j["config_not_read"]' \
  --chip h100 --count 8 --tokens 100M llamafactory-cli train "$TMP/llama3_lora_sft.yaml"
check_train "train: llamafactory-cli train FILE lora_rank=16 lora_target=q_proj,v_proj overrides the file" \
  'j["finetuning"]["adapter_params"] == 6815744 and j["finetuning"]["lora_target"] == "q_proj,v_proj"' \
  --chip h100 --count 8 --tokens 100M llamafactory-cli train "$TMP/llama3_lora_sft.yaml" \
  lora_rank=16 lora_target=q_proj,v_proj
# A key named twice in the file: OmegaConf, which LLaMA-Factory loads it with, refuses it ("found
# duplicate key", S4360); it was read silently as the last (audit round 15: a full fine-tune
# appended under a LoRA file then failed on lora_target).
{ cat "$TMP/llama3_lora_sft.yaml"; echo "finetuning_type: full"; } >"$TMP/lf_twice.yaml"
expect_bad "train: a LLaMA-Factory file naming a key twice is refused at its second line" \
  "lf_twice\.yaml:32: finetuning_type: duplicate key \(first at line 7\)" \
  train --chip h100 --count 8 --tokens 100M llamafactory-cli train "$TMP/lf_twice.yaml"
expect_bad "train: --lora-rank 0 is refused naming the field" "lora-rank.*at least 1" \
  train --model llama-3.1-8b --chip h100 --count 8 --tokens 100M --lora-rank 0
expect_bad "train: an unknown LoRA target module is refused naming the field" \
  "lora-target.*unknown module 'qkv'" \
  train --model llama-3.1-8b --chip h100 --count 8 --tokens 100M --lora-target q_proj,qkv
expect_bad "train: --first-k-dense-replace 2 is not DeepSeek-V3's pattern" \
  "--first-k-dense-replace: puts experts on 59 of 61 layers" \
  train --model deepseek-v3 --chip h800 --count 2048 --tokens 1T --first-k-dense-replace 2
expect_bad "train: a Megatron line that does not fit as Megatron runs it names the defaults taken" \
  "no layout fits.*Megatron's defaults for what the launch line leaves out \(it has --use-flash-attn\): cp 1, no recompute, ZeRO 0" \
  train --model llama-3-8b --chip h100 --count 8 --tensor-model-parallel-size 1 \
  --pipeline-model-parallel-size 1 --micro-batch-size 1 --global-batch-size 128 --seq-length 8192 \
  --train-iters 1000 --bf16 --use-flash-attn
# A job's chip count reads K as 1024 (Llama 3's "16K H100", above): DeepSeek-V3's layout on "2K
# H800" runs (ep 64 had no dp on 2,000 chips: dp 125).
run train --model deepseek-v3 --chip h800 --count 2K --tokens 14.8T --dtype fp8 --pp 16 --ep 64 \
  --schedule dualpipe --json
if [ "$RC" -eq 0 ] && grep -q '"chips": 2048' "$TMP/stdout"; then
  ok "train --count 2K runs DeepSeek-V3's pp 16 ep 64 on 2,048 chips"
else
  not_ok "train --count 2K runs DeepSeek-V3's pp 16 ep 64 on 2,048 chips" "exit $RC" "stderr: ${ERR:0:300}"
fi
# The workload as serving benchmarks name it: InferenceMAX's ISL/OSL 8k/1k, vLLM's --input-len
# and --random-input-len.
run infer --model llama-3.1-8b --chip h100 --mode analytic --json --isl 8k --osl 1k
isl_ok=0
grep -q '"input_tokens": 8192' "$TMP/stdout" && grep -q '"output_tokens": 1024' "$TMP/stdout" && isl_ok=1
run infer --model llama-3.1-8b --chip h100 --mode analytic --json --random-input-len 8192 --output-len 1024
if [ "$RC" -eq 0 ] && [ "$isl_ok" -eq 1 ] && grep -q '"input_tokens": 8192' "$TMP/stdout" &&
  grep -q '"output_tokens": 1024' "$TMP/stdout"; then
  ok "infer takes --isl/--osl, --random-input-len and --output-len"
else
  not_ok "infer takes --isl/--osl, --random-input-len and --output-len" "exit $RC" "stderr: ${ERR:0:300}"
fi
# InferenceMAX's H200 DeepSeek-R1 SGLang command (TP=8): --cuda-graph-bs takes its sizes
# space-separated, as SGLang's parser does; accepted and listed as not modelled.
run infer --chip h200 --count 8 --mode analytic --json --model-path deepseek-ai/DeepSeek-R1-0528 \
  --host 0.0.0.0 --port 8000 --trust-remote-code --tensor-parallel-size=8 --data-parallel-size=1 \
  --disable-radix-cache --decode-log-interval 1 --cuda-graph-bs 4 8 16 32 64 128 256 \
  --cuda-graph-max-bs 256 --max-running-requests 512 --engine cuda-graphs
if [ "$RC" -eq 0 ] && python3 - "$TMP/stdout" <<'EOF'; then
import json, sys
d = json.load(open(sys.argv[1]))
assert d["layout"]["tp"] == 8, d["layout"]
assert d["flags_not_modelled"] == ["--cuda-graph-bs", "--cuda-graph-max-bs"], d["flags_not_modelled"]
EOF
  ok "infer takes InferenceMAX's SGLang command with --cuda-graph-bs 4 8 16 ..."
else
  not_ok "infer takes InferenceMAX's SGLang command with --cuda-graph-bs 4 8 16 ..." "exit $RC" \
    "stderr: ${ERR:0:300}"
fi
# With SGLang named, its --cuda-graph-max-bs and --max-prefill-tokens are priced, not listed: 8
# clients of Llama 3.1 8B FP8 on one H200 above a cap of 4 run every decode step eagerly, no shorter
# than 32 layers x 257 us (SGLang's measured launches, S3041): fewer tokens/s; a cap of 8 holds
# the batch and changes nothing. Without an engine (no launch time measured) it stays listed.
SGL=(infer --model llama-3.1-8b --chip h200 --dtype fp8 --count 1 --mode analytic --json --concurrency 8)
"$SUANLI" "${SGL[@]}" --engine sglang >"$TMP/sgl-open.json" 2>/dev/null
"$SUANLI" "${SGL[@]}" --engine sglang --cuda-graph-max-bs 8 >"$TMP/sgl-8.json" 2>/dev/null
"$SUANLI" "${SGL[@]}" --engine none --cuda-graph-max-bs 4 >"$TMP/sgl-none.json" 2>/dev/null
run "${SGL[@]}" --engine sglang --cuda-graph-max-bs 4 --max-prefill-tokens 32768
if [ "$RC" -eq 0 ] && python3 - "$TMP/sgl-open.json" "$TMP/sgl-8.json" "$TMP/stdout" \
  "$TMP/sgl-none.json" <<'EOF'; then
import json, sys
o, e, c, n = (json.load(open(f)) for f in sys.argv[1:5])
rate = lambda d: d["answer"]["output_tokens_per_s_per_chip"]
assert "flags_not_modelled" not in c and "flags_not_modelled" not in e, c.get("flags_not_modelled")
assert rate(c) < 0.97 * rate(o), (rate(c), rate(o))
assert rate(e) == rate(o), (rate(e), rate(o))
assert n["flags_not_modelled"] == ["--cuda-graph-max-bs"], n.get("flags_not_modelled")
EOF
  ok "infer prices SGLang's --cuda-graph-max-bs and --max-prefill-tokens"
else
  not_ok "infer prices SGLang's --cuda-graph-max-bs and --max-prefill-tokens" "exit $RC" \
    "stderr: ${ERR:0:300}"
fi
# infer --help lists its flags under headings, in this order.
run infer --help
if [ "$RC" -eq 0 ] && python3 - "$TMP/stdout" <<'EOF'; then
import sys
text = open(sys.argv[1]).read()
headings = ["Model, chips and formats:", "Layout:", "Engine and its limits:", "Workload:",
            "SLO and mode:", "Speculative decoding:", "Output:",
            "Serve-command flags accepted, no effect on the estimate:",
            "Serve-command flags accepted and not modelled (listed with the answer):"]
at = [text.find("\n" + h + "\n") for h in headings]
assert all(i >= 0 for i in at) and at == sorted(at), list(zip(headings, at))
out = text[at[6]:at[7]]
assert "--emit" in out and "--json" in out and "--output" in out, out
assert "--seed TEXT" in text[at[8]:] and "--workload-seed" in text[at[3]:at[4]], "seed"
EOF
  ok "infer --help groups its flags under headings"
else
  not_ok "infer --help groups its flags under headings" "exit $RC" "stderr: ${ERR:0:300}"
fi
# SGLang's Ascend best practice, Qwen3-235B-A22B on one Atlas 800I A3 of 8 cards (16 dies, each
# a device: --tp 16): refused before ("an instance of 16 chips does not divide --count 8"); read in
# dies it is the 8 packages' tp 1 dp 8 ep 8, and --emit sglang writes the dies back.
run infer --chip ascend-910c --count 8 --mode analytic --json --engine sglang \
  python3 -m sglang.launch_server --model-path Qwen3-235B-A22B-W8A8 --quantization modelslim \
  --tp 16 --dp-size 16 --enable-dp-attention --ep-size 16 --max-running-requests 272 \
  --input-tokens 3500 --output-tokens 1500 --emit sglang
if [ "$RC" -eq 0 ] && python3 - "$TMP/stdout" <<'EOF'; then
import json, sys
d = json.load(open(sys.argv[1]))
l = d["layout"]
assert (l["tp"], l["dp"], l["ep"], l["chips"]) == (1, 8, 8, 8), l
cmd = d["launch"]["command"]
assert "--tp-size 16" in cmd and "--dp-size 16" in cmd and "--ep-size 16" in cmd, cmd
EOF
  ok "infer reads SGLang's --tp 16 on 8 Ascend 910C cards in dies"
else
  not_ok "infer reads SGLang's --tp 16 on 8 Ascend 910C cards in dies" "exit $RC" \
    "stderr: ${ERR:0:300}"
fi
# SGLang's own --max-running-requests where none is given (model_runner_kv_cache_mixin.py
# _resolve_max_num_reqs, S3960): per rank min(clamp(pool / context x 512, 2048, 4096), pool / 2).
# Llama 3.1 8B on one 80 GB H100: the pool is at most 0.836 x 80 - 15.0 GiB of weights = 51.9 GiB
# at 131,072 B a token (32 layers x 8 KV heads x 128 x 2 x 2 B), 425k tokens, under the 524,288
# (2,048 x 131,072 / 512) that would lift it off the floor over the model's 131,072-token context:
# 2,048. Started with --context-length 8192 the same pool (at least 35 GiB, 287k tokens) gives
# 287k / 8,192 x 512 > 4,096: the ceiling, 4,096. Qwen3-0.6B (40,960 context, 114,688 B a token,
# a pool above 327,680 tokens = 35 GiB): 4,096. With speculative decoding ServerArgs sets 48 for
# the server (S3961), 6 a rank over 8 attention-DP ranks.
sglang_cap() {
  local name=$1 want=$2 rank=$3
  shift 3
  run infer --mode analytic --json --engine sglang --emit sglang "$@"
  if [ "$RC" -eq 0 ] && python3 - "$TMP/stdout" "$want" "$rank" <<'EOF'; then
import json, sys
d = json.load(open(sys.argv[1]))
want, rank = int(sys.argv[2]), int(sys.argv[3])
args = d["launch"]["args"]
assert f"--max-running-requests {want}" in args, args
assert d["engine_max_batch"] <= rank and d["launch_batch"] <= rank, (d["engine_max_batch"], rank)
EOF
    ok "$name"
  else
    not_ok "$name" "exit $RC" "stderr: ${ERR:0:300}" "stdout: ${OUT:0:300}"
  fi
}
sglang_cap "infer --engine sglang: SGLang's default cap from its KV pool (2,048)" 2048 2048 \
  --model llama-3.1-8b --chip h100 --count 1 --input-tokens 100 --output-tokens 100
sglang_cap "infer --engine sglang: the default over --context-length 8192 (4,096)" 4096 4096 \
  --model llama-3.1-8b --chip h100 --count 1 --input-tokens 100 --output-tokens 100 \
  --max-model-len 8192
sglang_cap "infer --engine sglang: Qwen3-0.6B's default at the ceiling (4,096)" 4096 4096 \
  --model qwen3-0.6b --chip h100 --count 1 --input-tokens 100 --output-tokens 100
sglang_cap "infer --engine sglang --mtp: 48 for the server, 6 a rank of 8" 48 6 \
  --model deepseek-r1 --chip h200 --count 8 --tp 1 --dp 8 --ep 8 --mtp 1 \
  --input-tokens 1000 --output-tokens 1000
# MindIE's config.json keys (S3962): Qwen3-8B on one 910B at the engine's defaults, maxBatchSize
# 200, maxPrefillTokens 8192, the Standard template (prompts batched apart, S3963), worldSize 1,
# NPU_MEMORY_FRACTION 0.80 (npuMemSize -1's default fraction).
run infer --model qwen3-8b --chip ascend-910b --count 1 --mode analytic --json --engine mindie \
  --input-tokens 2000 --output-tokens 500 --emit mindie
if [ "$RC" -eq 0 ] && python3 - "$TMP/stdout" <<'EOF'; then
import json, sys
d = json.load(open(sys.argv[1]))
l = d["launch"]
assert l["engine"] == "mindie" and l["command"].startswith("NPU_MEMORY_FRACTION=0.80 "), l["command"]
c = json.loads(l["config"])["BackendConfig"]
s, m = c["ScheduleConfig"], c["ModelDeployConfig"]["ModelConfig"][0]
assert (s["maxBatchSize"], s["maxPrefillTokens"], s["templateType"]) == (200, 8192, "Standard"), s
assert (m["worldSize"], m["tp"], m["npuMemSize"]) == (1, 1, -1), m
assert c["ModelDeployConfig"]["maxSeqLen"] == 2500, c["ModelDeployConfig"]
EOF
  ok "infer --emit mindie prints MindIE's config.json keys"
else
  not_ok "infer --emit mindie prints MindIE's config.json keys" "exit $RC" "stderr: ${ERR:0:300}"
fi
# vllm-ascend's Qwen3-235B-A22B tutorial, node 0 of two Atlas 800 A2 (multi-node MP): the node's
# own flags are launch-only; the deployment is --data-parallel-size 2 of --tensor-parallel-size 8.
run infer --chip ascend-910b --count 16 --mode analytic --json vllm-ascend/Qwen3-235B-A22B \
  --host 0.0.0.0 --port 8000 --data-parallel-size 2 --api-server-count 2 \
  --data-parallel-size-local 1 --data-parallel-address 10.0.0.1 --data-parallel-rpc-port 13389 \
  --seed 1024 --served-model-name qwen3 --tensor-parallel-size 8 --enable-expert-parallel \
  --max-num-seqs 16 --max-model-len 32768 --max-num-batched-tokens 4096 --trust-remote-code \
  --async-scheduling --gpu-memory-utilization 0.9
if [ "$RC" -eq 0 ] && python3 - "$TMP/stdout" <<'EOF'; then
import json, sys
d = json.load(open(sys.argv[1]))
assert (d["layout"]["tp"], d["layout"]["dp"]) == (8, 2), d["layout"]
assert d["flags_not_modelled"] == ["--async-scheduling", "--seed"], d["flags_not_modelled"]
EOF
  ok "infer takes vllm-ascend's two-node Qwen3-235B command (node 0)"
else
  not_ok "infer takes vllm-ascend's two-node Qwen3-235B command (node 0)" "exit $RC" \
    "stderr: ${ERR:0:300}"
fi
expect_bad "a dotted key of a flag infer lacks names the flag as typed" "unknown flag '--no-such-config.key'" \
  infer --model deepseek-r1 --chip h200 --count 8 --no-such-config.key 1

run "${INFER[@]}"
if [ "$RC" -eq 0 ] && grep -q "output tokens/s per chip" <<<"$OUT"; then
  ok "infer prints a summary table"
else
  not_ok "infer prints a summary table" "exit $RC" "stderr: ${ERR:0:300}"
fi

# --compare: one row per chip, in the order given; a chip that cannot serve
# the job (Kunlun P800: no peak figures in the catalog) carries its error.
COMPARE=(infer --compare --chip h20,h800,ascend-910c,kunlun-p800 --model deepseek-r1 --dtype int8)
run "${COMPARE[@]}"
rows=$(grep -E '^(h20|h800|ascend-910c|kunlun-p800)[[:space:]]' <<<"$OUT" | awk '{print $1}' |
  paste -sd, -)
if [ "$RC" -eq 0 ] && [ "$rows" = "h20,h800,ascend-910c,kunlun-p800" ]; then
  ok "infer --compare prints one row per chip"
else
  not_ok "infer --compare prints one row per chip" "exit $RC" "rows: '$rows'" \
    "stdout: ${OUT:0:600}" "stderr: ${ERR:0:300}"
fi
# The row marks the chip (its error in the row, or a marker in the row and
# the error in a note naming the chip under the table).
kunlun_row=$(grep -E '^kunlun-p800[[:space:]]' <<<"$OUT")
kunlun_note=$(grep -E '^kunlun-p800:' <<<"$OUT")
if grep -qE 'peak_tflops' <<<"$kunlun_row" ||
  { grep -qiE 'cannot|error' <<<"$kunlun_row" && grep -qE 'peak_tflops' <<<"$kunlun_note"; }; then
  ok "infer --compare: kunlun-p800 row carries its error"
else
  not_ok "infer --compare: kunlun-p800 row carries its error" "row: ${kunlun_row:0:300}" \
    "note: ${kunlun_note:0:300}"
fi
h20_row=$(grep -E '^h20[[:space:]]' <<<"$OUT")
if grep -qE 'tp[0-9]+ ep[0-9]+' <<<"$h20_row" && ! grep -q 'peak_tflops' <<<"$h20_row"; then
  ok "infer --compare: h20 row has a layout and no error"
else
  not_ok "infer --compare: h20 row has a layout and no error" "row: ${h20_row:0:300}"
fi

run "${COMPARE[@]}" --json
problems=$(python3 - "$TMP/stdout" <<'EOF' 2>&1
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception as e:
    print("not JSON:", e)
    sys.exit(0)
rows = d.get("chips")
if not isinstance(rows, list):
    print("no chips array")
    sys.exit(0)
ids = [r.get("chip") for r in rows]
if ids != ["h20", "h800", "ascend-910c", "kunlun-p800"]:
    print("chips in order:", ids)
for r in rows:
    if r.get("chip") == "kunlun-p800":
        if not r.get("error"):
            print("kunlun-p800 without an error")
    elif "error" in r or not r.get("output_tokens_per_s_per_chip", 0) > 0:
        print(r.get("chip"), "has no estimate:", r.get("error"))
EOF
)
if [ "$RC" -eq 0 ] && [ -z "$problems" ]; then
  ok "infer --compare --json: one entry per chip, kunlun-p800 with its error"
else
  not_ok "infer --compare --json: one entry per chip, kunlun-p800 with its error" "exit $RC" \
    "$problems" "stderr: ${ERR:0:300}"
fi

# --- infer: bad input --------------------------------------------------------

expect_bad "infer unknown --dtype" "dtype.*fp6|fp6.*dtype" \
  infer --model llama-3-70b --chip h20 --dtype fp6
# A100: bf16, fp16 and int8 peaks; no fp8 (catalog: n/a): FP8 weights with 16-bit math, as
# vLLM's Marlin kernels run them; a KV format that is not one names the ones that are.
run infer --model llama-3-8b --chip a100 --dtype fp8 --mode analytic
if [ "$RC" -eq 0 ] && grep -q "w8a16 (--dtype: a100 has no fp8 math" <<<"$OUT"; then
  ok "infer --dtype fp8 on a100 serves w8a16"
else
  not_ok "infer --dtype fp8 on a100 serves w8a16" "exit $RC" "stdout: ${OUT:0:300}" "stderr: ${ERR:0:300}"
fi
# Ascend 910C: bf16 and int8 peaks, no fp8 and no Marlin (CUDA): FP8 checkpoints are served as
# msModelSlim's W8A8 INT8 (vLLM-Ascend's quantization guide, S3850; SGLang's A3 runs, S3851).
run infer --model deepseek-r1 --chip ascend-910c --dtype fp8 --mode analytic
if [ "$RC" -eq 0 ] && grep -q "int8 (--dtype: ascend-910c has no fp8 math: int8, 8-bit weights and activations (W8A8" <<<"$OUT" &&
  ! grep -q "Marlin" <<<"$OUT"; then
  ok "infer --dtype fp8 on ascend-910c serves W8A8 int8, not Marlin's w8a16"
else
  not_ok "infer --dtype fp8 on ascend-910c serves W8A8 int8, not Marlin's w8a16" "exit $RC" "stdout: ${OUT:0:300}" "stderr: ${ERR:0:300}"
fi
expect_bad "infer --kv-dtype w8a16 names the KV formats" "kv-dtype.*bf16, fp16, fp8 or int8" \
  infer --model llama-3-8b --chip a100 --kv-dtype w8a16
expect_bad "infer --mode foo" "mode.*foo|foo.*mode" infer --model llama-3-70b --chip h20 --mode foo
expect_bad "infer --tpot-ms 0" "tpot" infer --model llama-3-70b --chip h20 --tpot-ms 0
expect_bad "infer --prefix-cache-hit 1.5" "prefix-cache-hit" \
  infer --model llama-3-70b --chip h20 --prefix-cache-hit 1.5
expect_bad "infer --prefix-cache-hit 1.0" "prefix-cache-hit" \
  infer --model llama-3-70b --chip h20 --prefix-cache-hit 1.0
expect_bad "infer --input-tokens 0" "input-tokens" \
  infer --model llama-3-70b --chip h20 --input-tokens 0
expect_bad "infer two chips without --compare" "compare" infer --model llama-3-70b --chip h20,h800
expect_bad "infer --tp 0" "tp" infer --model llama-3-70b --chip h20 --tp 0
# Llama 3 70B has 64 heads; 3 does not divide them.
expect_bad "infer --tp 3 does not divide 64 heads" "head" infer --model llama-3-70b --chip h20 --tp 3
expect_bad "infer --ep on a dense model" "expert" infer --model llama-3-70b --chip h20 --ep 8
# Llama 2 70B's context is 4096 tokens; 4000 + 200 exceeds it.
expect_bad "infer input + output beyond the model's context" "context" \
  infer --model llama-2-70b --chip h100 --input-tokens 4000 --output-tokens 200
# DeepSeek-V3 bf16: 671e9 x 2 B = 1250 GiB on one 80 GiB H100.
expect_bad "infer weights that do not fit" "do not fit" \
  infer --model deepseek-v3 --chip h100 --tp 1 --ep 1 --dp 1 --dtype bf16
# train and infer share one rule for --system (infer used to accept a system of another chip).
expect_bad "infer --system holding another chip, as train refuses it" "--system.*holds chip 'h20'" \
  infer --model llama-3-70b --chip h800 --system hgx-h20
expect_bad "train --system holding another chip" "--system.*holds chip 'h20'" \
  train --model llama-3-8b --chip h800 --count 8 --tokens 1e12 --system hgx-h20
expect_bad "--count with trailing text" "count.*8abc" train --model llama-3-8b --chip h100 --count 8abc --tokens 1e12
expect_bad "--count fractional" "count.*whole" train --model llama-3-8b --chip h100 --count 8.9 --tokens 1e12
expect_bad "--seed negative" "seed" forecast --seed -1 --samples 10
expect_bad "--tokens empty" "tokens.*empty" train --model llama-3-8b --chip h100 --count 8 --tokens ""
# `python -m MODULE` with a module no launcher reads: the module named and what is read, not
# CLI11's "arguments were not expected" over three words.
expect_bad "train: python -m an unread module names it" \
  "launched-by: 'megatron\.bridge\.recipes\.llama\.llama3_8b' is not a training program.*torchtitan\.train" \
  train --chip h100 --count 8 --tokens 1T python -m megatron.bridge.recipes.llama.llama3_8b
expect_bad "infer: python -m an unread module names it" \
  "launched-by: unknown 'my_server\.main'; expected vllm, sglang" \
  infer --chip h100 --count 8 --model qwen3-8b python3 -m my_server.main --port 8000
expect_bad "--count blank" "count.*empty" train --model llama-3-8b --chip h100 --count " " --tokens 1e12
# A number pasted with a space around it is the number, as a name is the name: --count "8 ".
run train --model llama-3-8b --chip h100 --count 8 --tokens 1e12 --json
count_plain=$OUT
run train --model llama-3-8b --chip h100 --count "8 " --tokens " 1e12" --json
if [ "$RC" -eq 0 ] && [ -n "$OUT" ] && [ "$OUT" = "$count_plain" ]; then
  ok "--count '8 ' is --count 8"
else
  not_ok "--count '8 ' is --count 8" "exit $RC" "${ERR:0:300}"
fi
# cluster import: hand counts from the fixtures (tests/sim/kube): 16 H800 (8 cordoned, 8 taken),
# 8 Ascend 910B3 (4 taken), 4 HAMi A100 (0.3 taken), 2 DRA H100.
KUBE_DIR="$(dirname "$0")/../sim/kube"
run cluster import "$KUBE_DIR/nodes_pods.json" "$KUBE_DIR/kueue.json" "$KUBE_DIR/dra.json" --json
if [ "$RC" -eq 0 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
t = {x["type"]: x for x in d["types"]}
assert t["NVIDIA-H800"]["gpus"] == 16 and t["NVIDIA-H800"]["free_gpus"] == 0 and t["NVIDIA-H800"]["unusable_gpus"] == 8
assert t["Ascend910B3"]["catalog_chip"] == "ascend-910b3" and t["Ascend910B3"]["free_gpus"] == 4
assert t["NVIDIA-A100-SXM4-80GB"]["gpus"] == 4 and abs(t["NVIDIA-A100-SXM4-80GB"]["free_gpus"] - 3.7) < 1e-9
assert t["NVIDIA H100 80GB HBM3"]["catalog_chip"] == "h100" and t["NVIDIA H100 80GB HBM3"]["gpus"] == 2
assert d["running_gpu_pods"] == 3 and d["pending_gpu_pods"] == 1
assert [q["nominal_quota"] for q in d["quotas"]] == [16, 8]
' "$TMP/stdout"; then
  ok "cluster import counts GPUs per type, free, quotas"
else
  not_ok "cluster import counts GPUs per type, free, quotas" "exit $RC" "${OUT:0:400}" "${ERR:0:300}"
fi
printf '{"items": [{"kind": "Node", "metadata": {"name": "n1"}, "status": {"allocatable": {"nvidia.com/gpu": "lots"}}}]}' >"$TMP/bad_nodes.json"
expect_bad "cluster import: a bad quantity names file, node and resource" "bad_nodes\.json.*node n1.*nvidia\.com/gpu" \
  cluster import "$TMP/bad_nodes.json"
# `kubectl get nodes,pods -o yaml` is the same List as -o json: the same summary.
run cluster import "$KUBE_DIR/nodes_pods.json" --json
kube_from_json=$OUT
run cluster import "$KUBE_DIR/nodes_pods.yaml" --json
if [ "$RC" -eq 0 ] && [ -n "$OUT" ] && [ "$OUT" = "$kube_from_json" ]; then
  ok "cluster import reads kubectl's -o yaml as its -o json"
else
  not_ok "cluster import reads kubectl's -o yaml as its -o json" "exit $RC" "${ERR:0:300}"
fi
expect_bad "cluster import: neither JSON nor YAML names its line" "bad\.yaml:[0-9]+:.*-o yaml" cluster import "$TMP/badcat/bad.yaml"
expect_bad "cluster import: no file" "files" cluster import --kube-json ""
# simulate: an idle cluster, hand numbers (fifo-perf takes the faster H800: 10 h; P(done by 11 h)
# = Phi(ln 1.1 / 0.10) = 0.83; cost $2 x 8 x 10 h = $160).
run simulate --durations h800:10,a100:30 --gpus 8 --cluster h800:8,a100:8 --deadline-h 11 --chip-hour-usd 2
if [ "$RC" -eq 0 ] && grep -q "runs on h800 (8 GPUs), starts in 0.0 h, finishes in 10.0 h; P(done by 11 h) = 83 %" <<<"$OUT" &&
   grep -qE '^h800 .*\$160' <<<"$OUT"; then
  ok "simulate on an idle cluster: type, finish, odds, cost"
else
  not_ok "simulate on an idle cluster" "exit $RC" "${OUT:0:400}" "${ERR:0:300}"
fi
expect_bad "simulate: neither model nor durations" "--model" simulate --cluster h800:8
expect_bad "simulate: a duration that is not type:hours" "--durations.*h800" simulate --cluster h800:8 --durations h800
expect_bad "simulate: no cluster" "--cluster" simulate --durations h800:1
expect_bad "simulate: unknown policy" "--policy.*fifo" simulate --cluster h800:8 --durations h800:1 --policy fastest
# replay --kube: the fixture's nodes; pretrain-0 (8 H800) says it ends in 100 s, the two other
# running pods say nothing (not replayed). Two 8-GPU 50 s jobs at 0: one on the free 910B node
# (JCT 50), the other waits for it (JCT 100); the running pod's JCT is 100: mean 250/3 s.
python3 - "$KUBE_DIR/nodes_pods.json" "$TMP/kube_rem.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for it in d["items"]:
    if it["kind"] == "Pod" and it["metadata"]["name"] == "pretrain-0":
        it["metadata"]["annotations"]["suanli.io/remaining-s"] = "100"
json.dump(d, open(sys.argv[2], "w"))
PY
printf 'id,arrival_s,num_gpus,duration_s\n1,0,8,50\n2,0,8,50\n' >"$TMP/two.csv"
run replay --trace "$TMP/two.csv" --kube "$TMP/kube_rem.json" --json
if [ "$RC" -eq 0 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["jobs"] == 3 and abs(d["avg_jct_s"] - 250 / 3) < 1e-3, d["avg_jct_s"]
assert [c["catalog_chip"] for c in d["cluster"]] == ["h800", "ascend-910b3", "a100"]
' "$TMP/stdout"; then
  ok "replay --kube starts from the running pods (hand JCT 83.3 s)"
else
  not_ok "replay --kube starts from the running pods" "exit $RC" "${OUT:0:300}" "${ERR:0:300}"
fi
expect_bad "replay with --kube and --cluster" "one of nodes, cluster or kube" \
  replay --trace "$TMP/two.csv" --kube "$TMP/kube_rem.json" --cluster v100:8
expect_bad "replay --cluster v100:1e9 is not 1 GPU" "1e9.*not a GPU count" \
  replay --trace "$TMP/two.csv" --cluster v100:1e9
expect_bad "replay --cluster v100:8abc" "8abc" replay --trace "$TMP/two.csv" --cluster v100:8abc
expect_bad "replay --cluster v100:8:4x" "4x" replay --trace "$TMP/two.csv" --cluster v100:8:4x
# A global batch under one sequence says the tokens as a whole number (audit round 13: it said
# "2000.000000 is less than one sequence of 8192 tokens"); 2k tokens is 2,000.
expect_bad "--global-batch-tokens 2k under one 8,192-token sequence" \
  "--global-batch-tokens: 2000 is less than one sequence of 8192 tokens" \
  train --model llama-3-8b --chip h100 --count 8 --tokens 1B --global-batch-tokens 2k
# Fewer tokens than one sequence (audit round 14: "--tokens 2k" answered "time to train 0.0 days").
expect_bad "--tokens 2k under one 8,192-token sequence" \
  "--tokens: 2000 is less than one sequence of 8192 tokens" \
  train --model llama-3.1-8b --chip h100 --count 8 --tokens 2k
# A run under a day says hours or minutes (audit round 14: 16M tokens read "0.0 days P50"). The
# unit is checked against the same table's figures, by hand: tokens / throughput / goodput.
for case in "1B 1e9 h 3600" "16M 1.6e7 min 60"; do
  read -r given tokens unit per <<<"$case"
  run train --model llama-3.1-8b --chip h100 --count 8 --tokens "$given"
  if [ "$RC" -eq 0 ] && awk -v unit="$unit" -v per="$per" -v tokens="$tokens" '
      /^throughput / { rate = $2 }
      /^goodput / { good = $2 / 100 }
      /^time to train / { u = $5; gsub(/[;)]/, "", $NF); model = $NF }
      END { hand = tokens / rate / good / per
            exit !(u == unit && rate > 0 && good > 0 && model > 0.9 * hand && model < 1.1 * hand) }
    ' <<<"$OUT"; then
    ok "train --tokens $given says its time in $unit"
  else
    not_ok "train --tokens $given says its time in $unit" "rc $RC" "$(grep 'time to train' <<<"$OUT")"
  fi
done
expect_bad "infer unknown chip suggests h20" "h20" infer --model llama-3-70b --chip h21
expect_bad "infer unknown chip in --compare" "h21" \
  infer --compare --model llama-3-70b --chip h20,h21
# Chips as users type them (issue 12/13): `--chip l20` was refused as an unknown chip. It runs on
# its 8-card PCIe server; a near miss names it; a card too small for the weights says so.
run infer --model meta-llama/Llama-3.1-8B-Instruct --chip l20 --mode analytic
if [ "$RC" -eq 0 ] && grep -q 'llama-3.1-8b on l20 (pcie-l20)' <<<"$OUT"; then
  ok "infer --chip l20 runs on its PCIe server"
else
  not_ok "infer --chip l20 runs on its PCIe server" "rc $RC" "${ERR:0:300}"
fi
expect_bad "infer unknown chip suggests l20" "nearest: l20" infer --model llama-3.1-8b --chip l30
expect_bad "infer 70B bf16 on one 24 GB 4090 does not fit" "do not fit.*24 GiB HBM" \
  infer --model llama-3.1-70b --chip 4090 --count 1
expect_bad "power cap on the L2, whose TDP is unknown" "tdp_w is unknown" \
  infer --model llama-3.1-8b --chip l2 --power-cap-w 50
# Models as released: MiniMax-M2 by its repository name; Kimi K2 Thinking takes a 200K prompt
# (its 256K context; the July Kimi-K2-Instruct's 128K still refuses it).
run infer --model MiniMaxAI/MiniMax-M2 --chip l20 --count 8 --mode analytic
if [ "$RC" -eq 0 ] && grep -q '^minimax-m2 on l20 (pcie-l20), fp8 (as released)' <<<"$OUT"; then
  ok "infer --model MiniMaxAI/MiniMax-M2 on 8 L20 runs in FP8 as released"
else
  not_ok "infer --model MiniMaxAI/MiniMax-M2 on 8 L20 runs in FP8 as released" "rc $RC" \
    "${OUT:0:200}" "${ERR:0:300}"
fi
run infer --model moonshotai/Kimi-K2-Thinking --chip h20 --count 16 --expert-dtype int4 \
  --input-tokens 200000 --output-tokens 1000 --mode analytic
if [ "$RC" -eq 0 ] && grep -q '^kimi-k2-thinking on h20' <<<"$OUT"; then
  ok "infer Kimi-K2-Thinking takes a 200K prompt"
else
  not_ok "infer Kimi-K2-Thinking takes a 200K prompt" "rc $RC" "${ERR:0:300}"
fi
expect_bad "Kimi-K2-Instruct (128K) refuses a 200K prompt" "exceed the model's context of 131072" \
  infer --model moonshotai/Kimi-K2-Instruct --chip h20 --count 16 --expert-dtype int4 \
  --input-tokens 200000 --output-tokens 1000 --mode analytic

# --- forecast ----------------------------------------------------------------

run forecast --list
if [ "$RC" -eq 0 ] && grep -qE '^china-2026([[:space:]]|$)' <<<"$OUT" &&
  grep -qE '^cloud-inference-first([[:space:]]|$)' <<<"$OUT"; then
  ok "forecast --list lists china-2026 and cloud-inference-first"
else
  not_ok "forecast --list lists china-2026 and cloud-inference-first" "exit $RC" \
    "stdout: ${OUT:0:300}" "stderr: ${ERR:0:300}"
fi

FORECAST=(forecast --samples 50 --json)
run "${FORECAST[@]}"
cp "$TMP/stdout" "$TMP/forecast1.json"
forecast_rc=$RC
if [ "$RC" -eq 0 ] && python3 -m json.tool "$TMP/forecast1.json" >/dev/null 2>&1; then
  ok "forecast --samples 50 --json exits 0 with JSON"
else
  not_ok "forecast --samples 50 --json exits 0 with JSON" "exit $RC" "stderr: ${ERR:0:300}"
fi

missing=$(python3 - "$TMP/forecast1.json" <<'EOF2' 2>&1
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception as e:
    print("not JSON:", e)
    sys.exit(0)
def date_or_null(v):
    return v is None or (isinstance(v, str) and len(v) == 10 and v[4] == "-" and v[7] == "-")
runs = d.get("runs")
if not isinstance(runs, list) or not runs:
    print("no runs array")
    runs = []
for r in runs:
    for f in ("name", "finish_p10", "finish_p50", "finish_p90", "p_meet_target", "delay_weeks_p50"):
        if f not in r:
            print("runs[]: missing", f)
    if not isinstance(r.get("name"), str) or not r.get("name"):
        print("runs[].name not a name")
    for f in ("finish_p10", "finish_p50", "finish_p90"):
        if f in r and not date_or_null(r[f]):
            print("runs[].%s not a date or null: %r" % (f, r[f]))
    # P10 <= P50 <= P90, beyond the horizon (null) last.
    key = lambda v: "9999-99-99" if v is None else v
    q = [key(r.get(f)) for f in ("finish_p10", "finish_p50", "finish_p90")]
    if q != sorted(q):
        print("finish quantiles out of order:", q)
    p = r.get("p_meet_target")
    if not isinstance(p, (int, float)) or isinstance(p, bool) or not 0 <= p <= 1:
        print("p_meet_target not in [0, 1]:", p)
    dw = r.get("delay_weeks_p50")
    if dw is not None and (not isinstance(dw, (int, float)) or isinstance(dw, bool)):
        print("delay_weeks_p50 not a number or null:", dw)
    if (dw is None) != (r.get("finish_p50") is None):
        print("delay_weeks_p50 null exactly when finish_p50 is")
services = d.get("services")
if not isinstance(services, list) or not services:
    print("no services array")
    services = []
for s in services:
    if not isinstance(s.get("name"), str) or not s.get("name"):
        print("services[].name missing")
    sf = s.get("served_fraction")
    if not isinstance(sf, list) or not sf:
        print("services[].served_fraction not a list")
    elif not all(isinstance(v, (int, float)) and 0 <= v <= 1 for v in sf):
        print("served_fraction outside [0, 1]")
    elif len(sf) != len(d.get("periods", [])):
        print("served_fraction has", len(sf), "entries for", len(d.get("periods", [])), "periods")
for f in ("sensitivity", "purchase_advice"):
    if not isinstance(d.get(f), list):
        print(f, "not a list")
for e in d.get("sensitivity") or []:
    if not {"factor", "run", "swing_weeks"} <= set(e):
        print("sensitivity entry without factor/run/swing_weeks:", e)
    elif e["swing_weeks"] < 0:
        print("negative swing_weeks:", e)
for a in d.get("purchase_advice") or []:
    if not {"chip", "run", "weeks_saved_p50"} <= set(a):
        print("purchase_advice entry without chip/run/weeks_saved_p50:", a)
if d.get("samples") != 50:
    print("samples", d.get("samples"), "!= 50")
EOF2
)
if [ "$forecast_rc" -eq 0 ] && [ -z "$missing" ]; then
  ok "forecast --json has every field"
else
  not_ok "forecast --json has every field" "$missing"
fi

# A second run, written with -o, gives the first run's stdout byte for byte: the forecast is the
# same twice, and -o writes what stdout would show (one run checks both; under ASan each run of
# 50 samples costs seconds).
rm -f "$TMP/forecast.json" "$TMP/forecast.json.tmp"
run "${FORECAST[@]}" -o "$TMP/forecast.json"
if [ "$RC" -eq 0 ] && cmp -s "$TMP/forecast.json" "$TMP/forecast1.json" && [ -z "$OUT" ] &&
  [ ! -e "$TMP/forecast.json.tmp" ]; then
  ok "forecast twice gives identical bytes, and -o writes the stdout content"
else
  not_ok "forecast twice gives identical bytes, and -o writes the stdout content" "exit $RC" \
    "stderr: ${ERR:0:300}"
fi

# --- forecast: bad input -----------------------------------------------------

expect_bad "forecast unknown scenario name" "china-2025" forecast china-2025 --samples 50
expect_bad "forecast unknown scenario lists the built-in ones" "china-2026" \
  forecast china-2025 --samples 50
expect_bad "forecast scenario file that does not exist" "no-such\.yaml" \
  forecast "$TMP/no-such.yaml" --samples 50

# Line 4's bracket is never closed; line 5 is the first that cannot be in it.
cat >"$TMP/bad_scenario.yaml" <<'EOF2'
scenario:
  name: bad
  start: 2027-01-01
  period: [month
  horizon: 6
EOF2
expect_bad "forecast malformed scenario file gives file:line" "bad_scenario\.yaml:[45]\b" \
  forecast "$TMP/bad_scenario.yaml" --samples 50

# The built-in scenario with its start moved back two years (audit round 10): the run's
# earliest_start 2026-12 lies after the horizon (2024-01-01 + 24 months ends 2025-12-31). It was
# a forecast of "P50 finish beyond the horizon (0 % of samples finish)" saying nothing of why.
sed 's/^  start: 2026-12-01/  start: 2024-01-01/' \
  "$(dirname "$0")/../../data/scenarios/china-2026.yaml" >"$TMP/past_start.yaml"
expect_bad "forecast: a run that could never start names its earliest_start (file:line)" \
  "past_start\.yaml:91: workloads\.training\[0\]\.earliest_start: earliest_start 2026-12-01 is after the horizon's last period \(start 2024-01-01 \+ 24 months ends 2025-12-31\)" \
  forecast "$TMP/past_start.yaml" --samples 20

# A well-formed scenario whose line 4 has an unknown period.
cat >"$TMP/day_scenario.yaml" <<'EOF2'
scenario:
  name: daily
  start: 2027-01-01
  period: day
  horizon: 6
EOF2
expect_bad "forecast unknown period gives file:line and field" \
  "day_scenario\.yaml:4: scenario\.period" forecast "$TMP/day_scenario.yaml" --samples 50

expect_bad "forecast --samples 0" "samples" forecast --samples 0
expect_bad "forecast --samples -3" "samples" forecast --samples -3

cat >"$TMP/h1000.yaml" <<'EOF2'
scenario: {name: typo, start: 2027-01-01, period: month, horizon: 6}
fleet:
  - {chip: h1000, count: 128}
workloads:
  training:
    - {name: run, model: llama-3-8b, tokens: 1e12, chips: [h100], max_chips: 128, target: 2027-06-30}
EOF2
expect_bad "forecast scenario with an unknown chip id" "h1000" \
  forecast "$TMP/h1000.yaml" --samples 50
expect_bad "forecast unknown chip id suggests h100" "nearest.*h100[^0]" \
  forecast "$TMP/h1000.yaml" --samples 50
expect_bad "forecast unknown chip id names file:line and field" \
  "h1000\.yaml:3: fleet\[0\]\.chip: unknown chip 'h1000'" forecast "$TMP/h1000.yaml" --samples 50
sed 's/model: llama-3-8b/model: llama-3-8c/' "$TMP/h1000.yaml" | sed 's/h1000/h100/' >"$TMP/model.yaml"
expect_bad "forecast unknown model names file:line and field" \
  "model\.yaml:6: workloads\.training\[0\]\.model: run 'run': unknown model 'llama-3-8c'" \
  forecast "$TMP/model.yaml" --samples 50

cat >"$TMP/cap_scenario.yaml" <<'EOF2'
scenario: {name: hot, start: 2027-01-01, period: month, horizon: 6}
fleet:
  - {chip: h100, count: 128}
power_caps:
  - {chip: h100, watts: 900}
workloads:
  training:
    - {name: run, model: llama-3-8b, tokens: 1e12, chips: [h100], max_chips: 128, target: 2027-06-30}
EOF2
expect_bad "forecast scenario with a power cap above the TDP" \
  "cap_scenario\.yaml:5: power_caps\[0\]\.watts: power cap 900 W is above the 700 W TDP" \
  forecast "$TMP/cap_scenario.yaml" --samples 50
sed -i 's/watts: 900/watts: 0/' "$TMP/cap_scenario.yaml"
expect_bad "forecast scenario with a zero power cap gives file:line and field" \
  "cap_scenario\.yaml:5: power_caps\[0\]\.watts" forecast "$TMP/cap_scenario.yaml" --samples 50

# YAML strictness: a second key or document was ignored silently; text must be UTF-8.
sed 's/horizon: 6}/horizon: 6, horizon: 3}/' "$TMP/h1000.yaml" >"$TMP/dup.yaml"
expect_bad "forecast scenario with a duplicate key names both lines" \
  "dup\.yaml:1: scenario\.horizon: duplicate key \(first at line 1\)" forecast "$TMP/dup.yaml" --samples 50
{ cat "$TMP/h1000.yaml"; printf -- '---\nscenario: {name: second}\n'; } >"$TMP/two_docs.yaml"
expect_bad "forecast scenario with two YAML documents" "two_docs\.yaml:7: more than one YAML document" \
  forecast "$TMP/two_docs.yaml" --samples 50
mkdir -p "$TMP/latin1"
printf 'chips:\n  - id: u8\n    name: "caf\xe9"\n    vendor: x\n' >"$TMP/latin1/x.yaml"
expect_bad "catalog --json with a Latin-1 name: file:line, not an internal error" \
  "latin1/x\.yaml:3: not valid UTF-8" catalog chips --json --catalog "$TMP/latin1"
mkdir -p "$TMP/loop" && ln -sf x.yaml "$TMP/loop/x.yaml"
expect_bad "catalog directory with a symbolic link loop" "x\.yaml: cannot read file: Too many levels" \
  catalog chips --catalog "$TMP/loop"

# A service with no demand, or one shrinking 99 % a period, needs no chips. Both aborted in the
# LP solver (SIGABRT, exit 134) with the shipped scenario edited as below.
SCENARIOS="$(cd "$(dirname "$0")/../../data/scenarios" && pwd)"
sed 's/demand_tokens_per_s: .*/demand_tokens_per_s: 0/' "$SCENARIOS/china-2026.yaml" >"$TMP/d0.yaml"
sed 's/growth_per_period: .*/growth_per_period: -0.99/' "$SCENARIOS/china-2026.yaml" >"$TMP/shrink.yaml"
for args in "d0.yaml --samples 1" "shrink.yaml --samples 20 --no-sensitivity --no-purchase-advice"; do
  read -r file rest <<<"$args"
  # shellcheck disable=SC2086  # rest is a list of flags
  run forecast "$TMP/$file" $rest --json
  if [ "$RC" -eq 0 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
s = d["services"][0]
assert s["served_fraction"][-1] == 1, s["served_fraction"]
' "$TMP/stdout" 2>/dev/null; then
    ok "forecast $file: exit 0, a service with (next to) no demand is fully served"
  else
    not_ok "forecast $file: exit 0, a service with (next to) no demand is fully served" \
      "exit $RC" "stderr: ${ERR:0:300}"
  fi
done

# --- replay ---------------------------------------------------------------
cat >"$TMP/jobs.csv" <<'EOF2'
id,arrival_s,num_gpus,duration_s
1,0,1,100
2,0,1,200
3,0,1,50
EOF2
# Hand check: 3 one-GPU jobs (100, 200, 50 s) on 2 GPUs. FIFO mean JCT (100+200+150)/3 = 150 s.
if out=$("$SUANLI" replay --trace "$TMP/jobs.csv" --cluster v100:2 --policy fifo --json 2>&1) &&
   echo "$out" | python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if abs(d['avg_jct_s']-150)<1e-6 and d['policy']=='fifo' else 1)"; then
  ok "replay fifo on a hand-checked trace: avg JCT 150 s"
else
  not_ok "replay fifo on a hand-checked trace: $out"
fi
if out=$("$SUANLI" replay --trace "$TMP/jobs.csv" --cluster v100:2 --policy fifo,sjf,srtf,las,best-fit 2>&1) &&
   [ "$(echo "$out" | grep -cE '^(fifo|sjf|srtf|las|best-fit) ')" -eq 5 ]; then
  ok "replay --policy a,b,c prints one row per policy"
else
  not_ok "replay comparison table: $out"
fi
for field in policy jobs avg_jct_s p50_jct_s p99_jct_s avg_queue_s makespan_s utilization unallocated_gpu_fraction events; do
  if "$SUANLI" replay --trace "$TMP/jobs.csv" --cluster v100:2 --json | python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if '$field' in d else 1)"; then
    ok "replay JSON has $field"
  else
    not_ok "replay JSON lacks $field"
  fi
done
# Same inputs, same bytes: wall-clock seconds only with --timing.
"$SUANLI" replay --trace "$TMP/jobs.csv" --cluster v100:2 --policy fifo,sjf,srtf --json >"$TMP/replay1.json"
"$SUANLI" replay --trace "$TMP/jobs.csv" --cluster v100:2 --policy fifo,sjf,srtf --json >"$TMP/replay2.json"
if cmp -s "$TMP/replay1.json" "$TMP/replay2.json" && ! grep -q sim_wall_s "$TMP/replay1.json"; then
  ok "replay --json twice gives identical bytes, with no wall-clock field"
else
  not_ok "replay --json twice gives identical bytes, with no wall-clock field" \
    "$(diff "$TMP/replay1.json" "$TMP/replay2.json" | head -5)"
fi
if "$SUANLI" replay --trace "$TMP/jobs.csv" --cluster v100:2 --policy fifo,sjf --json --timing |
  python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if all(p['sim_wall_s'] >= 0 for p in d['policies']) else 1)" &&
  "$SUANLI" replay --trace "$TMP/jobs.csv" --cluster v100:2 --timing | grep -q 'events  wall s$'; then
  ok "replay --timing adds sim_wall_s and the wall s column"
else
  not_ok "replay --timing adds sim_wall_s and the wall s column"
fi
printf 'id,arrival_s,num_gpus,duration_s\n1,0,1,100\n2,zero,1,100\n' >"$TMP/bad_jobs.csv"
expect_bad "replay malformed row names file:line and field" "bad_jobs\.csv:3: arrival_s" \
  replay --trace "$TMP/bad_jobs.csv" --cluster v100:2
# A header typed with a space after each comma reads as the plain one (was "missing column
# 'arrival_s'"); a duration with a unit in a time column (plain seconds) is refused at file:line.
printf 'id, arrival_s, num_gpus, duration_s\n1, 0, 1, 100\n' >"$TMP/spaced_jobs.csv"
run replay --trace "$TMP/spaced_jobs.csv" --cluster v100:2 --json
if [ "$RC" -eq 0 ] && python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["jobs"] == 1 and abs(d["avg_jct_s"] - 100) < 1e-6, d' <<<"$OUT"; then
  ok "replay reads a CSV header with spaces after the commas"
else
  not_ok "replay reads a CSV header with spaces after the commas" "exit $RC: ${ERR:0:200}"
fi
printf 'id,arrival_s,num_gpus,duration_s\n1,0,1,2h\n' >"$TMP/unit_jobs.csv"
expect_bad "replay refuses a duration with a unit at file:line" "unit_jobs\.csv:2: duration_s: '2h'" \
  replay --trace "$TMP/unit_jobs.csv" --cluster v100:2
# A job that can never fit stays pending (a real scheduler leaves it so): counted and listed with
# why, in the table, the JSON and the report; the other job runs as it would alone (JCT 100 s).
printf 'id,arrival_s,num_gpus,duration_s\n1,0,1,100\n2,0,16,100\n' >"$TMP/big_job.csv"
run replay --trace "$TMP/big_job.csv" --cluster v100:8 --policy fifo,sjf --report "$TMP/big_job.html"
if [ "$RC" -eq 0 ] && grep -q '^1 of 2 jobs can never fit this cluster and stay pending' <<<"$OUT" &&
  grep -qx '  2: asks 16 GPUs; v100 nodes have at most 8 GPUs' <<<"$OUT" &&
  grep -q 'asks 16 GPUs; v100 nodes have at most 8 GPUs' "$TMP/big_job.html"; then
  ok "replay job that can never fit: pending, listed with why (table, report)"
else
  not_ok "replay job that can never fit: pending, listed with why (table, report)" "rc $RC" "$OUT" "${ERR:0:400}"
fi
if "$SUANLI" replay --trace "$TMP/big_job.csv" --cluster v100:8 --json | python3 -c "
import json, sys
d = json.load(sys.stdin)
assert (d['jobs'], d['completed'], d['jobs_never_fit'], d['avg_jct_s']) == (2, 1, 1, 100.0), d
assert d['never_fit'] == [{'id': 2, 'name': '2', 'why': 'asks 16 GPUs; v100 nodes have at most 8 GPUs'}], d
"; then
  ok "replay job that can never fit: jobs_never_fit and never_fit in --json"
else
  not_ok "replay job that can never fit: jobs_never_fit and never_fit in --json"
fi
# A stray quote: the line it opened on, not the rest of the file in the message.
python3 -c 'import sys; sys.stdout.write("id,arrival_s,num_gpus,duration_s\n1,0,1,100\n2,\"0,1,100\n" + "".join(f"{i},0,1,100\n" for i in range(3, 200000)))' >"$TMP/quote.csv"
expect_bad "replay stray quote names its line, briefly" "quote\.csv:3: unterminated quote" \
  replay --trace "$TMP/quote.csv" --cluster v100:2
if [ "${#ERR}" -lt 300 ]; then
  ok "replay stray quote: the message is one short line (${#ERR} bytes)"
else
  not_ok "replay stray quote: the message is one short line" "${#ERR} bytes"
fi
printf '\xef\xbb\xbfid,arrival_s,num_gpus,duration_s\n1,0,1,100\n' >"$TMP/bom.csv"
run replay --trace "$TMP/bom.csv" --cluster v100:2 --json
if [ "$RC" -eq 0 ] && grep -q '"jobs": 1' "$TMP/stdout"; then
  ok "replay reads a CSV that starts with a UTF-8 byte order mark"
else
  not_ok "replay reads a CSV that starts with a UTF-8 byte order mark" "exit $RC" "stderr: ${ERR:0:300}"
fi
run replay --trace "$TMP/jobs.csv" --cluster $'v100:2,\xff:1' --json
if [ "$RC" -eq 0 ] && python3 -m json.tool "$TMP/stdout" >/dev/null 2>&1; then
  ok "replay --json with a non-UTF-8 cluster type prints valid JSON"
else
  not_ok "replay --json with a non-UTF-8 cluster type prints valid JSON" "exit $RC" "stderr: ${ERR:0:300}"
fi
printf '' >"$TMP/empty.csv"
expect_bad "replay empty trace" "empty" replay --trace "$TMP/empty.csv" --cluster v100:8
expect_bad "replay unknown policy lists the policies" "fifo" \
  replay --trace "$TMP/jobs.csv" --cluster v100:2 --policy round-robin
expect_bad "replay without a cluster" "cluster" replay --trace "$TMP/jobs.csv"
expect_bad "replay unknown format" "format" replay --trace "$TMP/jobs.csv" --cluster v100:2 --format parquet
expect_bad "replay bad cluster spec" "cluster" replay --trace "$TMP/jobs.csv" --cluster v100

# Gavel's legacy 7-column (Philly-derived) trace, with its own small throughput table.
cat >"$TMP/tput.json" <<'EOF2'
{"v100": {"('ResNet-18 (batch size 32)', 1)": {"null": 10.0}},
 "k80": {"('ResNet-18 (batch size 32)', 1)": {"null": 2.5}}}
EOF2
printf 'ResNet-18 (batch size 32)\tcmd\t--num_steps\t1\t1000\t0.0\t1\nResNet-18 (batch size 32)\tcmd\t--num_steps\t1\t500\t5.0\t0\n' >"$TMP/vc.trace"
if out=$("$SUANLI" replay --trace "$TMP/vc.trace" --throughputs "$TMP/tput.json" --cluster v100:1 --json 2>/dev/null) &&
   echo "$out" | python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if d['jobs']==1 and abs(d['avg_jct_s']-100)<1e-6 else 1)"; then
  ok "replay Gavel legacy 7-column trace: scale_factor 0 skipped, 1000 steps at 10/s = 100 s"
else
  not_ok "replay Gavel legacy trace: $out"
fi
printf 'ResNet-18 (batch size 32)\tcmd\t--num_steps\t1\t1000\t0.0\t1\nResNet-18 (batch size 32)\tcmd\t--num_steps\t1\t500\tlater\t1\n' >"$TMP/bad.trace"
expect_bad "replay Gavel legacy malformed row names file:line and field" "bad\.trace:2: arrival_time" \
  replay --trace "$TMP/bad.trace" --throughputs "$TMP/tput.json" --cluster v100:1

expect_bad "replay Gavel: a missing --throughputs names the flag once, then the file" \
  '^suanli: error: --throughputs: .*nope\.json: gavel traces need their throughput table \(simulation_throughputs\.json\): cannot read file' \
  replay --trace "$TMP/vc.trace" --throughputs "$TMP/nope.json" --cluster v100:1

# Sia workloads with a made-up cifar10 profile (100 epochs) on aws (T4).
mkdir -p "$TMP/sia/cifar10"
python3 - "$TMP/sia/cifar10" <<'EOF2'
import sys
d = sys.argv[1]
with open(d + "/validation-128.csv", "w") as f:
    f.write("progress,iteration\n" + "".join(f"{e},{e * 100}\n" for e in range(1, 101)))
with open(d + "/placements-aws.csv", "w") as f:
    f.write("placement,local_bsz,step_time,sync_time\n1,64,0.1,0.0\n1,128,0.2,0.0\n")
EOF2
printf 'name,time,application,num_replicas,batch_size\ncifar10-0,0,cifar10,1,128\n' >"$TMP/sia.csv"
# 10,000 iterations x 0.2 s x Sia's cifar10 slowdown 1.8 + 50 s start-up = 3,650 s.
if out=$("$SUANLI" replay --trace "$TMP/sia.csv" --profiles "$TMP/sia" --cluster t4:4 --json 2>&1) &&
   echo "$out" | python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if abs(d['avg_jct_s']-3650)<1e-6 else 1)"; then
  ok "replay Sia workload (format from the header): 10,000 iterations x 0.2 s x 1.8 + 50 s"
else
  not_ok "replay Sia workload: $out"
fi
printf 'name,time,application,num_replicas,batch_size\ncifar10-0,0,cifar10,1,128\nx,5,mnist,1,128\n' >"$TMP/sia_unknown.csv"
expect_bad "replay Sia unknown application names file:line" "sia_unknown\.csv:3: application: unknown application" \
  replay --trace "$TMP/sia_unknown.csv" --profiles "$TMP/sia" --cluster t4:4
printf 'name,time,application,num_replicas,batch_size\ncifar10-0,soon,cifar10,1,128\n' >"$TMP/sia_bad.csv"
expect_bad "replay Sia malformed row names file:line and field" "sia_bad\.csv:2: time" \
  replay --trace "$TMP/sia_bad.csv" --profiles "$TMP/sia" --cluster t4:4
expect_bad "replay Sia missing profile directory" "profile" \
  replay --trace "$TMP/sia.csv" --profiles "$TMP/nowhere" --cluster t4:4
expect_bad "replay Sia empty trace" "empty" \
  replay --trace "$TMP/empty.csv" --format sia --profiles "$TMP/sia" --cluster t4:4

# --- trace synth ------------------------------------------------------------
python3 - "$TMP/source.csv" <<'EOF2'
import sys
with open(sys.argv[1], "w") as f:
    f.write("id,arrival_s,num_gpus,duration_s,gpu_types\n")
    for i in range(200):
        f.write(f"{i + 1},{i * 30 + (i % 7) * 3},{[1, 2, 4][i % 3]},v100={600 + i * 10};k80={1800 + i * 30},\n")
EOF2
if "$SUANLI" trace synth --from "$TMP/source.csv" --jobs 5000 --seed 3 --rate-scale 2 -o "$TMP/synth_a.csv" >/dev/null 2>&1 &&
   "$SUANLI" trace synth --from "$TMP/source.csv" --jobs 5000 --seed 3 --rate-scale 2 -o "$TMP/synth_b.csv" >/dev/null 2>&1 &&
   cmp -s "$TMP/synth_a.csv" "$TMP/synth_b.csv" &&
   [ "$(wc -l <"$TMP/synth_a.csv")" -eq 5001 ]; then
  ok "trace synth writes 5,000 jobs, byte-identical for a seed"
else
  not_ok "trace synth determinism"
fi
if out=$("$SUANLI" replay --trace "$TMP/synth_a.csv" --cluster v100:8,k80:8 --json 2>&1) &&
   echo "$out" | python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if d['completed']==5000 else 1)"; then
  ok "a synthesized trace replays"
else
  not_ok "synthesized trace replay: ${out:0:300}"
fi
if out=$("$SUANLI" trace synth --from "$TMP/source.csv" --jobs 10 -o "$TMP/synth_c.csv" --json 2>&1) &&
   echo "$out" | python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if d['jobs']==10 and d['source_jobs']==200 else 1)"; then
  ok "trace synth --json"
else
  not_ok "trace synth --json: $out"
fi
expect_bad "trace synth with zero jobs" "jobs" trace synth --from "$TMP/source.csv" --jobs 0
expect_bad "trace synth with a zero rate scale" "rate-scale" trace synth --from "$TMP/source.csv" --jobs 10 --rate-scale 0
# 1e300 put the jobs 1e-299 s apart ("arrivals over 0 s"): more than a million times is refused.
expect_bad "trace synth with an absurd rate scale" "rate-scale: 1e\+300 is more than a million times" \
  trace synth --from "$TMP/source.csv" --jobs 10 --rate-scale 1e300
expect_bad "trace synth from a malformed trace names file:line" "bad_jobs\.csv:3: arrival_s" \
  trace synth --from "$TMP/bad_jobs.csv" --jobs 10
printf 'id,arrival_s,num_gpus,duration_s\n1,0,1,100\n' >"$TMP/one_job.csv"
# Named with --from and the file (audit round 20; was "the source trace needs at least two jobs").
expect_bad "trace synth from a one-job trace" \
  "error: --from: .*one_job\\.csv: holds 1 job; synth needs at least two jobs" \
  trace synth --from "$TMP/one_job.csv" --jobs 10
expect_bad "trace synth from a missing file" "cannot read" trace synth --from "$TMP/nowhere.csv" --jobs 10
# --- replay --fill (FGD's experiment) ----------------------------------------
cat >"$TMP/pods.csv" <<'EOF2'
name,cpu_milli,memory_mib,num_gpu,gpu_milli
pod-0,4000,1024,1,500
pod-1,4000,1024,1,500
pod-2,8000,2048,2,1000
pod-3,2000,512,0,0
pod-4,4000,1024,1,250
EOF2
cat >"$TMP/gpu_nodes.csv" <<'EOF2'
sn,cpu_milli,memory_mib,gpu,model
n0,32000,65536,4,T4
n1,32000,65536,2,T4
EOF2
if out=$("$SUANLI" replay --trace "$TMP/pods.csv" --nodes "$TMP/gpu_nodes.csv"            --policy fgd,best-fit,gpu-packing --fill 1.3 --repeat 2 2>&1) &&
   [ "$(echo "$out" | grep -cE '^(fgd|best-fit|gpu-packing) ')" -eq 3 ]; then
  ok "replay --fill prints one row per policy"
else
  not_ok "replay --fill table: $out"
fi
if "$SUANLI" replay --trace "$TMP/pods.csv" --nodes "$TMP/gpu_nodes.csv" --policy fgd --fill 1.3 \
     --json | python3 -c "
import json, sys
d = json.load(sys.stdin)
p = d['policies'][0]
ok = d['mode'] == 'fill' and d['total_gpus'] == 6 and d['seeds'] == [42]
ok = ok and len(p['alloc_pct_by_arrived_pct']) == 131 and '100' in p['alloc_pct_at_arrived_pct']
sys.exit(0 if ok else 1)"; then
  ok "replay --fill JSON has the curve, milestones, seeds and total_gpus"
else
  not_ok "replay --fill JSON fields"
fi
a=$("$SUANLI" replay --trace "$TMP/pods.csv" --nodes "$TMP/gpu_nodes.csv" --policy fgd --fill 2 --seed 7 --json)
b=$("$SUANLI" replay --trace "$TMP/pods.csv" --nodes "$TMP/gpu_nodes.csv" --policy fgd --fill 2 --seed 7 --json)
if [ -n "$a" ] && [ "$a" = "$b" ]; then
  ok "replay --fill is deterministic for a seed"
else
  not_ok "replay --fill differs between identical runs"
fi
expect_bad "replay --fill 0" "fill" replay --trace "$TMP/pods.csv" --nodes "$TMP/gpu_nodes.csv" --policy fgd --fill 0
expect_bad "replay --fill -1" "fill" replay --trace "$TMP/pods.csv" --nodes "$TMP/gpu_nodes.csv" --policy fgd --fill -1
expect_bad "replay --fill --repeat 0" "repeat" \
  replay --trace "$TMP/pods.csv" --nodes "$TMP/gpu_nodes.csv" --policy fgd --fill 1.3 --repeat 0
printf 'name,cpu_milli,memory_mib,num_gpu,gpu_milli\npod-0,4000,1024,0,0\n' >"$TMP/cpu_pods.csv"
printf 'ResNet-18 (batch size 32)\tcmd\tdir\t--num_steps\t1\t720\t1\t1\t-1\t0\n' >"$TMP/rounds_for_fill.trace"
expect_bad "replay --fill on a trace without GPU pods" "no GPU pods" \
  replay --trace "$TMP/cpu_pods.csv" --nodes "$TMP/gpu_nodes.csv" --policy fgd --fill 1.3
expect_bad "replay --fill on a Gavel trace found by its name" "fill needs an openb or csv" \
  replay --trace "$TMP/rounds_for_fill.trace" --cluster v100:1 --policy fgd --fill 1.3
printf 'id,arrival_s,num_gpus,duration_s\n1,0,0,100\n' >"$TMP/cpu_jobs.csv"
expect_bad "replay fgd on a trace without GPU jobs" "no GPU jobs" \
  replay --trace "$TMP/cpu_jobs.csv" --cluster v100:2 --policy fgd

# Gavel's round mechanism through the CLI (hand-checked in tests/sim/rounds_test.cc): one V100,
# A (720 steps at 1/s) at 0, B (360 steps) at 100 s; A runs 0-720, B 720-1080: mean JCT 850 s.
cat >"$TMP/gavel_tput.json" <<'EOF2'
{"v100": {"('ResNet-18 (batch size 32)', 1)": {"null": 1.0}}}
EOF2
printf 'ResNet-18 (batch size 32)\tcmd\tdir\t--num_steps\t1\t720\t1\t1\t-1\t0\nResNet-18 (batch size 32)\tcmd\tdir\t--num_steps\t1\t360\t1\t1\t-1\t100\n' >"$TMP/rounds.trace"
if out=$("$SUANLI" replay --trace "$TMP/rounds.trace" --throughputs "$TMP/gavel_tput.json" --cluster v100:1 \
           --policy fifo-perf --round-s 360 --json 2>&1) &&
   echo "$out" | python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if abs(d['avg_jct_s']-850)<1e-6 and d['mechanism']=='gavel-rounds' else 1)"; then
  ok "replay --round-s runs Gavel's mechanism: hand-checked mean JCT 850 s"
else
  not_ok "replay Gavel rounds: $out"
fi
if out=$("$SUANLI" replay --trace "$TMP/rounds.trace" --throughputs "$TMP/gavel_tput.json" --cluster v100:1 \
           --policy max-min-fairness,max-min-fairness-perf --json 2>&1) &&
   echo "$out" | python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if all(p['round_s']==360 and p['completed']==2 for p in d['policies']) else 1)"; then
  ok "replay max-min-fairness(-perf) run in 360 s rounds when no --round-s is given"
else
  not_ok "replay max-min-fairness default rounds: $out"
fi
expect_bad "replay --round-s negative" "round-s" \
  replay --trace "$TMP/rounds.trace" --throughputs "$TMP/gavel_tput.json" --cluster v100:1 --round-s -5
printf 'id,arrival_s,num_gpus,duration_s\n1,0,1,100\n' >"$TMP/any_type.csv"
if out=$("$SUANLI" replay --trace "$TMP/any_type.csv" --cluster H800:2,V100:1,P100:1 --policy fifo --json 2>&1) &&
   echo "$out" | python3 -c "import json,sys; c={t['type']: t['catalog_chip'] for t in json.load(sys.stdin)['cluster']}; sys.exit(0 if c=={'H800': 'h800', 'V100': 'v100', 'P100': None} else 1)"; then
  ok "replay maps cluster types to catalog chips where they are one (H800 -> h800, V100 -> v100, P100 none)"
else
  not_ok "replay cluster catalog mapping: $out"
fi

# --- localize ----------------------------------------------------------------

# Automotive: 15 % in 2024, yearly share ratio at most 1.8 / 1.12 = 1.607 (data/localization.yaml),
# so by 2027 at most 0.15 x 1.607^3 = 0.62: 100 % by 2027 has probability exactly 0.
run localize --sector automotive --target 1 --by 2027 --until 2030 --samples 2000 --json
if [ "$RC" -eq 0 ] && python3 - "$TMP/stdout" <<'EOF2'; then
import json, sys
d = json.load(open(sys.argv[1]))
years = [y["year"] for y in d["years"]]
ok = (d["sector"] == "automotive" and d["p_target_by_year"] == 0 and years == list(range(2024, 2031))
      and d["years"][0]["share_p50"] == 0.15 and all(y["share_p90"] <= 0.6227 for y in d["years"][:4]))
sys.exit(0 if ok else 1)
EOF2
  ok "localize --json: automotive 2024-2030, P(100 % by 2027) = 0 by hand"
else
  not_ok "localize --json: automotive 2024-2030, P(100 % by 2027) = 0 by hand" "exit $RC" \
    "stdout: ${OUT:0:300}" "stderr: ${ERR:0:300}"
fi
expect_bad "localize unknown sector names the nearest" "nearest: automotive" \
  localize --sector automotiv
expect_bad "localize --target above 1" "--target: 1.5 .*\(0, 1\]" localize --target 1.5
expect_bad "localize --target 0" "--target: 0 " localize --target 0
expect_bad "localize --target negative" "--target: -0.2 " localize --target -0.2
expect_bad "localize --by the base year" "--by: 2024 is out of range" localize --by 2024
expect_bad "localize --by after --until" "--by: 2027 .* projected \(until\), 2026" localize --until 2026
expect_bad "localize --until the base year" "--until: 2024 is out of range" \
  localize --until 2024 --by 2024
expect_bad "localize --until beyond 50 years" "at most 2074" localize --until 2080
expect_bad "localize --samples 0" "--samples: 0 is out of range" localize --samples 0
expect_bad "localize --samples negative" "--samples: -3 " localize --samples -3
expect_bad "localize --samples x years beyond 10^8" "at most 100,000,000" \
  localize --samples 10000000 --until 2040
expect_bad "localize --target not a number" "target" localize --target lots

expect_bad "infer --compare with a request wrong for every chip exits 2" "input-tokens" \
  infer --model deepseek-r1 --chip h20,h800 --compare --input-tokens 0
expect_bad "train with an absurd parallel product" "exceeds" \
  train --model llama-3-8b --chip h100 --count 8 --tokens 1e12 --tp 65536 --dp 65536

# --- output safety -----------------------------------------------------------

# A symbolic link planted where a temporary might go is never followed (it pointed the chip table
# into any file the user could be made to overwrite, as root /etc/whatever).
SAFE="$TMP/safe"
mkdir -p "$SAFE"
echo VICTIM >"$SAFE/victim"
for name in out.txt.tmp .out.txt.tmp .out.txt.0000000000000000.tmp; do ln -s "$SAFE/victim" "$SAFE/$name"; done
run catalog chips -o "$SAFE/out.txt"
if [ "$RC" -eq 0 ] && [ "$(cat "$SAFE/victim")" = VICTIM ] && [ -f "$SAFE/out.txt" ] &&
  [ ! -L "$SAFE/out.txt" ] && grep -q '^h20 ' "$SAFE/out.txt" &&
  [ "$(LC_ALL=C ls -A "$SAFE" | tr '\n' ' ')" = ".out.txt.0000000000000000.tmp .out.txt.tmp out.txt out.txt.tmp victim " ]; then
  ok "-o: symbolic links planted at temporary names are not followed"
else
  not_ok "-o: symbolic links planted at temporary names are not followed" "exit $RC" \
    "victim: $(head -c 100 "$SAFE/victim")" "stderr: ${ERR:0:300}"
fi
rm -rf "$SAFE" && mkdir -p "$SAFE"

# A FIFO is written into, not replaced by a regular file; /dev/null stays a device.
mkfifo "$SAFE/pipe"
(timeout 20 cat "$SAFE/pipe" >"$SAFE/got") &
reader=$!
run catalog chips -o "$SAFE/pipe"
wait "$reader"
if [ "$RC" -eq 0 ] && [ -p "$SAFE/pipe" ] && grep -q '^h20 ' "$SAFE/got"; then
  ok "-o onto a FIFO writes into it and keeps it a FIFO"
else
  not_ok "-o onto a FIFO writes into it and keeps it a FIFO" "exit $RC" "stderr: ${ERR:0:300}"
fi
run catalog chips -o /dev/null
if [ "$RC" -eq 0 ] && [ -c /dev/null ] && [ -z "$OUT" ]; then
  ok "-o /dev/null writes into the device"
else
  not_ok "-o /dev/null writes into the device" "exit $RC" "stderr: ${ERR:0:300}"
fi
expect_bad "--report onto /dev/full is a write error, and -o is not written" \
  "/dev/full: write failed: No space" \
  forecast --samples 20 --no-sensitivity --no-purchase-advice --report /dev/full
mkdir "$SAFE/adir"
expect_bad "--report onto a directory is refused, and -o is not written either" \
  "adir: is a directory, not a regular file" \
  forecast --samples 20 --no-sensitivity --no-purchase-advice --report "$SAFE/adir"
ln -s "$SAFE/nowhere" "$SAFE/dangling"
expect_bad "-o onto a dangling symbolic link is refused" "dangling: is a symbolic link" \
  forecast --samples 20 --no-sensitivity --no-purchase-advice --report "$SAFE/dangling"
[ ! -e "$SAFE/nowhere" ] || not_ok "the dangling link's target was created"

# Several outputs are all or none: the report and the CSVs are not written when -o cannot be.
mkdir -p "$SAFE/o2/out.txt"
run forecast --samples 20 --no-sensitivity --no-purchase-advice --report "$SAFE/o2/r.html" \
  --csv "$SAFE/o2/csv" -o "$SAFE/o2/out.txt"
if [ "$RC" -eq 2 ] && grep -q 'out.txt: is a directory' <<<"$ERR" &&
  [ "$(ls -A "$SAFE/o2")" = out.txt ]; then
  ok "forecast --report --csv -o: a failing -o leaves no report, CSV folder or temporary"
else
  not_ok "forecast --report --csv -o: a failing -o leaves no report, CSV folder or temporary" \
    "exit $RC" "left: $(ls -A "$SAFE/o2" | tr '\n' ' ')" "stderr: ${ERR:0:300}"
fi
mkdir -p "$SAFE/np" && echo x >"$SAFE/np/notadir"
run forecast --samples 20 --no-sensitivity --no-purchase-advice --report "$SAFE/np/r.html" \
  --csv "$SAFE/np/notadir/sub"
if [ "$RC" -eq 2 ] && [ "$(ls -A "$SAFE/np")" = notadir ]; then
  ok "forecast --report --csv under a file: exit 2, no report"
else
  not_ok "forecast --report --csv under a file: exit 2, no report" "exit $RC" \
    "left: $(ls -A "$SAFE/np" | tr '\n' ' ')" "stderr: ${ERR:0:300}"
fi

# An unwritable folder: no temporary, the old file kept (as nobody: root ignores permissions).
mkdir -p "$SAFE/ro" && echo PRECIOUS >"$SAFE/ro/out.txt" && chmod 555 "$SAFE/ro"
chmod 755 "$TMP" "$SAFE"
as_user=()
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
  as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi
if [ "$(id -u)" -ne 0 ] || [ ${#as_user[@]} -gt 0 ]; then
  "${as_user[@]}" "$SUANLI" catalog chips -o "$SAFE/ro/out.txt" >"$TMP/stdout" 2>"$TMP/stderr"
  RC=$?
  if [ "$RC" -eq 2 ] && grep -q 'cannot create a temporary file' "$TMP/stderr" &&
    [ "$(ls -A "$SAFE/ro")" = out.txt ] && [ "$(cat "$SAFE/ro/out.txt")" = PRECIOUS ]; then
    ok "-o in an unwritable folder: exit 2, no temporary, old file kept"
  else
    not_ok "-o in an unwritable folder: exit 2, no temporary, old file kept" "exit $RC" \
      "stderr: $(head -c 300 "$TMP/stderr")"
  fi
fi
chmod 755 "$SAFE/ro"

# SIGTERM while temporaries exist removes them: -o names a FIFO nobody reads, so the run waits
# there with the report's temporary written.
mkdir -p "$SAFE/sig" && mkfifo "$SAFE/sig/pipe"
"$SUANLI" forecast --samples 20 --no-sensitivity --no-purchase-advice --report "$SAFE/sig/r.html" \
  --csv "$SAFE/sig/csv" -o "$SAFE/sig/pipe" >/dev/null 2>&1 &
writer=$!
for _ in $(seq 200); do
  [ -n "$(temporaries "$SAFE/sig")" ] && break
  sleep 0.1
done
seen=$(temporaries "$SAFE/sig")
kill -TERM "$writer"
wait "$writer"
RC=$?
if [ -n "$seen" ] && [ "$RC" -eq 143 ] && [ "$(ls -A "$SAFE/sig")" = pipe ]; then
  ok "SIGTERM during the write removes the temporaries and the CSV folder"
else
  not_ok "SIGTERM during the write removes the temporaries and the CSV folder" "exit $RC" \
    "seen: $seen" "left: $(ls -A "$SAFE/sig" | tr '\n' ' ')"
fi

# A full disk (here a file size limit of 1 KiB) keeps the old file, even for a small output that
# used to sit in a stream buffer whose failed flush nobody checked.
mkdir -p "$SAFE/full" && echo PRECIOUS >"$SAFE/full/list.txt"
(ulimit -f 1 && "$SUANLI" catalog chips -o "$SAFE/full/list.txt") >/dev/null 2>"$TMP/stderr"
RC=$?
if [ "$RC" -eq 2 ] && grep -q 'write failed: File too large' "$TMP/stderr" &&
  [ "$(ls -A "$SAFE/full")" = list.txt ] && [ "$(cat "$SAFE/full/list.txt")" = PRECIOUS ]; then
  ok "-o past a file size limit: exit 2, old file kept, no temporary"
else
  not_ok "-o past a file size limit: exit 2, old file kept, no temporary" "exit $RC" \
    "stderr: $(head -c 300 "$TMP/stderr")" "left: $(ls -A "$SAFE/full" | tr '\n' ' ')"
fi

# A result that cannot reach stdout is an error.
"$SUANLI" catalog chips >/dev/full 2>"$TMP/stderr"
RC=$?
if [ "$RC" -ne 0 ] && grep -q 'standard output: No space left' "$TMP/stderr"; then
  ok "catalog chips > /dev/full exits non-zero with a message"
else
  not_ok "catalog chips > /dev/full exits non-zero with a message" "exit $RC" \
    "stderr: $(head -c 300 "$TMP/stderr")"
fi
"$SUANLI" catalog chips >&- 2>"$TMP/stderr"
RC=$?
if [ "$RC" -ne 0 ] && grep -q 'standard output' "$TMP/stderr"; then
  ok "catalog chips with stdout closed exits non-zero"
else
  not_ok "catalog chips with stdout closed exits non-zero" "exit $RC" \
    "stderr: $(head -c 300 "$TMP/stderr")"
fi

# --scenario NAME as the HTTP body names it; the positional name still works.
run forecast --scenario cloud-inference-first --samples 20 --no-sensitivity --no-purchase-advice --json
if [ "$RC" -eq 0 ] && grep -q '"scenario": "cloud-inference-first"' "$TMP/stdout"; then
  ok "forecast takes --scenario NAME"
else
  not_ok "forecast takes --scenario NAME" "exit $RC" "stderr: ${ERR:0:300}"
fi

# --- calibrate -------------------------------------------------------------------
# Bad measurement files: file:line and the column, exit 2, neither the overlay (-o) nor the
# report written.
good='kind: train, model: llama-3-8b, chip: h100, count: 8, tp: 2, pp: 1, dp: 4'
printf -- '- {kind: train, model: llama-3-80b, chip: h100, count: 8, step_time_s: 1}\n' >"$TMP/m1.yaml"
expect_bad "calibrate: unknown model names file:line, column and the nearest" \
  'm1\.yaml:1: model: .*llama-3-8b' calibrate --measurements "$TMP/m1.yaml" --report "$TMP/r.html"
[ ! -e "$TMP/r.html" ] && ok "calibrate: no report after bad input" || not_ok "calibrate: report written"
printf -- '- {%s,\n   step_time_s: 1.2 s}\n' "$good" >"$TMP/m2.yaml"
expect_bad "calibrate: a unit that does not parse" 'm2\.yaml:2: step_time_s' \
  calibrate --measurements "$TMP/m2.yaml"
printf 'kind,model,chip,count,step_time_s\ntrain,llama-3-8b,h100,8\n' >"$TMP/m3.csv"
expect_bad "calibrate: a short CSV row" 'm3\.csv:2: .*header' calibrate --measurements "$TMP/m3.csv"
printf -- '- {%s, step_time_s: 1.0}\n- {%s, step_time_s: 1.5}\n' "$good" "$good" >"$TMP/m4.yaml"
expect_bad "calibrate: contradictory duplicates" 'm4\.yaml:2: step_time_s: contradicts' \
  calibrate --measurements "$TMP/m4.yaml"
printf 'measurements: []\n' >"$TMP/m5.yaml"
expect_bad "calibrate: no rows" 'm5\.yaml: no measurements' calibrate --measurements "$TMP/m5.yaml"
expect_bad "calibrate: a missing file names the flag and the file" \
  '^suanli: error: --measurements: .*nope\.yaml: cannot read file' \
  calibrate --measurements "$TMP/nope.yaml"
# Every file a flag names is reported the same way, the flag first, then the file as typed
# (audit round 12: --requests-trace named no file; replay named the file but no flag).
expect_bad "infer: a missing --requests-trace names the flag and the file" \
  '^suanli: error: --requests-trace: .*nope\.csv: cannot read file' \
  infer --model llama-3-8b --chip h100 --requests-trace "$TMP/nope.csv"
expect_bad "replay: a missing --trace names the flag and the file" \
  '^suanli: error: --trace: .*nope\.csv: cannot read file' \
  replay --trace "$TMP/nope.csv" --cluster v100:8
expect_bad "replay: a directory as --trace names the flag and the file" \
  "^suanli: error: --trace: $TMP: cannot read file: it is a directory" \
  replay --trace "$TMP" --cluster v100:8
# A name echoed in an "unknown" error is cut to 60 characters and "...": a 5,000-character
# --model gave a 5 KB message.
long_model=$(printf 'q%.0s' $(seq 5000))
expect_bad "an unknown 5,000-character model is echoed cut" "unknown model 'q{60}\.\.\.'" \
  train --model "$long_model" --chip h100 --count 8 --tokens 1e12
[ "${#ERR}" -lt 1000 ] && ok "the unknown-model message is short (${#ERR} bytes)" ||
  not_ok "the unknown-model message is ${#ERR} bytes"
# The file after the command without the flag is the same measurements (the same error here).
expect_bad "calibrate FILE is --measurements FILE" 'm5\.yaml: no measurements' calibrate "$TMP/m5.yaml"
# Parsed as strictly as the other loaders: a list as a key (the api fuzzer's finding: yaml-cpp's
# "bad conversion" escaped as an internal error, a 500 on /v1/calibrate) and a duplicate column.
printf 'measurements:\n? - {kind: infer}\n' >"$TMP/m7.yaml"
expect_bad "calibrate: a list as a key is a line-numbered error" \
  'm7\.yaml:2: a key must be a name' calibrate --measurements "$TMP/m7.yaml"
printf -- '- {%s, step_time_s: 1.0, step_time_s: 2.0}\n' "$good" >"$TMP/m8.yaml"
expect_bad "calibrate: a duplicate column is an error" \
  'm8\.yaml:1: .*step_time_s: duplicate key' calibrate --measurements "$TMP/m8.yaml"
printf -- '- {%s, step_time_s: 3.1}\n' "$good" >"$TMP/m6.yaml"
run calibrate --measurements "$TMP/m6.yaml" -o "$TMP/overlay" --date 2026-12-01 --report "$TMP/r6.html"
if [ "$RC" -eq 0 ] && [ -f "$TMP/overlay/calibration.yaml" ] && [ -f "$TMP/r6.html" ] &&
  grep -q 'source: measured' "$TMP/overlay/calibration.yaml"; then
  ok "calibrate -o writes the overlay and --report the page"
else
  not_ok "calibrate -o writes the overlay and --report the page" "exit $RC" "stderr: ${ERR:0:300}"
fi
run catalog chips --catalog "$TMP/overlay"
if [ "$RC" -eq 0 ] && grep -qE '^h100 \*' <<<"$OUT"; then
  ok "catalog chips marks the measured family"
else
  not_ok "catalog chips marks the measured family" "exit $RC" "stderr: ${ERR:0:300}"
fi

# An output that would replace a measurement file it was computed from is refused, naming the
# file, and nothing is written: the overlay (-o DIR writes DIR/calibration.yaml) and --report.
mkdir -p "$TMP/own"
printf -- '- {%s, step_time_s: 3.1}\n' "$good" >"$TMP/own/calibration.yaml"
cp "$TMP/own/calibration.yaml" "$TMP/own/before.yaml"
run calibrate --measurements "$TMP/own/calibration.yaml" -o "$TMP/own" --report "$TMP/own/r.html"
if [ "$RC" -eq 2 ] && grep -qE 'own/calibration\.yaml: is also an input' <<<"$ERR" &&
  cmp -s "$TMP/own/calibration.yaml" "$TMP/own/before.yaml" && [ ! -e "$TMP/own/r.html" ]; then
  ok "calibrate -o refuses to overwrite its own measurement file"
else
  not_ok "calibrate -o refuses to overwrite its own measurement file" "exit $RC" \
    "stderr: ${ERR:0:300}"
fi
ln -s calibration.yaml "$TMP/own/link.yaml"
run calibrate --measurements "$TMP/own/link.yaml" --report "$TMP/own/calibration.yaml"
if [ "$RC" -eq 2 ] && grep -qE 'calibration\.yaml: is also an input.*link\.yaml' <<<"$ERR" &&
  cmp -s "$TMP/own/calibration.yaml" "$TMP/own/before.yaml"; then
  ok "calibrate --report refuses to overwrite a measurement file (through a symlink)"
else
  not_ok "calibrate --report refuses to overwrite a measurement file (through a symlink)" \
    "exit $RC" "stderr: ${ERR:0:300}"
fi

# Launch flags as Megatron-LM and DeepSpeed spell them mean the run they launch
# (docs/training-model.md, Flags from a launch command): byte for byte the native flags' answer.
# Megatron's defaults for what a launch line leaves out (megatron/core/model_parallel_config.py,
# transformer_config.py, megatron/training/arguments.py): a Megatron line means them.
# (ZeRO 0 without --use-distributed-optimizer: the lines below give it, as Megatron's examples do.)
MEGATRON_DEFAULTS="--cp 1 --recompute none --no-sequence-parallel --interleave 1"
# The JSON answer in FILE without its defaults_basis: a Megatron line's answer says which of
# Megatron's defaults its omitted flags were taken as, which the native flags give themselves.
without_defaults_basis() {
  python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
d.pop("defaults_basis", None)
d.pop("precision_basis", None)  # why a default precision was taken: said, not a figure
print(json.dumps(d))' "$1" 2>/dev/null
}
same_train() {
  local name=$1 native=$2
  shift 2
  run train --model llama-3-8b --chip h100 --count 16 --tokens 1e12 --json $native
  cp "$TMP/stdout" "$TMP/launch_native.json"
  local native_rc=$RC
  run train --model llama-3-8b --chip h100 --count 16 --tokens 1e12 --json "$@"
  if [ "$RC" -eq 0 ] && [ "$native_rc" -eq 0 ] && [ -s "$TMP/stdout" ] &&
    [ "$(without_defaults_basis "$TMP/stdout")" = \
      "$(without_defaults_basis "$TMP/launch_native.json")" ]; then
    ok "$name"
  else
    not_ok "$name" "exit $RC (native $native_rc)" "stderr: ${ERR:0:300}"
  fi
}
same_train "train: Megatron's parallel, batch, recompute and overlap flags are the native ones" \
  "--tp 2 --pp 2 --cp 1 --zero 1 --dtype bf16 --recompute selective --dp-overlap on \
--attention flash --micro-batch 1 --global-batch-size 256 --seq-len 8192 --interleave 4" \
  --tensor-model-parallel-size 2 --pipeline-model-parallel-size 2 --sequence-parallel \
  --use-distributed-optimizer --bf16 --recompute-activations --overlap-grad-reduce \
  --overlap-param-gather --use-flash-attn --micro-batch-size 1 --global-batch-size 256 \
  --seq-length 8192 --num-layers-per-virtual-pipeline-stage 4
same_train "train: Megatron's --fp8-format hybrid --fp8-recipe tensorwise is --precision fp8-current" \
  "--tp 2 --pp 1 --zero 1 --precision fp8-current $MEGATRON_DEFAULTS" \
  --tp 2 --pp 1 --use-distributed-optimizer --bf16 --fp8-format hybrid --fp8-recipe tensorwise --fp8-amax-history-len 1024 \
  --fp8-amax-compute-algo max
same_train "train: Megatron's --fp8-format e4m3 alone is --dtype fp8 (delayed scaling)" \
  "--tp 2 --pp 1 --zero 1 --dtype fp8 $MEGATRON_DEFAULTS" --tp 2 --pp 1 --fp8-format e4m3 \
  --use-distributed-optimizer
same_train "train: --recompute-granularity full --recompute-method uniform is --recompute full" \
  "--tp 1 --pp 1 --recompute full --cp 1 --zero 1 --no-sequence-parallel --interleave 1" \
  --tp 1 --pp 1 --use-distributed-optimizer --recompute-granularity full \
  --recompute-method uniform --recompute-num-layers 1
# 2 a GPU x 4 steps x 16 ranks = 128: the steps are each of the 16 data-parallel ranks' (S3570), so
# dp 16 (the search took cp 2 x dp 8, 8 steps a rank, before audit round 16).
same_train "train: DeepSpeed's --gradient-accumulation-steps gives the global batch and dp" \
  "--zero 2 --micro-batch 2 --global-batch-size 128 --tp 1 --pp 1 --dp 16" \
  --zero-stage 2 --train-micro-batch-size-per-gpu 2 --gradient-accumulation-steps 4 --tp 1 --pp 1
# The Trainer's batch is per_device_train_batch_size x gradient_accumulation_steps x world size
# (transformers trainer.py, S4460): on 8 GPUs, 4 x 8 x 8 = 256 sequences in 8 micro-batches on
# each of 8 data-parallel ranks. The layout runs the steps typed (it was tp 2 dp 4, 16 a step),
# and --fsdp full_shard is ZeRO 3 (S4553), --gradient_checkpointing full recomputation.
run train --json --chip a100 --count 8 --tokens 1B python -m torch.distributed.run \
  --nproc_per_node 8 train.py --model_name_or_path Qwen/Qwen2.5-7B --bf16 True \
  --per_device_train_batch_size 4 --gradient_accumulation_steps 8 --model_max_length 4096 \
  --fsdp full_shard --gradient_checkpointing True
if [ "$RC" -eq 0 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
p = d["parallel"]
assert (p["dp"], p["tp"], p["pp"], p["cp"], p["micro_batch"], p["zero_stage"]) == (8, 1, 1, 1, 4, 3), p
assert d["micro_batches"] == 8 and d["global_batch_tokens"] == 256 * 4096, d["micro_batches"]
' "$TMP/stdout"; then
  ok "train: the Trainer's gradient_accumulation_steps are each of world-size ranks' steps"
else
  not_ok "train: the Trainer's gradient_accumulation_steps are each of world-size ranks' steps" \
    "exit $RC" "stderr: ${ERR:0:300}" "${OUT:0:300}"
fi
# TRL's CLI: `trl sft` runs trl/scripts/sft.py under accelerate with SFTConfig's defaults (S4660):
# max_length 1,024 and gradient checkpointing; 2 a GPU on accelerate's 8 processes, 1 step:
# 2 x 8 x 1,024 = 16,384 tokens a step, one micro-batch (said in the singular).
run train --chip h100 --tokens 1B trl sft --num_processes 8 --model_name_or_path \
  meta-llama/Llama-3.2-1B --dataset_name trl-lib/Capybara --per_device_train_batch_size 2
if [ "$RC" -eq 0 ] && grep -qE "16384 tokens, 1 micro-batch( |$)" <<<"$OUT" &&
  grep -q "recompute full" <<<"$OUT" && grep -q "TRL's SFTConfig defaults" <<<"$OUT"; then
  ok "train: trl sft takes SFTConfig's max_length 1024 and gradient checkpointing"
else
  not_ok "train: trl sft takes SFTConfig's max_length 1024 and gradient checkpointing" \
    "exit $RC" "stderr: ${ERR:0:300}" "${OUT:0:600}"
fi
expect_bad "train: trl dpo is not a program suanli reads, named" "launched.by.*trl dpo.*trl sft" \
  train --chip h100 --tokens 1B trl dpo --num_processes 8 --model_name_or_path \
  meta-llama/Llama-3.2-1B --per_device_train_batch_size 2
# Without --deepspeed or --fsdp the Trainer runs PyTorch DDP: Qwen2.5-7B's weights, gradients
# and Adam state whole on every A100 (>100 GiB) do not fit, and the refusal says DDP (S4553).
expect_bad "train: a Trainer line without --deepspeed is DDP" "no layout fits.*PyTorch DDP" \
  train --chip a100 --count 8 --tokens 1B torchrun --nproc_per_node 8 train.py \
  --model_name_or_path Qwen/Qwen2.5-7B --bf16 True --per_device_train_batch_size 4 \
  --output_dir out
expect_bad "train: Megatron-Bridge's example recipe script says what it leaves unread" \
  "script.*pretrain_llama3_8b.py.*override" \
  train --chip h100 --tokens 1B torchrun --nproc_per_node 8 \
  examples/recipes/llama/pretrain_llama3_8b.py
expect_bad "train: Megatron-Bridge's setup_experiment.py says what it leaves unread" \
  "script.*setup_experiment.py.*workload configs" \
  train --chip h100 --count 8 --tokens 1B python scripts/performance/setup_experiment.py \
  --model_name llama3 --model_size 8b --gpu h100 --compute_dtype bf16
same_train "train: Megatron's space-separated --recompute-modules are the comma-separated list" \
  "--tp 1 --pp 1 --recompute-modules core_attn,mlp" --tp 1 --pp 1 --recompute-modules core_attn mlp
expect_bad "train: --use-distributed-optimizer contradicts --zero 0" "zero 0" \
  train --model llama-3-8b --chip h100 --count 16 --tokens 1e12 --use-distributed-optimizer --zero 0
# Megatron's pipeline layout and uneven stages (S4770, S4771) and the experts' own TP (S4772).
DSV3_PP="train --model deepseek-v3 --chip h100 --count 1024 --tokens 1e12 --tp 2 --pp 8 --ep 64"
expect_bad "train: a layout's unknown layer is named" "pipeline-model-parallel-layout.*unknown layer 'x'" \
  $DSV3_PP --pipeline-model-parallel-layout 'Et|(tt|)*30xL'
expect_bad "train: a layout's stages must divide by --pp" "pipeline-model-parallel-layout.*31 stages" \
  $DSV3_PP --pipeline-model-parallel-layout 'Et|(tt|)*29mL'
expect_bad "train: a layout contradicting --interleave" "pipeline-model-parallel-layout.*contradicts --interleave 2" \
  $DSV3_PP --pipeline-model-parallel-layout 'Et|(tt|)*30mL' --interleave 2
expect_bad "train: a layout needs --pp" "pipeline-model-parallel-layout.*needs --pp" \
  train --model deepseek-v3 --chip h100 --count 1024 --tokens 1e12 --pipeline-model-parallel-layout 'Et|(tt|)*30mL'
expect_bad "train: a layout's MTP layer with --mtp off" "pipeline-model-parallel-layout.*1 MTP layers 'm'; the run trains 0" \
  $DSV3_PP --pipeline-model-parallel-layout 'Et|(tt|)*30mL' --mtp off
expect_bad "train: a layout's decoder count must be the model's" "pipeline-model-parallel-layout.*60 decoder layers" \
  $DSV3_PP --pipeline-model-parallel-layout 'Et|(tt|)*29|tmL'
expect_bad "train: uneven first stage must divide by the virtual stages" "decoder-first-pipeline-num-layers.*divide by the 2 virtual" \
  $DSV3_PP --decoder-first-pipeline-num-layers 7 --interleave 2
expect_bad "train: uneven stages must leave an even middle" "decoder-first-pipeline-num-layers.*split evenly" \
  $DSV3_PP --decoder-first-pipeline-num-layers 4 --decoder-last-pipeline-num-layers 4 --interleave 1
expect_bad "train: uneven stages need a pipeline" "decoder-last-pipeline-num-layers.*needs --pp 2" \
  train --model deepseek-v3 --chip h100 --count 1024 --tokens 1e12 --tp 2 --pp 1 --ep 64 --decoder-last-pipeline-num-layers 5
expect_bad "train: expert TP other than 1 or --tp" "expert-tensor-parallel-size.*3 is not modelled" \
  $DSV3_PP --expert-tensor-parallel-size 3
expect_bad "train: expert TP x ep must divide tp x dp" "expert-tensor-parallel-size.*does not divide" \
  train --model deepseek-v3 --chip h100 --count 1024 --tokens 1e12 --tp 4 --pp 8 --ep 64 --dp 32 --expert-tensor-parallel-size 4
run $DSV3_PP --interleave 4 --micro-batch 1 --zero 1 --global-batch-tokens 33554432 --seq-len 4096 \
  --dtype fp8 --pipeline-model-parallel-layout 'Et|(tt|)*30mL' --expert-tensor-parallel-size 1 \
  --emit megatron
if [ "$RC" -eq 0 ] && grep -q -- "--pipeline-model-parallel-layout \"Et|(tt|)\*30mL\"" <<<"$OUT" &&
  grep -q -- "--expert-tensor-parallel-size 1" <<<"$OUT"; then
  ok "train: a given layout and whole experts are run and emitted as given"
else
  not_ok "train: a given layout and whole experts are run and emitted as given" "exit $RC" \
    "stderr: ${ERR:0:300}" "stdout: ${OUT:0:300}"
fi
expect_bad "train: --num-layers-per-virtual-pipeline-stage needs --pp" "needs --pp" \
  train --model llama-3-8b --chip h100 --count 16 --tokens 1e12 \
  --num-layers-per-virtual-pipeline-stage 4
expect_bad "train: --sequence-parallel contradicts --no-sequence-parallel" "no-sequence-parallel" \
  train --model llama-3-8b --chip h100 --count 16 --tokens 1e12 --sequence-parallel \
  --no-sequence-parallel
expect_bad "train: --fp8-format e5m2 is no Megatron format" "e4m3 or hybrid" \
  train --model llama-3-8b --chip h100 --count 16 --tokens 1e12 --fp8-format e5m2
run train --model mixtral-8x7b --chip h100 --count 16 --tokens 1e12 --tp 1 --pp 2 \
  --expert-model-parallel-size 8 --expert-tensor-parallel-size 1 --moe-grouped-gemm \
  --moe-token-dispatcher-type alltoall --use-distributed-optimizer --recompute-granularity full \
  --recompute-method uniform
if [ "$RC" -eq 0 ] && grep -q "ep 8" <<<"$OUT"; then
  ok "train: Megatron's MoE flags (ETP 1, grouped GEMM, all-to-all dispatcher) are taken"
else
  not_ok "train: Megatron's MoE flags (ETP 1, grouped GEMM, all-to-all dispatcher) are taken" \
    "exit $RC" "stderr: ${ERR:0:300}"
fi

# What --emit megatron (and torchtitan) prints, pasted back after `suanli train` (model, chip,
# count; no --tokens: --train-samples / training.steps give the run's length) is the same run:
# the same JSON, the launch flags included, but for the pasted line's defaults_basis (it is a
# Megatron line; the native runs give cp 1, which Megatron's flags leave out). The tokens are whole
# sequences and steps so that the printed length is exact.
emit_round_trip() {
  local name=$1 stack=$2 base=$3 native=$4
  run $base $native --emit "$stack" --json
  cp "$TMP/stdout" "$TMP/emitted.json"
  local native_rc=$RC
  local launch_args
  launch_args=$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["launch"]["args"]))' \
    "$TMP/emitted.json" 2>/dev/null)
  # eval: the arguments carry shell quoting (--moe-layer-freq's pattern).
  eval "\"\$SUANLI\" $base --emit $stack --json $launch_args" >"$TMP/pasted.json" 2>"$TMP/stderr"
  RC=$?
  if [ "$native_rc" -eq 0 ] && [ "$RC" -eq 0 ] && [ -s "$TMP/pasted.json" ] &&
    [ "$(without_defaults_basis "$TMP/emitted.json")" = \
      "$(without_defaults_basis "$TMP/pasted.json")" ]; then
    ok "$name"
  else
    not_ok "$name" "exit $RC (native $native_rc)" "flags: ${launch_args:0:400}" \
      "stderr: $(head -c 300 "$TMP/stderr")"
  fi
}
emit_round_trip "train takes the Megatron launch flags --emit printed as the same run (dense)" \
  megatron "train --model llama-3-8b --chip h100 --count 16" \
  "--tokens 1048576000000 --tp 2 --pp 2 --cp 1 --interleave 4 --zero 1 --micro-batch 1 \
--global-batch-size 256 --seq-len 8192 --recompute selective --dp-overlap on --tp-comm-overlap on"
emit_round_trip "train takes the Megatron launch flags --emit printed as the same run (MoE, MLA, MTP)" \
  megatron "train --model deepseek-v3 --chip h800 --count 2048 --dtype bf16" \
  "--tokens 62914560000000 --tp 1 --pp 16 --cp 1 --interleave 3 --ep 64 --zero 1 --micro-batch 1 \
--global-batch-size 16384 --seq-len 4096 --recompute full"
# With no --dtype DeepSeek-V3 trains in its FP8 recipe, whose line gives both Adam moments'
# formats (--exp-avg-dtype and --exp-avg-sq-dtype): pasted back, the same run.
emit_round_trip "train takes the Megatron launch flags --emit printed as the same run (FP8 recipe)" \
  megatron "train --model deepseek-v3 --chip h800 --count 2048" \
  "--tokens 62914560000000 --tp 1 --pp 16 --cp 1 --interleave 3 --ep 64 --zero 1 --micro-batch 1 \
--global-batch-size 16384 --seq-len 4096 --recompute full"
expect_bad "train: --exp-avg-sq-dtype unlike --exp-avg-dtype names the flag" "exp-avg-sq-dtype" \
  train --model llama-3-8b --chip h100 --count 16 --tokens 1T --exp-avg-dtype bf16 \
  --exp-avg-sq-dtype fp32
emit_round_trip "train takes the torchtitan flags --emit printed as the same run" \
  torchtitan "train --model llama-3-8b --chip h100 --count 16" \
  "--tokens 1073741824000 --tp 2 --pp 1 --dp 8 --zero 3 --micro-batch 1 --global-batch-size 256 \
--seq-len 8192 --recompute full --grad-reduce-dtype fp32"

# MindSpeed on an Atlas A3 counts dies (two a 910C package, each its own NPU device and rank:
# its A3 scripts run --nproc_per_node 16 a node of 8 packages, TP in dies, S3864): --emit
# mindspeed prints the torchrun line with those numbers and the TP in dies, and the whole line
# pasted back (torchrun words and all) is the same run, read in packages (session 30 printed TP 2
# packages as --tensor-model-parallel-size 2, which MindSpeed runs as one package).
run train --model llama-3-8b --chip ascend-910c --count 16 --tokens 1048576000000 --tp 2 --pp 2 \
  --cp 1 --interleave 4 --zero 1 --micro-batch 1 --global-batch-size 256 --seq-len 8192 \
  --recompute selective --emit mindspeed --json
cp "$TMP/stdout" "$TMP/emitted.json"
native_rc=$RC
launch_line=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["launch"]["command"].replace("\\\n", " "))' \
  "$TMP/emitted.json" 2>/dev/null)
eval "\"\$SUANLI\" train --model llama-3-8b --chip ascend-910c --count 16 --emit mindspeed --json \
  $launch_line" >"$TMP/pasted.json" 2>"$TMP/stderr"
RC=$?
if [ "$native_rc" -eq 0 ] && [ "$RC" -eq 0 ] && python3 - "$TMP/emitted.json" "$TMP/pasted.json" <<'EOF2'; then
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
args = a["launch"]["args"]
assert a["launch"]["command"].startswith("torchrun --nnodes 2 --nproc-per-node 16 "), a["launch"]["command"]
assert "--tensor-model-parallel-size 4" in args, args  # TP 2 packages = 4 dies
assert "32 ranks on 16 packages" in b["dies_basis"], b.get("dies_basis")
for d in (a, b):
    for key in ("defaults_basis", "precision_basis", "dies_basis"):
        d.pop(key, None)
assert a == b, [k for k in a if a[k] != b.get(k)]
EOF2
  ok "train --emit mindspeed on an A3 prints TP in dies, and the line pasted back is the same run"
else
  not_ok "train --emit mindspeed on an A3 prints TP in dies, and the line pasted back is the same run" \
    "exit $RC (native $native_rc)" "line: ${launch_line:0:300}" "stderr: $(head -c 300 "$TMP/stderr")"
fi

# Megatron's store_true spelling of an on/off flag: bare --tp-comm-overlap (last, or before
# another flag) is --tp-comm-overlap on.
same_train "train: Megatron's bare --tp-comm-overlap is --tp-comm-overlap on" \
  "--tp 2 --pp 1 --tp-comm-overlap on --dp-overlap on" --tp 2 --pp 1 --dp-overlap --tp-comm-overlap
same_train "train: Megatron's optimizer, data and logging flags only say the line is Megatron's" \
  "--tp 2 --pp 1 --zero 1 $MEGATRON_DEFAULTS" --tp 2 --pp 1 --use-distributed-optimizer --lr 3e-4 --min-lr 3e-5 --lr-decay-style cosine \
  --weight-decay 0.1 --clip-grad 1.0 --data-path 0.5 /data/a 0.5 /data/b --split 99,1,0 --save /ckpt --save-interval 500 \
  --log-interval 1 --use-mcore-models --disable-bias-linear --normalization RMSNorm \
  --position-embedding-type rope --no-masked-softmax-fusion --transformer-impl transformer_engine
# --train-iters beside --tokens (here 1e12) must agree within one step.
same_train "train: --train-iters that agrees with --tokens leaves it" \
  "--tp 2 --pp 1 --zero 1 --global-batch-size 128 --seq-len 8192 $MEGATRON_DEFAULTS" \
  --tp 2 --pp 1 --use-distributed-optimizer --global-batch-size 128 --seq-length 8192 \
  --train-iters 953674
run train --model llama-3-8b --chip h100 --count 16 --json --tp 2 --pp 1 --zero 1 \
  --global-batch-size 128 --seq-len 8192 --tokens 1048576000000 $MEGATRON_DEFAULTS
cp "$TMP/stdout" "$TMP/iters_native.json"
run train --model llama-3-8b --chip h100 --count 16 --json --tp 2 --pp 1 \
  --use-distributed-optimizer --global-batch-size 128 --seq-length 8192 --train-iters 1000000
if [ "$RC" -eq 0 ] && [ -s "$TMP/stdout" ] &&
  [ "$(without_defaults_basis "$TMP/stdout")" = "$(without_defaults_basis "$TMP/iters_native.json")" ]; then
  ok "train: --train-iters x --global-batch-size x --seq-length is the tokens"
else
  not_ok "train: --train-iters x --global-batch-size x --seq-length is the tokens" "exit $RC" \
    "stderr: ${ERR:0:300}"
fi
expect_bad "train: a model-shape flag that is not the model's names the flag, its value and the model's" \
  "--num-layers: 40, but model llama-3-8b has 32 layers" \
  train --model llama-3-8b --chip h100 --count 16 --tokens 1e12 --num-layers 40 --hidden-size 4096
expect_bad "train: --num-experts on a dense model" "--num-experts.*no routed experts" \
  train --model llama-3-8b --chip h100 --count 16 --tokens 1e12 --num-experts 8
expect_bad "train: a --moe-layer-freq pattern that is not the model's" "--moe-layer-freq.*60 of 61" \
  train --model deepseek-v3 --chip h800 --count 2048 --tokens 1e12 --moe-layer-freq "([0]*1+[1]*60)"
expect_bad "train: --max-position-embeddings below the sequence length" \
  "--max-position-embeddings: 4096 is below the sequence length 8192" \
  train --model llama-3-8b --chip h100 --count 16 --tokens 1e12 --seq-len 8192 \
  --max-position-embeddings 4096
expect_bad "train: --train-samples that contradicts --tokens" "--train-samples.*contradicts --tokens" \
  train --model llama-3-8b --chip h100 --count 16 --tokens 1e12 --seq-len 8192 --train-samples 1000
expect_bad "train: --train-iters needs the global batch" "--train-iters.*global-batch-size" \
  train --model llama-3-8b --chip h100 --count 16 --train-iters 1000
expect_bad "train: no --tokens and no run length" "--tokens.*train-samples" \
  train --model llama-3-8b --chip h100 --count 16

# torchtitan's job config: its TOML file (torchtitan's defaults for what it leaves out) and its
# --section.key flags over it, as torchtitan's command line is.
cat >"$TMP/titan.toml" <<'TOML'
[job]
description = "Llama 3 8B"

[model]
name = "llama3"
flavor = "8B"

[optimizer]
lr = 3e-4

[training]
local_batch_size = 1
global_batch_size = 256
seq_len = 8192
steps = 476837

[parallelism]
data_parallel_shard_degree = -1
tensor_parallel_degree = 2

[activation_checkpoint]
mode = "full"
TOML
# (476837 steps of 256 x 8192 tokens are --tokens 1e12 within a step: --tokens stays.)
titan_native="--tp 2 --pp 1 --cp 1 --dp 8 --zero 3 --micro-batch 1 --global-batch-size 256 \
--seq-len 8192 --recompute full"
same_train "train: torchtitan's job config file is the run it configures" "$titan_native" \
  --job.config_file "$TMP/titan.toml"
same_train "train: torchtitan's --section.key flags override its job config file" \
  "--tp 4 --pp 1 --cp 1 --dp 4 --zero 3 --micro-batch 1 --global-batch-size 256 --seq-len 8192 \
--recompute full" --job.config_file "$TMP/titan.toml" \
  --parallelism.data_parallel_shard_degree 4 --parallelism.tensor_parallel_degree 4
printf '[parallelism]\ntensor_parallel_degree = "eight"\n' >"$TMP/bad-type.toml"
expect_bad "train: a torchtitan config value of the wrong type names file:line:key" \
  "bad-type.toml:2: parallelism.tensor_parallel_degree: expected a whole number" \
  train --model llama-3-8b --chip h100 --count 16 --tokens 1e12 --job.config_file "$TMP/bad-type.toml"
printf '[training]\nseq_len = 8192\n[activation_checkpoint]\nmode = "sometimes"\n' >"$TMP/bad-mode.toml"
expect_bad "train: a torchtitan config value out of its set names file:line:key" \
  "bad-mode.toml:4: activation_checkpoint.mode: unknown mode" \
  train --model llama-3-8b --chip h100 --count 16 --tokens 1e12 --job.config_file "$TMP/bad-mode.toml"
printf '[training]\nseq_len = 8192\n[activation_checkpoint]\nmode = "selective"\nselective_ac_option = "half"\n' >"$TMP/bad-sac.toml"
expect_bad "train: a torchtitan selective_ac_option that is neither op nor a number names file:line:key" \
  "bad-sac.toml:5: activation_checkpoint.selective_ac_option: unknown option" \
  train --model llama-3-8b --chip h100 --count 16 --tokens 1e12 --job.config_file "$TMP/bad-sac.toml"
printf '[training]\nseq_len = 8192\nsteps = = 3\n' >"$TMP/bad-syntax.toml"
expect_bad "train: a torchtitan config that is not TOML names file:line" "bad-syntax.toml:3" \
  train --model llama-3-8b --chip h100 --count 16 --tokens 1e12 --job.config_file "$TMP/bad-syntax.toml"
printf '[model]\nname = "llama3"\nflavor = "70B"\n' >"$TMP/other-model.toml"
expect_bad "train: a torchtitan flavor that is not --model's" "other-model.toml:3: model.flavor.*llama-3-8b" \
  train --model llama-3-8b --chip h100 --count 16 --tokens 1e12 --job.config_file "$TMP/other-model.toml"

# A system's name typed as the chip, as racks are sold: its chip, on that system (infer and train).
check_train "train: a system named as the chip (gb200-nvl72) runs its chip on it" \
  'j["chip"] == "gb200" and j["system"] == "gb200-nvl72"' \
  --model llama-3.1-8b --chip gb200-nvl72 --count 72 --tokens 1T
run infer --model llama-3.1-8b --chip cloudmatrix-384 --mode analytic --json
if [ "$RC" -eq 0 ] && python3 -c "import json, sys; j = json.load(open(sys.argv[1])); sys.exit(0 if j['chip'] == 'ascend-910c' and j['system'] == 'cloudmatrix-384' else 1)" "$TMP/stdout"; then
  ok "infer: a system named as the chip (cloudmatrix-384) runs its chip on it"
else
  not_ok "infer: a system named as the chip (cloudmatrix-384) runs its chip on it" "exit $RC" "stderr: ${ERR:0:300}"
fi

# vLLM's --config FILE: its keys are the long flags, the command line wins over the file (S3676,
# docs.vllm.ai serve_args: "command line > config file values > defaults"). The file says tp 2 and
# max-num-seqs 64; the typed --tensor-parallel-size 4 wins, the file's 64 stays.
printf '# vllm.yaml\nmax-model-len: 4096\ntensor-parallel-size: 2\nmax-num-seqs: 64\n' >"$TMP/vllm.yaml"
run infer --chip h100 --mode analytic --json vllm serve meta-llama/Llama-3.1-8B-Instruct \
  --config "$TMP/vllm.yaml" --tensor-parallel-size 4
if [ "$RC" -eq 0 ] && python3 -c "import json, sys; j = json.load(open(sys.argv[1])); sys.exit(0 if j['layout']['tp'] == 4 and j['engine_max_batch'] == 64 else 1)" "$TMP/stdout"; then
  ok "infer: vllm serve --config FILE with a typed flag over one of its keys"
else
  not_ok "infer: vllm serve --config FILE with a typed flag over one of its keys" "exit $RC" "stderr: ${ERR:0:300}"
fi
run infer --chip h100 --mode analytic --json vllm serve meta-llama/Llama-3.1-8B-Instruct --config "$TMP/vllm.yaml"
if [ "$RC" -eq 0 ] && python3 -c "import json, sys; j = json.load(open(sys.argv[1])); sys.exit(0 if j['layout']['tp'] == 2 else 1)" "$TMP/stdout"; then
  ok "infer: vllm serve --config FILE's tensor-parallel-size read"
else
  not_ok "infer: vllm serve --config FILE's tensor-parallel-size read" "exit $RC" "stderr: ${ERR:0:300}"
fi
# The model named only in the file (vLLM's `model:` key, S3676): tp 2 from the file as well.
printf 'model: meta-llama/Llama-3.1-8B-Instruct\ntensor-parallel-size: 2\n' >"$TMP/vllm-model.yaml"
run infer --chip h100 --mode analytic --json vllm serve --config "$TMP/vllm-model.yaml"
if [ "$RC" -eq 0 ] && python3 -c "import json, sys; j = json.load(open(sys.argv[1])); sys.exit(0 if j['model'] == 'llama-3.1-8b' and j['layout']['tp'] == 2 else 1)" "$TMP/stdout"; then
  ok "infer: vllm serve --config FILE naming the model only in the file"
else
  not_ok "infer: vllm serve --config FILE naming the model only in the file" "exit $RC" "stderr: ${ERR:0:300}"
fi
printf 'tensor-parallel-size: 2\n' >"$TMP/vllm-nomodel.yaml"
expect_bad "infer: vllm serve --config FILE with no model anywhere says the model is required" \
  "model: is required" \
  infer --chip h100 --mode analytic vllm serve --config "$TMP/vllm-nomodel.yaml"
printf 'max-model-len: 4096\nmax-num-seq: 64\n' >"$TMP/vllm-bad.yaml"
expect_bad "infer: vllm serve --config FILE's unknown key names file:line:key" \
  "vllm-bad.yaml:2: max-num-seq: .*max_num_seqs" \
  infer --chip h100 --mode analytic vllm serve meta-llama/Llama-3.1-8B-Instruct --config "$TMP/vllm-bad.yaml"
printf 'max-model-len: 4096\nconfig: other.yaml\n' >"$TMP/vllm-nested.yaml"
expect_bad "infer: vllm serve --config FILE naming another config file is refused at its line" \
  "vllm-nested.yaml:2: config: 'config' cannot be set from a config file" \
  infer --chip h100 --mode analytic vllm serve meta-llama/Llama-3.1-8B-Instruct --config "$TMP/vllm-nested.yaml"

# Each engine's own spelling of a setting turned off is read as the setting (the grid of printed
# commands pasted back is cli.emit_round_trip, tests/cli/emit_round_trip.tsv); contradictions and
# misspellings are exit 2 naming the flag. same_infer NAME "TYPED" PASTED...: both exit 0 and
# price the same output rate (simulated offline, where chunking and the prefix cache move it).
same_infer() {
  local name=$1 typed=$2
  shift 2
  local base=(infer --chip h100 --count 1 --mode offline --requests 200 --input-tokens 2048
    --output-tokens 64 --json)
  run "${base[@]}" --model llama-3.1-8b $typed
  local a=$OUT a_rc=$RC
  (cd "$TMP" && "$SUANLI" "${base[@]}" "$@") >"$TMP/pasted.json" 2>"$TMP/stderr"
  RC=$?
  if [ "$a_rc" -eq 0 ] && [ "$RC" -eq 0 ] && python3 - "$TMP/pasted.json" "$a" <<'EOF2'; then
import json, sys
b, a = json.load(open(sys.argv[1])), json.loads(sys.argv[2])
x, y = (d["answer"]["output_tokens_per_s_per_chip"] for d in (a, b))
assert abs(x - y) <= 1e-9 * x, (x, y)
EOF2
    ok "$name"
  else
    not_ok "$name" "exit $RC (typed $a_rc)" "stderr: $(head -c 300 "$TMP/stderr")"
  fi
}
same_infer "infer: vLLM's --no-enable-chunked-prefill is --no-chunked-prefill" \
  "--engine vllm --no-chunked-prefill" vllm serve llama-3.1-8b --no-enable-chunked-prefill
same_infer "infer: vLLM's --no-enable-prefix-caching is --no-prefix-cache" \
  "--engine vllm --no-prefix-cache" vllm serve llama-3.1-8b --no-enable-prefix-caching
same_infer "infer: SGLang's --chunked-prefill-size -1 (chunking off) is --no-chunked-prefill" \
  "--engine sglang --no-chunked-prefill" python3 -m sglang.launch_server --model-path llama-3.1-8b \
  --chunked-prefill-size -1
same_infer "infer: SGLang's --chunked-prefill-size 0 is chunking off too (its scheduler's <= 0)" \
  "--engine sglang --no-chunked-prefill" python3 -m sglang.launch_server --model-path llama-3.1-8b \
  --chunked-prefill-size 0
same_infer "infer: SGLang's --chunked-prefill-size 2048 is --max-batched-tokens 2048" \
  "--engine sglang --max-batched-tokens 2048" python3 -m sglang.launch_server \
  --model-path llama-3.1-8b --chunked-prefill-size 2048
printf 'kv_cache_config:\n  enable_block_reuse: false\n' >"$TMP/no-reuse.yml"
same_infer "infer: TensorRT-LLM's enable_block_reuse: false is --no-prefix-cache" \
  "--engine trtllm --no-prefix-cache" trtllm-serve llama-3.1-8b --extra_llm_api_options no-reuse.yml
expect_bad "infer: vLLM's --enable-chunked-prefill with --no-enable-chunked-prefill names both" \
  "enable-chunked-prefill: give it or no_chunked_prefill" \
  infer --chip h100 --count 1 --mode analytic vllm serve llama-3.1-8b --enable-chunked-prefill \
  --no-enable-chunked-prefill
expect_bad "infer: a misspelt --no-enable-chunked-prefil is an unknown flag, named" \
  "unknown flag '--no-enable-chunked-prefil'" \
  infer --chip h100 --count 1 --mode analytic vllm serve llama-3.1-8b --no-enable-chunked-prefil
expect_bad "infer: SGLang's --chunked-prefill-size -1 beside --enable-chunked-prefill names both" \
  "chunked-prefill-size: give it or enable_chunked_prefill" \
  infer --chip h100 --count 1 --mode analytic python3 -m sglang.launch_server \
  --model-path llama-3.1-8b --chunked-prefill-size -1 --enable-chunked-prefill
expect_bad "infer: --chunked-prefill-size unlike --max-batched-tokens names both" \
  "chunked-prefill-size: give it or max_batched_tokens" \
  infer --model llama-3.1-8b --chip h100 --count 1 --mode analytic --engine sglang \
  --chunked-prefill-size 4096 --max-batched-tokens 8192
expect_bad "infer: a misspelt --disable-radix-cach is an unknown flag, named" \
  "unknown flag '--disable-radix-cach'" \
  infer --chip h100 --count 1 --mode analytic python3 -m sglang.launch_server \
  --model-path llama-3.1-8b --disable-radix-cach
printf 'kv_cache_config:\n  enable_block_reuse: sometimes\n' >"$TMP/bad-reuse.yml"
expect_bad "infer: TensorRT-LLM's enable_block_reuse not true or false names file:line:key" \
  "bad-reuse.yml:2: extra_llm_api_options.kv_cache_config.enable_block_reuse: expected true or false" \
  infer --chip h100 --count 1 --mode analytic trtllm-serve llama-3.1-8b \
  --extra_llm_api_options "$TMP/bad-reuse.yml"
expect_bad "infer: --enable_block_reuse is no trtllm-serve flag (it is an options-file key)" \
  "unknown flag '--enable-block-reuse'" \
  infer --chip h100 --count 1 --mode analytic trtllm-serve llama-3.1-8b --enable_block_reuse false

# A field given under an alias: its error names the flag typed, not the canonical one the user
# never wrote (round 18: `--block_size x` and `--max_seq_length 0` said "--seq-len: ...").
# The conversion's error, and the check after the field is set (a sequence length is 1 to
# 2^24 = 16,777,216 tokens), both.
expect_bad "train: run_clm.py's --block_size x is named as typed" \
  "error: --block_size: 'x' is not a number" \
  train --model llama-3-8b --chip h100 --count 8 --tokens 1e9 --block_size x
expect_bad "train: TRL's --max_seq_length 0 is named as typed" \
  "error: --max_seq_length: must be between 1 and 16777216" \
  train --model llama-3-8b --chip h100 --count 8 --tokens 1e9 --max_seq_length 0
expect_bad "train: LLaMA-Factory's --cutoff_len=16777217 is named as typed" \
  "error: --cutoff_len: must be between 1 and 16777216" \
  train --model llama-3-8b --chip h100 --count 8 --tokens 1e9 --cutoff_len=16777217
expect_bad "train: --seq-len 0 is still named --seq-len" \
  "error: --seq-len: must be between 1 and 16777216" \
  train --model llama-3-8b --chip h100 --count 8 --tokens 1e9 --seq-len 0
# vLLM's spellings: a share of HBM is in (0, 1]; a tensor-parallel size is at least 1.
expect_bad "infer: vLLM's --gpu_memory_utilization 1.5 is named as typed" \
  "error: --gpu_memory_utilization: must be in \(0, 1\]" \
  infer --model llama-3-8b --chip h100 --mode analytic --gpu_memory_utilization 1.5
expect_bad "infer: vLLM's -tp 0 is named as typed" \
  "error: -tp: must be between 1 and" \
  infer --model llama-3-8b --chip h100 --mode analytic -tp 0

# TRL's --accelerate_config (a config TRL ships, or a file, S4710, S4780) and Accelerate's
# --config_file are read where they are at hand (zero2: DeepSpeed ZeRO 2, bf16, 8 processes), and
# said as not read where not (fsdp.yaml here).
for accel in "--accelerate_config zero2" "--config_file fsdp.yaml"; do
  run train --chip h100 --count 8 --tokens 1e9 trl sft --model_name_or_path Qwen/Qwen2.5-7B \
    --dataset_name stanfordnlp/imdb $accel
  says="not read"
  [ "${accel##* }" = zero2 ] && says="\(Accelerate's config\): TRL's .*DeepSpeed ZeRO 2"
  if [ "$RC" -eq 0 ] && grep -qE "^defaults: .*${accel%% *} '${accel##* }' $says" <<<"$OUT"; then
    ok "train: trl sft's $accel is read or named as not read"
  else
    not_ok "train: trl sft's $accel is read or named as not read" "exit $RC" \
      "stdout: ${OUT:0:600}" "stderr: ${ERR:0:300}"
  fi
done
# run_clm.py's README line (S4661): --dataset_config_name, bare --do_train --do_eval, and no
# --per_device_train_batch_size, the Trainer's 8 (S4782): 8 x 8 GPUs x 2,048 = 131,072 tokens a
# step (it was refused: "--do-train: 1 required TEXT missing"; without the switches, 4Mi tokens).
run train --chip h100 --tokens 1B torchrun --nproc_per_node 8 run_clm.py --model_name_or_path \
  meta-llama/Llama-3.2-1B --dataset_name wikitext --dataset_config_name wikitext-2-raw-v1 \
  --per_device_eval_batch_size 8 --do_train --do_eval --output_dir /tmp/test-clm --block_size 2048
if [ "$RC" -eq 0 ] && grep -qE "131072 tokens, 1 micro-batch( |$)" <<<"$OUT" &&
  grep -q "per_device_train_batch_size 8" <<<"$OUT"; then
  ok "train: run_clm's README line runs with the Trainer's per-device batch of 8"
else
  not_ok "train: run_clm's README line runs with the Trainer's per-device batch of 8" \
    "exit $RC" "stderr: ${ERR:0:300}" "${OUT:0:600}"
fi
# An Accelerate config with a bad value: file:line:key, exit 2, nothing written.
printf 'distributed_type: DEEPSPEED\ndeepspeed_config:\n  zero_stage: 4\n' >"$TMP/accel-bad.yaml"
expect_bad "train: a bad zero_stage in Accelerate's config is named at its line" \
  "accel-bad.yaml:3: deepspeed_config.zero_stage: expected 0, 1, 2 or 3" \
  train --chip h100 --count 8 --tokens 1B accelerate launch --config_file "$TMP/accel-bad.yaml" \
  train.py --model_name_or_path meta-llama/Llama-3.2-1B
# A demand typed over a day: 1B/day is 11,574 tokens/s (1e9 / 86,400).
run infer --model llama-3.1-8b --chip h100 --mode analytic --demand-tokens-per-s 1B/day
if [ "$RC" -eq 0 ] && grep -qE "for 11574 output tokens/s" <<<"$OUT"; then
  ok "infer: a demand of 1B/day is 11,574 tokens/s"
else
  not_ok "infer: a demand of 1B/day is 11,574 tokens/s" "exit $RC" "stderr: ${ERR:0:300}" \
    "${OUT:0:600}"
fi
expect_bad "infer: a demand over a week is not a rate it reads" \
  "error: --demand-tokens-per-s: '1B/week' is not a rate" \
  infer --model llama-3.1-8b --chip h100 --mode analytic --demand-tokens-per-s 1B/week

# A flag typed with underscores is named as typed, in its own error and in another's (session
# 40 round 2: `--max_steps 1000` said "--max-steps: needs --global-batch-size").
expect_bad "train: --max_steps without a batch is named as typed" \
  "error: --max_steps: needs --global-batch-size" \
  train --model llama-3.1-8b --chip h100 --count 8 --tokens 1B --max_steps 1000
expect_bad "train: --max-steps without a batch keeps its hyphens" \
  "error: --max-steps: needs --global-batch-size" \
  train --model llama-3.1-8b --chip h100 --count 8 --tokens 1B --max-steps 1000
expect_bad "train: --max_steps against --train_iters names both as typed" \
  "error: --max_steps: 100 contradicts --train_iters 1000" \
  train --model llama-3.1-8b --chip h100 --count 8 --max_steps 100 --train_iters 1000 \
  --global_batch_size 8
# 1,000 steps x 8 sequences x 4,096 tokens = 32,768,000 tokens against the 1e9 typed.
expect_bad "train: --max_steps against --tokens=1B names --tokens as typed" \
  "error: --max_steps: means 32.77M \\(32768000\\) tokens, which contradicts --tokens 1B" \
  train --model llama-3.1-8b --chip h100 --count 8 --max_steps 1000 --global_batch_size 8 \
  --seq_length 4096 --tokens=1B
expect_bad "train: --gradient_accumulation_steps without a micro-batch is named as typed" \
  "error: --gradient_accumulation_steps: needs --micro-batch" \
  train --model llama-3.1-8b --chip h100 --count 8 --tokens 1B --gradient_accumulation_steps 4
expect_bad "train: Megatron's distributed optimizer against --zero_stage 0 names it as typed" \
  "error: --use-distributed-optimizer: shards the optimizer state \\(ZeRO-1\\), which contradicts --zero_stage 0" \
  train --model llama-3.1-8b --chip h100 --count 8 --tokens 1B --zero_stage 0 \
  --use-distributed-optimizer
# infer --compare: a chip's row error names the flag as typed (H100's static power is about
# 140 W, above a 100 W cap; the A100 runs capped).
run infer --model llama-3.1-8b --compare --chip h100,a100 --mode analytic --power_cap_w 100
if [ "$RC" -eq 0 ] && grep -q "^h100: --power_cap_w: power cap 100 W" <<<"$OUT$ERR"; then
  ok "infer --compare: a row error names --power_cap_w as typed"
else
  not_ok "infer --compare: a row error names --power_cap_w as typed" "exit $RC" \
    "stderr: ${ERR:0:300}" "${OUT:0:800}"
fi

# Audit round 20. A flag given twice said CLI11's "At Most 1 required but received 2".
expect_bad "train: a flag given twice names its values" \
  "error: --count: given 2 times \\('8', '16'\\); give it once" \
  train --model llama-3.1-8b --chip h100 --count 8 --tokens 1B --count 16
# Another field's flag in a message is named as typed (FlagAsTyped): the canonical form where
# typed so or not given, the underscore form where typed so.
expect_bad "infer: --burstiness needs --arrivals gamma" \
  "error: --burstiness: needs --arrivals gamma" \
  infer --model llama-3.1-8b --chip h100 --mode analytic --burstiness 2
expect_bad "infer: --use-graphs against --enforce_eager names it as typed" \
  "error: --use-graphs: turns CUDA graphs on and --enforce_eager turns them off: give one" \
  infer --model llama-3.1-8b --chip h100 --mode analytic --use-graphs --enforce_eager
expect_bad "train: --fp8-param-gather needs --fp8-format" \
  "error: --fp8-param-gather: needs --fp8-format \\(FP8 weights need FP8 GEMMs\\)" \
  train --model llama-3.1-8b --chip h100 --count 8 --tokens 1B --fp8-param-gather
# forecast --set: a bad value is the setting's (was "builtin:china-2026.yaml with --set:17: set:
# fleet[0].count: ..."), fleet[0] is fleet.0, and a path set twice is refused (the second won).
expect_bad "forecast: a --set value out of range names the setting" \
  "error: --set: 'fleet\\.0\\.count=-5': fleet\\[0\\]\\.count: value -5 out of range" \
  forecast --samples 5 --no-sensitivity --no-purchase-advice --set 'fleet.0.count=-5'
expect_bad "forecast: a --set path given twice is refused" \
  "error: --set: 'fleet\\.0\\.count=100' and 'fleet\\[0\\]\\.count=200' set 'fleet\\.0\\.count' twice" \
  forecast --samples 5 --no-sensitivity --no-purchase-advice --set 'fleet.0.count=100' \
  --set 'fleet[0].count=200'
run forecast --samples 5 --no-sensitivity --no-purchase-advice --set 'fleet[0].count=6000' --json
if [ "$RC" -eq 0 ] && grep -q '"fleet\[0\].count=6000"' <<<"$OUT"; then
  ok "forecast: --set takes fleet[0] as the errors write it"
else
  not_ok "forecast: --set takes fleet[0] as the errors write it" "exit $RC" "stderr: ${ERR:0:300}"
fi

# A policy named twice ran twice (two identical rows); JSON that is no kubectl output read as an
# empty cluster with exit 0 ("0 objects read (1 of other kinds ignored)").
printf 'id,arrival_s,num_gpus,duration_s\n1,0,1,100\n2,10,2,200\n' >"$TMP/two_jobs.csv"
expect_bad "replay: a policy named twice is refused" \
  "error: --policy: 'fifo' named twice; name each policy once" \
  replay --trace "$TMP/two_jobs.csv" --cluster v100:8 --policy fifo,las,fifo
printf '{"name": "my-app", "version": "1.0.0"}\n' >"$TMP/package.json"
expect_bad "cluster import: JSON that is no Kubernetes output is refused" \
  "package\\.json: not Kubernetes output: the object has no kind and no items" \
  cluster import "$TMP/package.json"

# One type twice as pools was two pools under one "48 x h800" line (a 40-GPU job never fit).
expect_bad "replay: a type given twice as pools is refused, naming both entries" \
  "error: --cluster: 'h800:16' and 'h800:32' both give h800.*\\(h800:48, one pool\\)" \
  replay --trace "$TMP/two_jobs.csv" --cluster h800:16,h800:32
# An empty inline scenario forecast china-2026 with exit 0, as if not given.
expect_bad "forecast: an empty --scenario-yaml is refused" \
  "error: --scenario-yaml: is empty; give the scenario's YAML text" \
  forecast --scenario-yaml '' --samples 5 --no-sensitivity --no-purchase-advice
expect_bad "forecast: an empty --set is refused (it forecast without the what-if)" \
  "error: --set: is empty; give a setting as PATH=VALUE" \
  forecast --set 'events.b30a-licensed.probability=1' --set '' --samples 5
# A node list naming one node twice made two nodes of it (16 T4 from one 8-GPU server).
printf 'sn,cpu_milli,memory_mib,gpu,model\nn0,32000,65536,8,T4\nn0,32000,65536,8,T4\n' \
  >"$TMP/nodes_twice.csv"
expect_bad "replay: a node list naming a node twice is refused at its line" \
  "nodes_twice\\.csv:3: sn: 'n0' is named twice \\(also at line 2\\)" \
  replay --trace "$TMP/two_jobs.csv" --nodes "$TMP/nodes_twice.csv"
expect_bad "simulate: a type given two durations is refused (the last ran)" \
  "error: --durations: 'h800:20': h800 has a duration already; give each type once" \
  simulate --gpus 8 --durations h800:10,h800:20 --cluster h800:16

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
