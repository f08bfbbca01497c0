#!/usr/bin/env bash
# `suanli serve` through a real socket: every route answers what the CLI's --json prints for the
# same request, bad bodies get their status, the token and the body cap hold, SIGTERM stops it.
# Usage: serve_test.sh path/to/suanli
set -u
SUANLI=$1
TMP=$(mktemp -d "${TMPDIR:-/tmp}/suanli_serve.XXXXXX")
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  rm -rf "$TMP"
}
trap cleanup EXIT

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok    $1"; }
not_ok() { failed=$((failed + 1)); echo "FAIL  $1"; shift; for l in "$@"; do echo "      $l"; done; }

# The server reads traces only inside its data folder: give it one of its own.
mkdir -p "$TMP/data/traces"
printf 'id,arrival_s,num_gpus,duration_s\n1,0,1,100\n2,0,1,200\n3,0,1,50\n' >"$TMP/data/traces/jobs.csv"
printf 'id,arrival_s,num_gpus,duration_s\n1,0,1,100\n2,0,4,200\n3,0,1,50\n' >"$TMP/data/traces/never.csv"
export SUANLI_DATA="$TMP/data"

# start NAME ARGS...: starts a server on a free port; sets PORT.
start() {
  local log="$TMP/$1.log"
  shift
  "$SUANLI" serve --port 0 "$@" 2>"$log" &
  PIDS+=($!)
  PORT=""
  for _ in $(seq 1 100); do
    PORT=$(grep -o 'http://[^:]*:[0-9]*' "$log" 2>/dev/null | sed 's/.*://')
    [ -n "$PORT" ] && curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && return 0
    sleep 0.1
  done
  echo "server did not start: $(cat "$log")" >&2
  return 1
}

start main || exit 1
BASE="http://127.0.0.1:$PORT"

# same NAME ROUTE BODY CLI-ARGS...: the route's body equals the CLI's --json, every field (no
# output carries a wall-clock reading unless asked for with timing).
same() {
  local name=$1 route=$2 body=$3
  shift 3
  local status
  status=$(curl -s -o "$TMP/http.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    --data-binary "$body" "$BASE$route")
  "$SUANLI" "$@" --json >"$TMP/cli.json" 2>"$TMP/cli.err"
  local cli_rc=$?
  if [ "$status" = 200 ] && [ $cli_rc -eq 0 ] && python3 - "$TMP/http.json" "$TMP/cli.json" <<'PY'; then
import json, sys
sys.exit(0 if json.load(open(sys.argv[1])) == json.load(open(sys.argv[2])) else 1)
PY
    ok "$name"
  else
    not_ok "$name" "HTTP $status, CLI exit $cli_rc" "http: $(head -c 300 "$TMP/http.json")" \
      "cli: $(head -c 300 "$TMP/cli.json") $(head -c 300 "$TMP/cli.err")"
  fi
}

same "POST /v1/train = train --json" /v1/train \
  '{"model": "llama-3-70b", "chip": "h800", "count": 1024, "tokens": 15e12}' \
  train --model llama-3-70b --chip h800 --count 1024 --tokens 15e12
same "POST /v1/train with amounts as text" /v1/train \
  '{"model": "llama-3-8b", "chip": "h100", "count": "64", "tokens": "1T", "global_batch_tokens": "4Mi", "tp": 2}' \
  train --model llama-3-8b --chip h100 --count 64 --tokens 1T --global-batch-tokens 4Mi --tp 2
same "POST /v1/infer --compare" /v1/infer \
  '{"model": "deepseek-r1", "chip": "h20,h800,ascend-910c", "compare": true, "dtype": "int8", "tpot_ms": 50}' \
  infer --model deepseek-r1 --chip h20,h800,ascend-910c --compare --dtype int8 --tpot-ms 50
same "POST /v1/forecast" /v1/forecast '{"scenario": "china-2026", "samples": 100, "seed": 7}' \
  forecast china-2026 --samples 100 --seed 7
same "POST /v1/localize" /v1/localize '{"sector": "automotive", "target": 1.0, "by": 2027}' \
  localize --sector automotive --target 1.0 --by 2027
same "POST /v1/replay (trace inside the data folder)" /v1/replay \
  '{"trace": "traces/jobs.csv", "cluster": "v100:2", "policy": ["fifo", "sjf"]}' \
  replay --trace "$TMP/data/traces/jobs.csv" --cluster v100:2 --policy fifo,sjf
same "POST /v1/replay with a job that never fits (pending, listed)" /v1/replay \
  '{"trace": "traces/never.csv", "cluster": "v100:2", "policy": ["fifo", "sjf"]}' \
  replay --trace "$TMP/data/traces/never.csv" --cluster v100:2 --policy fifo,sjf
if grep -q '"jobs_never_fit": 1' "$TMP/http.json" && grep -q 'asks 4 GPUs; v100 nodes have at most 2 GPUs' "$TMP/http.json"; then
  ok "POST /v1/replay: jobs_never_fit and why"
else
  not_ok "POST /v1/replay: jobs_never_fit and why" "$(head -c 600 "$TMP/http.json")"
fi

# The HTML report over HTTP is the file --report writes for the same request.
curl -s -X POST --data-binary '{"samples": 60, "seed": 3}' "$BASE/v1/forecast/report" >"$TMP/http.html"
"$SUANLI" forecast --samples 60 --seed 3 --report "$TMP/cli.html" >/dev/null
if cmp -s "$TMP/http.html" "$TMP/cli.html" && grep -q '<html' "$TMP/cli.html"; then
  ok "POST /v1/forecast/report = forecast --report"
else
  not_ok "POST /v1/forecast/report = forecast --report" "$(head -c 200 "$TMP/http.html")"
fi

# Cluster import: a file inside the data folder over HTTP, the same file by path on the CLI.
cp "$(dirname "$0")/../sim/kube/nodes_pods.json" "$TMP/data/cluster.json"
same "POST /v1/cluster/import" /v1/cluster/import '{"files": ["cluster.json"]}' \
  cluster import "$TMP/data/cluster.json"

same "POST /v1/simulate on the imported cluster" /v1/simulate \
  '{"durations": ["NVIDIA-H800:10", "Ascend910B3:40"], "gpus": 4, "kube": ["cluster.json"], "deadline_h": 50}' \
  simulate --durations NVIDIA-H800:10,Ascend910B3:40 --gpus 4 --kube "$TMP/data/cluster.json" --deadline-h 50

# The scheduler extender through the socket, no token needed: a cache-capable payload.
ext='{"Pod": {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "resources": {"limits": {"nvidia.com/gpu": "8"}}}]}}, "Nodes": {"items": [{"metadata": {"name": "a", "labels": {"nvidia.com/gpu.product": "NVIDIA-H800"}}, "status": {"allocatable": {"nvidia.com/gpu": "8"}}}, {"metadata": {"name": "b", "labels": {"nvidia.com/gpu.product": "NVIDIA-A100-SXM4-80GB"}}, "status": {"allocatable": {"nvidia.com/gpu": "8"}}}]}}'
got=$(curl -s -X POST --data-binary "$ext" "$BASE/scheduler/prioritize")
if [ "$got" = '[{"Host":"a","Score":10},{"Host":"b","Score":3}]' ]; then
  ok "POST /scheduler/prioritize: H800 10, A100 3 (10 x 312/989 bf16 TFLOPS)"
else
  not_ok "POST /scheduler/prioritize" "$got"
fi

for what in chips models systems; do
  curl -s "$BASE/v1/catalog/$what" >"$TMP/http.json"
  "$SUANLI" catalog "$what" --json >"$TMP/cli.json"
  if cmp -s "$TMP/http.json" "$TMP/cli.json"; then ok "GET /v1/catalog/$what = catalog $what --json"
  else not_ok "GET /v1/catalog/$what = catalog $what --json"; fi
done

# status ROUTE BODY EXPECTED_STATUS EXPECTED_FIELD NAME
status() {
  local got
  got=$(curl -s -o "$TMP/err.json" -w '%{http_code}' -X POST --data-binary "$2" "$BASE$1")
  local field
  field=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d.get("field") or "")' "$TMP/err.json" 2>/dev/null)
  if [ "$got" = "$3" ] && [ "$field" = "$4" ]; then ok "$5"
  else not_ok "$5" "status $got field '$field', expected $3 '$4'" "$(head -c 300 "$TMP/err.json")"; fi
}
status /v1/train '{"model": ' 400 "model" "malformed JSON: 400 naming the field it follows"
status /v1/train '{"model": "llama-3-8b", "chip": "h100", "count": -1, "tokens": 1e12}' 400 count "negative count: 400 naming count"
status /v1/train '{"model": "llama-3-8b", "chip": "h100", "count": "8", "tokens": 1e12, "system": "hgx-h20"}' 400 system "a system that does not hold the chip: 400 naming system"
status /v1/infer '{"model": "llama-3-70b", "chip": "h800", "system": "hgx-h20"}' 400 system "infer refuses the same pair: 400 naming system"
status /v1/replay '{"trace": "/etc/passwd", "cluster": "v100:8"}' 400 trace "a path outside the data folder: 400"
# A file the request names that cannot be read is named as the request gave it, never as the
# server's path under its data folder, with the field (audit round 12: /v1/replay answered
# "field": null, "file": "<data folder>/traces/nope.csv"; /v1/infer named no file).
for req in '/v1/replay {"trace": "traces/nope.csv", "cluster": "v100:8"} trace' \
  '/v1/infer {"model": "llama-3-8b", "chip": "h100", "requests_trace": "traces/nope.csv"} requests_trace' \
  '/v1/calibrate {"measurements": "traces/nope.csv"} measurements'; do
  route=${req%% *}
  rest=${req#* }
  field=${rest##* }
  body=${rest% *}
  got=$(curl -s -w ' %{http_code}' -X POST --data-binary "$body" "$BASE$route")
  if python3 - "$got" "$field" <<'PY'; then
import json, sys
text, code = sys.argv[1].rsplit(" ", 1)
d = json.loads(text)
sys.exit(0 if code == "400" and d.get("field") == sys.argv[2] and d.get("file") == "traces/nope.csv"
         and d.get("error") == "cannot read file: No such file or directory" else 1)
PY
    ok "POST $route with a missing file: 400 naming $field and the file as given"
  else
    not_ok "POST $route with a missing file: 400 naming $field and the file as given" "$got"
  fi
done
# A Gavel trace whose throughput table cannot be read names the request field, never the CLI's
# flag (audit round 12: the HTTP answer said "gavel traces need --throughputs ...").
printf 'ResNet-18 (batch size 32)\tcmd\t--num_steps\t1\t1000\t0.0\t1\n' >"$TMP/data/traces/vc.trace"
got=$(curl -s -w ' %{http_code}' -X POST \
  --data-binary '{"trace": "traces/vc.trace", "throughputs": "traces/nope.json", "cluster": "v100:1"}' \
  "$BASE/v1/replay")
if python3 - "$got" <<'PY'; then
import json, sys
text, code = sys.argv[1].rsplit(" ", 1)
d = json.loads(text)
sys.exit(0 if code == "400" and d.get("field") == "throughputs" and d.get("file") == "traces/nope.json"
         and "cannot read file" in d.get("error", "") and "--" not in d.get("error", "") else 1)
PY
  ok "POST /v1/replay with a missing Gavel throughputs file: 400 naming the field throughputs, no CLI flag"
else
  not_ok "POST /v1/replay with a missing Gavel throughputs file: 400 naming the field throughputs, no CLI flag" "$got"
fi
# `curl -d` and `--data-binary` send application/x-www-form-urlencoded, which cpp-httplib's own
# reader refuses over 8,192 bytes (413 "over the size limit"): a 20 KB body is read and answered
# by its route like any under the 1 MiB cap.
status /v1/train "$(printf '{"model": "llama-3-8b", "chip": "h100", "count": -1, "tokens": 1e12%20000s}' '')" \
  400 count "a 20 KB body as curl -d sends it: read, 400 naming count (not 413)"
head -c 2000000 /dev/zero | tr '\0' ' ' >"$TMP/big.json"
got=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary @"$TMP/big.json" "$BASE/v1/train")
[ "$got" = 413 ] && ok "a 2 MB body: 413" || not_ok "a 2 MB body: 413" "got $got"
# `curl -X POST URL` without -d sends no Content-Length: cpp-httplib refuses that before routing
# ("HTTP error 400"); it is answered as the route answers an empty body.
got=$(curl -s -w ' %{http_code}' -X POST "$BASE/v1/train")
case "$got" in *"the body is empty"*" 400") ok "POST /v1/train without a body: 400, the body is empty" ;;
  *) not_ok "POST /v1/train without a body" "$got" ;; esac
got=$(curl -s -i -X POST "$BASE/v1/catalog/chips" | tr -d '\r')
case "$got" in *"405 Method Not Allowed"*"Allow: GET"*"use GET"*) ok "POST on a GET route without a body: 405, Allow: GET" ;;
  *) not_ok "POST on a GET route without a body: 405" "$(echo "$got" | head -c 300)" ;; esac
# A second server on a port another is listening on is refused (exit 2), not started beside it
# (cpp-httplib's default SO_REUSEPORT let both listen, the kernel dealing connections between them).
timeout 10 "$SUANLI" serve --port "$PORT" >"$TMP/dup.out" 2>"$TMP/dup.err"
got=$?
if [ "$got" = 2 ] && grep -q "cannot listen on 127.0.0.1:$PORT (in use" "$TMP/dup.err"; then
  ok "serve on a port in use: exit 2, cannot listen"
else
  not_ok "serve on a port in use: exit 2, cannot listen" "exit $got" "$(head -c 300 "$TMP/dup.err")"
fi
got=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/v1/nothing")
[ "$got" = 404 ] && ok "unknown route: 404" || not_ok "unknown route: 404" "got $got"
if curl -s "$BASE/metrics" | grep -q 'suanli_http_requests_total{route="/v1/train",status="200"} 2'; then
  ok "/metrics counts the two good trains"
else
  not_ok "/metrics counts the two good trains" "$(curl -s "$BASE/metrics" | head -5)"
fi
if curl -s "$BASE/v1/openapi.json" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert "/v1/train" in d["paths"]'; then
  ok "/v1/openapi.json is an OpenAPI document"
else
  not_ok "/v1/openapi.json is an OpenAPI document"
fi

# The deploy/ example parses and registers the extender's verbs under /scheduler.
if python3 - "$(dirname "$0")/../../deploy" <<'PY'; then
import sys, yaml, os
d = sys.argv[1]
cfg = yaml.safe_load(open(os.path.join(d, "scheduler-config.yaml")))
ext = cfg["extenders"][0]
assert ext["urlPrefix"].endswith("/scheduler") and ext["filterVerb"] == "filter"
assert ext["prioritizeVerb"] == "prioritize" and ext["ignorable"] is True and "bindVerb" not in ext
kinds = [o["kind"] for o in yaml.safe_load_all(open(os.path.join(d, "suanli.yaml")))]
assert kinds == ["Namespace", "Deployment", "Service"], kinds
PY
  ok "deploy/: scheduler config registers filter and prioritize, never bind"
else
  not_ok "deploy/ example"
fi

# The token.
start tok --token abc || exit 1
TBASE="http://127.0.0.1:$PORT"
a=$(curl -s -o /dev/null -w '%{http_code}' "$TBASE/v1/catalog/chips")
b=$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer abc' "$TBASE/v1/catalog/chips")
c=$(curl -s -o /dev/null -w '%{http_code}' "$TBASE/healthz")
[ "$a$b$c" = 401200200 ] && ok "token: 401 without, 200 with, healthz open" || not_ok "token" "got $a $b $c"

# Beyond loopback without a token: refused at start, exit 2.
"$SUANLI" serve --host 0.0.0.0 --port 0 >"$TMP/out" 2>"$TMP/err"
rc=$?
if [ $rc -eq 2 ] && grep -q token "$TMP/err"; then ok "0.0.0.0 without a token: exit 2"
else not_ok "0.0.0.0 without a token: exit 2" "exit $rc: $(cat "$TMP/err")"; fi

# SIGTERM stops the server cleanly.
kill -TERM "${PIDS[0]}"
wait "${PIDS[0]}"
rc=$?
[ $rc -eq 0 ] && ok "SIGTERM: exit 0" || not_ok "SIGTERM: exit 0" "exit $rc"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
