#!/usr/bin/env bash
# Every finding of the reliability probe (../shared/reference/reliability-findings-2026-12.md)
# as a row of tests/cli/reliability_findings.tsv, so none can come back.
#
# Columns (tab-separated; lines starting with # are comments):
#   id        the finding (H1, M3, L9...) and a letter per case
#   needs     what the row needs beyond the binary: - | shared (../shared/data traces) |
#             root (mknod) | mount (a tmpfs for a full disk)
#   exit      the expected exit code
#   pattern   extended regex (case-insensitive) that stdout+stderr must match, or -
#   absent    space-separated paths that must not exist afterwards, or -
#   command   bash, run from the project root with $S (the binary), $T (the shared traces),
#             $D (a fresh scratch folder) and $R (the project root); its exit code is the last
#             command's
# Every row also checks that no output temporary (.NAME.RANDOM.tmp) is left in $D.
#
# Rows that need the shared data are skipped, saying why, when it is absent, and fail when CI is
# set (as tests/testing.h and tests/docs/check_examples.py do). Rows that need root or a tmpfs
# mount are skipped, saying why, where the machine does not allow them.
# Usage: reliability_findings.sh path/to/suanli [ID-REGEX]
set -u

if [ $# -lt 1 ] || [ ! -x "$1" ]; then
  echo "usage: $0 path/to/suanli [ID-REGEX]" >&2
  exit 2
fi
S=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ONLY=${2:-}
R=$(cd "$(dirname "$0")/../.." && pwd)
TABLE="$R/tests/cli/reliability_findings.tsv"
DATA=${SUANLI_DATA:-$R/../shared/data}
T="$DATA/traces"
in_ci() { [ -n "${CI:-}" ] && [ "${CI:-}" != 0 ] && [ "${CI:-}" != false ]; }

can_mount=no
if [ "$(id -u)" -eq 0 ]; then
  probe=$(mktemp -d "${TMPDIR:-/tmp}/suanli_mount.XXXXXX")
  if mount -t tmpfs -o size=64k tmpfs "$probe" 2>/dev/null; then
    umount "$probe" && can_mount=yes
  fi
  rmdir "$probe"
fi

passed=0 failed=0 skipped=0 rows=0
export S T R
while IFS=$'\t' read -r id needs want_rc pattern absent command; do
  case "$id" in '' | '#'*) continue ;; esac
  rows=$((rows + 1))
  if [ -z "${command:-}" ]; then
    echo "FAIL  $id: malformed row (expected 6 tab-separated columns)"
    failed=$((failed + 1))
    continue
  fi
  if [ -n "$ONLY" ] && ! [[ "$id" =~ $ONLY ]]; then continue; fi
  case "$needs" in
    shared)
      if [ ! -d "$T" ]; then
        why="shared data not found: $T (set SUANLI_DATA to the shared data directory)"
        if in_ci; then
          echo "FAIL  $id: $why; a failure because CI is set"
          failed=$((failed + 1))
        else
          echo "skip  $id: $why; a failure when CI is set"
          skipped=$((skipped + 1))
        fi
        continue
      fi
      ;;
    root | mount)
      if [ "$(id -u)" -ne 0 ] || { [ "$needs" = mount ] && [ "$can_mount" = no ]; }; then
        echo "skip  $id: needs $needs (this machine does not allow it)"
        skipped=$((skipped + 1))
        continue
      fi
      ;;
  esac
  D=$(mktemp -d "${TMPDIR:-/tmp}/suanli_finding.XXXXXX")
  export D
  (cd "$R" && timeout 300 bash -c "$command") >"$D.out" 2>&1
  rc=$?
  problems=()
  [ "$rc" -eq "$want_rc" ] || problems+=("exit code $rc, expected $want_rc")
  if [ "$pattern" != - ] && ! grep -qiE -- "$pattern" "$D.out"; then
    problems+=("output does not match /$pattern/")
  fi
  if [ "$absent" != - ]; then
    for p in $absent; do
      p=${p//\$D/$D}
      [ ! -e "$p" ] || problems+=("${p#"$D"/} was written")
    done
  fi
  left=$(find "$D" -name '.*.tmp' -printf '%P ' 2>/dev/null)
  [ -z "$left" ] || problems+=("temporaries left behind: $left")
  if [ ${#problems[@]} -eq 0 ]; then
    echo "ok    $id"
    passed=$((passed + 1))
  else
    echo "FAIL  $id: $command"
    for p in "${problems[@]}"; do echo "      $p"; done
    echo "      output: $(head -c 600 "$D.out")"
    failed=$((failed + 1))
  fi
  rm -rf "$D" "$D.out"
done <"$TABLE"

echo "$rows rows: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ $((passed + skipped)) -gt 0 ]
