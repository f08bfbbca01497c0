#!/usr/bin/env bash
# Same inputs and seed, same bytes, whatever the locale and time zone: every main command (table
# and --json, and the files it writes) runs once per environment below, and each run's output
# must equal the first byte for byte. The locales that differ most from C are built with
# localedef into a scratch folder (LOCPATH): de_DE has a decimal comma and a thousands dot,
# tr_TR lower-cases 'I' to a dotless 'ı'. The time zones are 8, -8 and +14 hours from UTC.
# Usage: determinism.sh path/to/suanli
set -u

if [ $# -lt 1 ] || [ ! -x "$1" ]; then
  echo "usage: $0 path/to/suanli" >&2
  exit 2
fi
S=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
TMP=$(mktemp -d "${TMPDIR:-/tmp}/suanli_determinism.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

failed=0
fail() {
  failed=$((failed + 1))
  echo "FAIL  $*"
}

# Locales: built here, so the test needs only Debian's `locales` data and no root.
mkdir -p "$TMP/locale"
for loc in de_DE tr_TR; do
  if ! localedef -i "$loc" -f UTF-8 "$TMP/locale/$loc.UTF-8" 2>"$TMP/localedef.err"; then
    fail "cannot build the $loc.UTF-8 locale (install Debian's locales package:" \
      "scripts/install-deps.sh): $(head -c 300 "$TMP/localedef.err")"
  fi
done
[ "$failed" -eq 0 ] || exit 1
export LOCPATH="$TMP/locale"
# The locales must be in force, or this test could not fail: printf(1) follows them.
if [ "$(LC_ALL=de_DE.UTF-8 /usr/bin/printf '%.1f' 1.5 2>/dev/null)" != "1,5" ]; then
  fail "the de_DE.UTF-8 locale built in $LOCPATH is not in force (printf gives a decimal point)"
fi
for tz in Asia/Shanghai America/Los_Angeles Pacific/Kiritimati; do
  [ -e "/usr/share/zoneinfo/$tz" ] || fail "time zone $tz missing (install Debian's tzdata)"
done
[ "$failed" -eq 0 ] || exit 1
# Each environment: LC_ALL and TZ. The first is the reference.
ENVS=("C UTC" "C.UTF-8 Asia/Shanghai" "de_DE.UTF-8 America/Los_Angeles" "tr_TR.UTF-8 Pacific/Kiritimati")

# Inputs written here: a small generic CSV trace with GPU shares, and an openb node list.
IN="$TMP/in"
mkdir -p "$IN"
{
  echo "id,arrival_s,num_gpus,gpu_milli,duration_s,gpu_types,cpu_milli,memory_mib"
  for i in $(seq 1 40); do
    echo "$i,$((i * 37 % 600)),$((i % 4 + 1)),1000,v100=$((i * 91 % 5000 + 60));k80=$((i * 173 % 9000 + 120)),,4000,8192"
  done
  for i in $(seq 41 60); do
    echo "$i,$((i * 11 % 600)),1,$((i * 37 % 900 + 100)),$((i * 53 % 3000 + 30)),,2000,4096"
  done
} >"$IN/trace.csv"
printf 'sn,cpu_milli,memory_mib,gpu,model\n' >"$IN/nodes.csv"
for i in $(seq 1 6); do echo "node-$i,64000,262144,$((i % 2 * 4 + 4)),V100" >>"$IN/nodes.csv"; done

# name|arguments (word-split), run in a fresh folder that gets the files they write.
COMMANDS=(
  "catalog-chips|catalog chips"
  "catalog-models-json|catalog models --json"
  "train|train --model llama-3-70b --chip h800 --count 1024 --tokens 15T"
  "train-json|train --model deepseek-v3 --chip h20 --count 2048 --tokens 1T --json"
  "infer|infer --model llama-3-70b --chip h800 --tpot-ms 50"
  "infer-compare-json|infer --model qwen2.5-72b --chip h20,h800,ascend-910b --compare --json"
  "forecast|forecast cloud-inference-first --samples 20 --report r.html --csv csv -o forecast.txt"
  "forecast-json|forecast china-2026 --samples 20 --no-sensitivity --json"
  "localize|localize"
  "localize-json|localize --json --seed 3"
  "replay|replay --trace $IN/trace.csv --cluster v100:8,k80:8 --policy fifo,sjf,srtf,las,best-fit,fgd --report replay.html"
  "replay-json|replay --trace $IN/trace.csv --cluster v100:8:4,k80:8:4 --policy fifo,max-min-fairness --json"
  "replay-fill|replay --trace $IN/trace.csv --nodes $IN/nodes.csv --fill 1.2 --repeat 2 --policy fgd,best-fit"
  "synth|trace synth --from $IN/trace.csv --jobs 500 --seed 9 --rate-scale 1.5 -o synth.csv"
  "synth-json|trace synth --from $IN/trace.csv --jobs 50 --json -o synth.csv"
)

start=$SECONDS
for entry in "${COMMANDS[@]}"; do
  name=${entry%%|*}
  for e in "${!ENVS[@]}"; do
    read -r lc tz <<<"${ENVS[$e]}"
    OUT="$TMP/out/$name/$e"
    mkdir -p "$OUT"
    eval "args=(${entry#*|})"
    (cd "$OUT" && LC_ALL=$lc TZ=$tz "$S" "${args[@]}" >stdout 2>stderr; echo "$?" >exit)
  done
  ref="$TMP/out/$name/0"
  if [ "$(cat "$ref/exit")" != 0 ]; then
    fail "$name: exit $(cat "$ref/exit") under ${ENVS[0]}: $(head -c 300 "$ref/stderr")"
    continue
  fi
  same=yes
  for e in $(seq 1 $((${#ENVS[@]} - 1))); do
    if ! diff -r -q "$ref" "$TMP/out/$name/$e" >"$TMP/diff" 2>&1; then
      same=no
      fail "$name: output under LC_ALL/TZ ${ENVS[$e]} differs from ${ENVS[0]}:" "$(head -c 400 "$TMP/diff")"
    fi
  done
  files=$(find "$ref" -type f | wc -l)
  [ "$same" = yes ] && echo "ok    $name: $files outputs identical under ${#ENVS[@]} locale/time-zone settings"
done
echo "${#COMMANDS[@]} commands x ${#ENVS[@]} environments in $((SECONDS - start)) s; $failed failed"
[ "$failed" -eq 0 ]
