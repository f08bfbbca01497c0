#!/usr/bin/env bash
# replay's progress on stderr (issue 16): shown with --progress or when stderr is a terminal,
# never otherwise (nor with --json on a terminal, unless asked); at most a line every 0.5 s once
# the command has run 1 s; each line says rows read or jobs read and done and the simulated days;
# stdout is the same with and without it.
# The trace is doubled until a replay takes 2.5 s (so that lines are due on any machine, ASan
# build or not).
# Usage: progress.sh path/to/suanli
set -u
if [ $# -lt 1 ] || [ ! -x "$1" ]; then
  echo "usage: $0 path/to/suanli" >&2
  exit 2
fi
SUANLI=$1
TMP=$(mktemp -d "${TMPDIR:-/tmp}/suanli_progress.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
failed=0
ok() { echo "ok    $1"; }
not_ok() {
  failed=$((failed + 1))
  echo "FAIL  $1"
  shift
  for line in "$@"; do echo "      $line"; done
}

# trace N: N jobs, one every 2 s, 1/2/4/8 GPUs for 50-450 s (about 470 GPUs busy of 1,024:
# a queue at times, not without end).
trace() {
  python3 - "$1" "$TMP/trace.csv" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as f:
    f.write("id,arrival_s,num_gpus,duration_s\n")
    f.writelines(f"{i},{2 * i},{(1, 2, 4, 8)[i % 4]},{50 + (i * 37) % 400}\n" for i in range(1, n + 1))
PY
}
args=(replay --trace "$TMP/trace.csv" --cluster gpu:1024:8 --policy fifo,best-fit,srtf)

n=100000
while :; do
  trace "$n"
  start=$(date +%s.%N)
  "$SUANLI" "${args[@]}" --progress >"$TMP/out_progress" 2>"$TMP/err_progress"
  rc=$?
  took=$(python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$start" "$(date +%s.%N)")
  if [ "$rc" -ne 0 ]; then
    not_ok "replay --progress exits 0" "exit $rc" "$(head -c 300 "$TMP/err_progress")"
    exit 1
  fi
  if python3 -c "import sys; sys.exit(float(sys.argv[1]) < 2.5)" "$took" || [ "$n" -ge 6400000 ]; then
    break
  fi
  n=$((n * 2))
done
echo "      $n jobs, ${took} s with --progress"

# Every line is one of the two forms; at least one is due in 2.5 s; the counts hold.
if python3 - "$TMP/err_progress" "$n" "$took" <<'PY'; then
import re, sys
path, n, took = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
reading = re.compile(r"suanli: reading \S+trace\.csv: (\d+) rows, (\d+\.\d) s")
replay = re.compile(r"suanli: replay (fifo|best-fit|srtf): (\d+) jobs read, (\d+\.\d) days simulated: "
                    r"(\d+) of (\d+) jobs done \((\d+) %\), (\d+\.\d) s")
lines = open(path).read().splitlines()
problems, times = [], []
for line in lines:
    if m := reading.fullmatch(line):
        rows, t = int(m[1]), float(m[2])
        if rows % 100000 or rows > n + 1:
            problems.append(f"rows not a multiple of 100,000 up to {n + 1}: {line}")
    elif m := replay.fullmatch(line):
        read, days, done, total, pct, t = (int(m[2]), float(m[3]), int(m[4]), int(m[5]),
                                           int(m[6]), float(m[7]))
        if total != n or not done <= read <= n or pct != round(100 * done / n):
            problems.append(f"counts do not hold (n = {n}): {line}")
        # Arrivals every 2 s: the simulated time is at least that of the jobs read but the last.
        if days * 86400 + 0.05 * 86400 < 2 * (read - 1) - 2:
            problems.append(f"simulated days behind the jobs read: {line}")
    else:
        problems.append(f"not a progress line: {line!r}")
        continue
    times.append(t)
if not lines:
    problems.append(f"no progress line in {took:.1f} s")
if any(t < 1.0 for t in times):
    problems.append(f"a line before 1 s: {times}")
# 0.5 s apart at least (the times are rounded to 0.1 s).
if any(b - a < 0.4 for a, b in zip(times, times[1:])):
    problems.append(f"lines closer than 0.5 s: {times}")
for p in problems[:5]:
    print("      " + p)
sys.exit(1 if problems else 0)
PY
  ok "--progress: $(wc -l <"$TMP/err_progress") lines, each rows read or jobs read and done with simulated days, 0.5 s apart"
else
  not_ok "--progress lines" "$(head -3 "$TMP/err_progress")"
fi

# stdout unchanged by --progress; without it (stderr not a terminal) nothing on stderr.
"$SUANLI" "${args[@]}" >"$TMP/out_plain" 2>"$TMP/err_plain"
if cmp -s "$TMP/out_plain" "$TMP/out_progress" && [ -s "$TMP/out_plain" ]; then
  ok "stdout is the same with and without --progress"
else
  not_ok "stdout is the same with and without --progress" "$(diff "$TMP/out_plain" "$TMP/out_progress" | head -5)"
fi
if [ ! -s "$TMP/err_plain" ]; then
  ok "no progress without --progress when stderr is a file"
else
  not_ok "no progress without --progress when stderr is a file" "$(head -3 "$TMP/err_plain")"
fi

# On a terminal (script(1) gives the command one): progress without the flag, none with --json
# unless --progress is given.
on_tty() {  # on_tty OUT LOG ARGS...: stdout to OUT, the terminal's text (stderr) to LOG
  local out=$1 log=$2
  shift 2
  script -qec "$(printf '%q ' "$SUANLI" "$@") >$(printf '%q' "$out")" /dev/null | tr -d '\r' >"$log"
}
on_tty "$TMP/out_tty" "$TMP/log_tty" "${args[@]}"
if grep -qE '^suanli: (reading|replay) ' "$TMP/log_tty" && cmp -s "$TMP/out_tty" "$TMP/out_plain"; then
  ok "on a terminal, progress without --progress; stdout unchanged"
else
  not_ok "on a terminal, progress without --progress" "$(head -3 "$TMP/log_tty")"
fi
on_tty "$TMP/out_json" "$TMP/log_json" "${args[@]}" --json
if [ ! -s "$TMP/log_json" ] && [ -s "$TMP/out_json" ]; then
  ok "on a terminal with --json, no progress"
else
  not_ok "on a terminal with --json, no progress" "$(head -3 "$TMP/log_json")"
fi
on_tty "$TMP/out_json2" "$TMP/log_json2" "${args[@]}" --json --progress
if grep -qE '^suanli: (reading|replay) ' "$TMP/log_json2" && cmp -s "$TMP/out_json" "$TMP/out_json2"; then
  ok "on a terminal with --json --progress, progress; stdout unchanged"
else
  not_ok "on a terminal with --json --progress, progress" "$(head -3 "$TMP/log_json2")"
fi

[ "$failed" -eq 0 ] || exit 1
