#!/usr/bin/env bash
# src/sim's folders depend one way (src/sim/README.md): trace/ includes neither engine/ nor
# policies/, engine/ includes neither trace/ nor policies/ (a policy is a plugin: the engine
# never names one), and the two replay mechanisms never include or call each other (replay.cc
# picks one; they share only replay_summary.h).
# Usage: layers.sh path/to/src/sim
set -u
sim=${1:?usage: layers.sh path/to/src/sim}
fail=0
# check GLOB REGEX WHY: no line of the files, comments aside, matches REGEX.
check() {
  local hits
  hits=$(grep -n -E "$2" $1 /dev/null | grep -v -E '^[^:]*:[0-9]+: *//')
  if [ -n "$hits" ]; then
    echo "FAIL: $3:"
    echo "$hits"
    fail=1
  fi
}
for d in trace engine policies; do
  [ -d "$sim/$d" ] || { echo "FAIL: no folder $sim/$d"; exit 1; }
done
check "$sim/trace/*" '#include "sim/(engine|policies)/' "trace/ includes engine/ or policies/"
check "$sim/engine/*" '#include "sim/(trace|policies)/' "engine/ includes trace/ or policies/"
check "$sim/engine/event_engine.*" 'gavel_rounds\.h|ReplayInRounds\(' \
  "the event engine includes or calls Gavel's round mechanism"
check "$sim/engine/gavel_rounds.*" 'event_engine\.h|ReplayEvents\(|[^a-zA-Z]Replay\(' \
  "Gavel's round mechanism includes or calls the event engine or Replay()"
if [ "$fail" = 0 ]; then echo "src/sim layers: ok"; fi
exit "$fail"
