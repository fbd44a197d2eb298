#!/usr/bin/env bash
# Scheduling benchmark: how each placement policy spreads a real, bursty arrival stream over a
# function's instances: latency and queue wait percentiles, and each instance's busy share. See
# bench/README.md.
#
#   bench/scheduling/run.sh [-n INSTANCES] [--requests K] [options]
#
# Starts a Stasis server (Release build, through ./stasis) and, for each policy in turn, deploys the
# bench function (it sleeps as long as the request header x-bench-service-ms says) with that
# schedulingPolicy and N provisioned, always-warm instances, replays the same window of
# AzureLLMInferenceTrace_code.csv against it open-loop (replay.py), reads the instances' counters
# before and after, and deletes it. Everything it starts is stopped on exit (also on Ctrl-C). The
# last line of output is one JSON object with every figure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=../lib/common.sh
. "$repo/bench/lib/common.sh"

INSTANCES=4            # N: provisioned instances (and maxInstances) per function
REQUESTS=1500          # K: consecutive trace rows replayed
UTILISATION=0.7        # requests * mean service / (N * replay span)
POLICIES="join-idle-queue,round-robin,random,power-of-two-choices,least-outstanding"
OFFSET=0               # first trace row of the window
MAX_SECONDS=180        # per policy: the replay (sending and answers) stops after this long
MODEL="5,0.002,1.0"    # A,B,C of service_ms = A + B * ContextTokens + C * GeneratedTokens
WARMUP=100             # 1 ms requests before each replay, not counted
SERVER_WARMUP=10       # seconds of load on a throw-away function before the first policy
ARRIVALS="trace"       # trace: the rows' timestamps, scaled; poisson: same mean rate, exponential gaps
TRACE=""
JSON_OUT=""

usage() {
  cat <<EOF2
usage: bench/scheduling/run.sh [options]
  -n, --instances N      provisioned instances per function, also its maxInstances (default $INSTANCES)
      --requests K       consecutive trace rows to replay (default $REQUESTS)
      --utilisation U    target utilisation of the N instances, 0 < U <= 1.5 (default $UTILISATION)
      --policies LIST    comma-separated policies, run in this order (default: $POLICIES)
      --offset ROW       first trace row of the window, 0 = the first data row (default $OFFSET)
      --max-seconds S    per policy: stop the replay after S seconds and count what is left as lost (default $MAX_SECONDS)
      --model A,B,C      service_ms = A + B * ContextTokens + C * GeneratedTokens (default $MODEL)
      --warmup N         requests of 1 ms sent before each replay, not counted (default $WARMUP)
      --server-warmup S  seconds of 0 ms requests on a throw-away function before the first policy, so that
                         the server's JIT is done with the request path (default $SERVER_WARMUP; 0 skips it)
      --arrivals MODE    trace: the rows' timestamps, scaled (default); poisson: the rows' service times
                         arriving as a Poisson process at the same mean rate (the trace's bursts smoothed away)
      --trace FILE       the trace (default: shared/traces/AzureLLMInferenceTrace_code.csv next to the checkout)
      --json FILE        also write the final JSON line to FILE
  -h, --help             this text
EOF2
}

need_arg() { [ $# -ge 2 ] || { echo "run.sh: $1 needs a value" >&2; usage >&2; exit 2; }; }
while [ $# -gt 0 ]; do
  case "$1" in
    -n|--instances) need_arg "$@"; INSTANCES="$2"; shift 2;;
    --requests) need_arg "$@"; REQUESTS="$2"; shift 2;;
    --utilisation|--utilization) need_arg "$@"; UTILISATION="$2"; shift 2;;
    --policies) need_arg "$@"; POLICIES="$2"; shift 2;;
    --offset) need_arg "$@"; OFFSET="$2"; shift 2;;
    --max-seconds) need_arg "$@"; MAX_SECONDS="$2"; shift 2;;
    --model) need_arg "$@"; MODEL="$2"; shift 2;;
    --warmup) need_arg "$@"; WARMUP="$2"; shift 2;;
    --server-warmup) need_arg "$@"; SERVER_WARMUP="$2"; shift 2;;
    --trace) need_arg "$@"; TRACE="$2"; shift 2;;
    --arrivals) need_arg "$@"; ARRIVALS="$2"; shift 2;;
    --json) need_arg "$@"; JSON_OUT="$2"; shift 2;;
    -h|--help) usage; exit 0;;
    *) echo "run.sh: unknown option '$1'" >&2; usage >&2; exit 2;;
  esac
done
for v in INSTANCES REQUESTS OFFSET MAX_SECONDS WARMUP SERVER_WARMUP; do
  case "${!v}" in ''|*[!0-9]*) echo "run.sh: $v must be a whole number, not '${!v}'" >&2; exit 2;; esac
done
[ "$INSTANCES" -ge 1 ] && [ "$INSTANCES" -le 64 ] || { echo "run.sh: --instances must be 1..64" >&2; exit 2; }
[ "$REQUESTS" -ge 2 ] && [ "$REQUESTS" -le 100000 ] || { echo "run.sh: --requests must be 2..100000" >&2; exit 2; }
[ "$MAX_SECONDS" -ge 1 ] && [ "$MAX_SECONDS" -le 3600 ] || { echo "run.sh: --max-seconds must be 1..3600" >&2; exit 2; }
[ "$WARMUP" -le 10000 ] && [ "$SERVER_WARMUP" -le 300 ] || { echo "run.sh: --warmup at most 10000, --server-warmup at most 300" >&2; exit 2; }
awk -v u="$UTILISATION" 'BEGIN { exit !(u ~ /^[0-9]*\.?[0-9]+$/ && u > 0 && u <= 1.5) }' \
  || { echo "run.sh: --utilisation must be a number in (0, 1.5], not '$UTILISATION'" >&2; exit 2; }
case "$ARRIVALS" in trace|poisson) ;; *) echo "run.sh: --arrivals must be trace or poisson, not '$ARRIVALS'" >&2; exit 2;; esac
[[ "$MODEL" =~ ^[0-9]*\.?[0-9]+,[0-9]*\.?[0-9]+,[0-9]*\.?[0-9]+$ ]] \
  || { echo "run.sh: --model takes three non-negative numbers A,B,C, not '$MODEL'" >&2; exit 2; }

short_name() { # policy -> function name suffix
  case "$1" in
    join-idle-queue) echo jiq;;
    round-robin) echo rr;;
    random) echo random;;
    power-of-two-choices) echo p2c;;
    least-outstanding) echo lor;;
    *) return 1;;
  esac
}
IFS=',' read -r -a policy_list <<<"$POLICIES"
[ "${#policy_list[@]}" -ge 1 ] || { echo "run.sh: --policies is empty" >&2; exit 2; }
declare -A seen_policy=()
for p in "${policy_list[@]}"; do
  short_name "$p" >/dev/null || { echo "run.sh: unknown policy '$p'; use join-idle-queue, round-robin, random, power-of-two-choices, least-outstanding" >&2; exit 2; }
  [ -z "${seen_policy[$p]:-}" ] || { echo "run.sh: policy '$p' is listed twice" >&2; exit 2; }
  seen_policy[$p]=1
done

if [ -z "$TRACE" ]; then
  for d in "$repo/shared/traces" "$repo/../shared/traces" "$repo/../../shared/traces"; do
    if [ -f "$d/AzureLLMInferenceTrace_code.csv" ]; then TRACE="$(cd "$d" && pwd)/AzureLLMInferenceTrace_code.csv"; break; fi
  done
  [ -n "$TRACE" ] || { echo "run.sh: AzureLLMInferenceTrace_code.csv not found under shared/traces next to the checkout; give --trace FILE" >&2; exit 2; }
fi
[ -r "$TRACE" ] || { echo "run.sh: cannot read the trace '$TRACE'" >&2; exit 2; }

for tool in curl jq python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "run.sh: missing $tool; install with: apt-get install -y $tool" >&2; exit 1; }
done
command -v dotnet >/dev/null 2>&1 || { echo "run.sh: dotnet (SDK 10) is needed to build and run Stasis" >&2; exit 1; }

cpus="$(nproc 2>/dev/null || echo 1)"
load_before="$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo null)"
if [ "$load_before" != null ] && awk -v l="$load_before" 'BEGIN { exit !(l > 0.5) }'; then
  echo "run.sh: warning: 1-minute load average is $load_before on $cpus CPUs before starting; other work on this machine will skew the figures" >&2
fi

replay_args=(--trace "$TRACE" --offset "$OFFSET" --requests "$REQUESTS" --instances "$INSTANCES"
             --utilisation "$UTILISATION" --model "$MODEL" --arrivals "$ARRIVALS")
plan_json="$(python3 "$here/replay.py" "${replay_args[@]}" --plan)" || { echo "run.sh: the trace window could not be planned" >&2; exit 2; }

# ---------------------------------------------------------------------------------------------
# Processes we start, and cleanup

work="$(mktemp -d "${TMPDIR:-/tmp}/stasis-bench-scheduling.XXXXXX")"
server_pid=""
replay_pid=""
instance_pids=() # "pid:instanceId" of every instance seen, to catch any left behind
deployed=()
api=""

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  set +e
  stop_pid "$replay_pid" 5
  # Delete the functions first (the server stops their instances), then stop the server.
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    local f
    for f in "${deployed[@]}"; do
      curl -s -o /dev/null --max-time 30 -X DELETE "$api/functions/$f"
    done
  fi
  stop_pid "$server_pid" 60
  local entry pid id
  for entry in "${instance_pids[@]}"; do
    pid="${entry%%:*}" id="${entry#*:}"
    # Only a process that is still that instance (same FC_INSTANCE_ID), never a recycled pid.
    if [ -r "/proc/$pid/environ" ] && tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx "FC_INSTANCE_ID=$id"; then
      echo "run.sh: instance $id (pid $pid) outlived the server; stopping it" >&2
      stop_pid "$pid" 5
    fi
  done
  if [ "$status" -ne 0 ] && [ "$status" -ne 130 ] && [ "$status" -ne 143 ] && [ -f "$work/stasis.log" ]; then
    echo "run.sh: last lines of the Stasis server log:" >&2
    tail -n 20 "$work/stasis.log" >&2
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

remember_instances() { # $1 function name
  local line
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    case " ${instance_pids[*]} " in *" $line "*) ;; *) instance_pids+=("$line");; esac
  done < <(curl -s --max-time 5 "$api/functions/$1/instances?all=true" | jq -r '.[]? | select(.pid != null) | "\(.pid):\(.id)"' 2>/dev/null)
}

# ---------------------------------------------------------------------------------------------
# Stasis server

log "building the Stasis CLI and server (Release) if needed..."
"$repo/stasis" --help >"$work/cli-help.log" 2>&1 || { cat "$work/cli-help.log" >&2; die "./stasis failed to build or run"; }
server_port="$(free_port)"
server="http://127.0.0.1:$server_port"
api="$server/api/v1"
log "stasis server: 127.0.0.1:$server_port (data in $work/stasis-data)"
"$repo/stasis" server --listen "127.0.0.1:$server_port" --data "$work/stasis-data" >"$work/stasis.log" 2>&1 &
server_pid=$!
if ! wait_http "$api/status" 120 "$server_pid"; then
  kill -0 "$server_pid" 2>/dev/null || die "the Stasis server exited before answering on $api/status"
  die "the Stasis server did not answer on $api/status within 120 s"
fi

# ---------------------------------------------------------------------------------------------
# Per policy: deploy, provision N always-warm instances, replay, delete

deploy() { # $1 name, $2 policy
  local spec code
  spec="$(jq -n --arg name "$1" --arg code "$here/function" --arg policy "$2" --argjson n "$INSTANCES" '{
    functionName: $name,
    description: "scheduling benchmark: sleeps x-bench-service-ms, then answers 200",
    runtime: "custom-container",
    handler: "not-used",
    code: $code,
    timeout: 60,
    memorySize: 128,
    instanceConcurrency: 1,
    maxInstances: $n,
    maxQueueLength: 100000,
    schedulingPolicy: $policy,
    customContainerConfig: { entrypoint: ["python3"], command: ["app.py"], port: 9000 },
    triggers: [{ triggerName: "http", triggerType: "http",
                 triggerConfig: { authType: "anonymous", methods: ["GET", "POST"] } }]
  }')"
  deployed+=("$1")
  code="$(curl -s -o "$work/deploy-$1.json" -w '%{http_code}' --max-time 60 -X PUT -H 'Content-Type: application/json' \
    --data-binary "$spec" "$api/functions/$1")"
  case "$code" in 2??) return 0;; *) cat "$work/deploy-$1.json" >&2; echo >&2; return 1;; esac
}

provision() { # $1 name: N provisioned instances, idle mode off (never frozen)
  local code
  code="$(curl -s -o "$work/provision-$1.json" -w '%{http_code}' --max-time 30 -X PUT -H 'Content-Type: application/json' \
    --data-binary "{\"defaultTarget\":$INSTANCES,\"alwaysAllocateCPU\":true}" "$api/functions/$1/provision")"
  case "$code" in 2??) return 0;; *) cat "$work/provision-$1.json" >&2; echo >&2; return 1;; esac
}

wait_ready() { # $1 name, $2 seconds: N provisioned instances, all Ready, none frozen
  local deadline=$((SECONDS + $2)) p i
  while [ "$SECONDS" -lt "$deadline" ]; do
    p="$(curl -s --max-time 5 "$api/functions/$1/provision" || true)"
    i="$(curl -s --max-time 5 "$api/functions/$1/instances" || true)"
    if [ "$(jq -r '.current // 0' <<<"$p" 2>/dev/null)" = "$INSTANCES" ] && [ "$(jq -r '.frozen // 0' <<<"$p" 2>/dev/null)" = 0 ] \
       && [ "$(jq -r '[.[]? | select(.state == "Ready")] | length' <<<"$i" 2>/dev/null)" = "$INSTANCES" ]; then
      return 0
    fi
    sleep 0.2
  done
  echo "run.sh: $1 provision state: $p" >&2
  echo "run.sh: $1 instances: $(jq -c '[.[]? | {id, state}]' <<<"$i" 2>/dev/null)" >&2
  return 1
}

declare -A R=()       # policy -> replay JSON
declare -A STATUS=()  # policy -> ok | deploy-failed | provision-failed | replay-failed

bench_policy() { # $1 policy
  local policy="$1" name out
  name="sched-$(short_name "$policy")"
  STATUS[$policy]="skipped"
  log "$policy: deploying $name with $INSTANCES provisioned always-warm instances"
  if ! deploy "$name" "$policy" || ! provision "$name"; then
    echo "skip: deploying or provisioning $name failed"
    STATUS[$policy]="deploy-failed"
    return 0
  fi
  if ! wait_ready "$name" 120; then
    remember_instances "$name"
    echo "skip: $name did not reach $INSTANCES ready provisioned instances within 120 s"
    STATUS[$policy]="provision-failed"
    curl -s -o /dev/null --max-time 30 -X DELETE "$api/functions/$name" || true
    return 0
  fi
  remember_instances "$name"
  log "$policy: replaying $REQUESTS requests (+$WARMUP warm-up)"
  timeout $((MAX_SECONDS + 120)) python3 "$here/replay.py" "${replay_args[@]}" --server "$server" --function "$name" \
    --policy "$policy" --max-seconds "$MAX_SECONDS" --warmup "$WARMUP" >"$work/replay-$name.json" &
  replay_pid=$!
  if wait "$replay_pid" && out="$(tail -n 1 "$work/replay-$name.json")" && [ -n "$out" ] && jq -e . >/dev/null 2>&1 <<<"$out"; then
    R[$policy]="$out"
    STATUS[$policy]="ok"
  else
    echo "skip: the replay failed for $policy"
    STATUS[$policy]="replay-failed"
  fi
  replay_pid=""
  remember_instances "$name"
  curl -s -o /dev/null --max-time 30 -X DELETE "$api/functions/$name" || true
}

server_warmup_json="{}"
if [ "$SERVER_WARMUP" -gt 0 ]; then
  log "server warm-up: ${SERVER_WARMUP}s of 0 ms requests on sched-warmup (not measured)"
  if deploy sched-warmup join-idle-queue && provision sched-warmup && wait_ready sched-warmup 120; then
    remember_instances sched-warmup
    timeout $((SERVER_WARMUP + 60)) python3 "$here/replay.py" "${replay_args[@]}" --server "$server" --function sched-warmup \
      --warmup-only "$SERVER_WARMUP" >"$work/server-warmup.json" &
    replay_pid=$!
    wait "$replay_pid" || echo "run.sh: warning: the server warm-up failed" >&2
    replay_pid=""
    server_warmup_json="$(tail -n 1 "$work/server-warmup.json" | jq -c . 2>/dev/null || echo '{}')"
    [ -n "$server_warmup_json" ] || server_warmup_json="{}"
  else
    echo "run.sh: warning: the server warm-up function did not start; the first policy meets a cold server" >&2
  fi
  remember_instances sched-warmup
  curl -s -o /dev/null --max-time 30 -X DELETE "$api/functions/sched-warmup" || true
fi

for p in "${policy_list[@]}"; do
  bench_policy "$p"
done

# ---------------------------------------------------------------------------------------------
# Table, shares, targets and the JSON line

pj() { jq -r --arg k "$1" '.[$k] | tostring' <<<"$plan_json"; }
g() { jq -r --arg k "$2" 'if has($k) then .[$k] else null end | tostring' <<<"${R[$1]:-{\}}"; }
pcent() { awk -v s="$1" 'BEGIN { if (s == "null" || s == "") print "n/a"; else printf "%.1f%%", s * 100 }'; }

echo
echo "Scheduling benchmark ($cpus CPUs, load before: $load_before): $INSTANCES instances per policy, instanceConcurrency 1"
echo "trace: $(pj trace), rows $OFFSET..$((OFFSET + REQUESTS - 1)) ($REQUESTS requests over $(pj trace_span_s) s of the trace)"
echo "service model: $(pj model) (ms); mean $(pj service_mean_ms), p50 $(pj service_p50_ms), p99 $(pj service_p99_ms), max $(pj service_max_ms) ms"
if [ "$ARRIVALS" = poisson ]; then
  arrivals_line="Poisson at the trace window's mean rate over $(pj replay_span_s) s, $(pj offered_rps) req/s offered;"
else
  arrivals_line="trace times x $(pj scale) -> $(pj replay_span_s) s, $(pj offered_rps) req/s offered;"
fi
echo "arrivals: $arrivals_line" \
     "utilisation = requests x mean service / (instances x span) = $UTILISATION"
echo
printf '%-21s %6s %5s %9s %9s %9s %9s %9s %9s %9s\n' policy reqs lost "lat p50" "lat p90" "lat p99" "wait p50" "wait p90" "wait p99" "max dev"
for p in "${policy_list[@]}"; do
  if [ "${STATUS[$p]}" = ok ]; then
    printf '%-21s %6s %5s %9s %9s %9s %9s %9s %9s %9s\n' "$p" "$(g "$p" requests)" "$(g "$p" lost)" \
      "$(g "$p" latency_p50_ms)" "$(g "$p" latency_p90_ms)" "$(g "$p" latency_p99_ms)" \
      "$(g "$p" queue_p50_ms)" "$(g "$p" queue_p90_ms)" "$(g "$p" queue_p99_ms)" "$(pcent "$(g "$p" max_share_dev)")"
  else
    printf '%-21s %6s\n' "$p" "${STATUS[$p]}"
  fi
done
echo "reference, the same arrivals and service times simulated with no overhead (lat p50 / p90 / p99):"
printf '  %-32s %9s %9s %9s\n' "one shared queue" "$(pj sim_shared_queue_p50_ms)" "$(pj sim_shared_queue_p90_ms)" "$(pj sim_shared_queue_p99_ms)"
printf '  %-32s %9s %9s %9s\n' "round-robin, per-instance queues" "$(pj sim_round_robin_p50_ms)" "$(pj sim_round_robin_p90_ms)" "$(pj sim_round_robin_p99_ms)"
echo "(milliseconds, nearest rank; lat = client send to end of body; wait = time queued for an instance;"
echo " max dev = largest |busy share - 1/N| / (1/N) over the instances)"
first_ok=""
for p in "${policy_list[@]}"; do [ "${STATUS[$p]}" = ok ] && { first_ok="$p"; break; }; done
if [ -n "$first_ok" ]; then
  echo "wait source: $(g "$first_ok" queue_source); busy share source: $(g "$first_ok" share_source)"
fi

echo
echo "Busy share per instance (share of busy time; completed requests in brackets):"
for p in "${policy_list[@]}"; do
  [ "${STATUS[$p]}" = ok ] || continue
  printf '  %-21s %s   utilisation %s\n' "$p" \
    "$(jq -r '[.instance_figures[] | "\(if .share == null then "n/a" else ((.share * 1000 | round) / 10 | tostring) + "%" end) (\(.completed))"] | join("  ")' <<<"${R[$p]}")" \
    "$(pcent "$(g "$p" busy_utilisation)")"
done

echo
echo "Targets:"
verdict() { # $1 value, $2 limit (<=)
  [ "$1" = null ] || [ -z "$1" ] && { echo "n/a"; return; }
  awk -v v="$1" -v t="$2" 'BEGIN { print (v <= t) ? "ok" : "MISSED" }'
}
jiq_p90="$(g join-idle-queue latency_p90_ms)"
rr_p90="$(g round-robin latency_p90_ms)"
ratio=null
if [ "$jiq_p90" != null ] && [ "$rr_p90" != null ]; then
  ratio="$(awk -v a="$jiq_p90" -v b="$rr_p90" 'BEGIN { if (b > 0) printf "%.4f", a / b; else print "null" }')"
fi
jiq_dev="$(g join-idle-queue max_share_dev)"
printf '  join-idle-queue p90 / round-robin p90 = %s   (target <= 0.5: %s)\n' "$ratio" "$(verdict "$ratio" 0.5)"
printf '  join-idle-queue max busy-share deviation = %s   (target <= 10%%: %s)\n' "$(pcent "$jiq_dev")" "$(verdict "$jiq_dev" 0.1)"
lost_total=0
all_ran=true
for p in "${policy_list[@]}"; do
  if [ "${STATUS[$p]}" = ok ]; then
    lost_total=$((lost_total + $(g "$p" lost)))
  else
    all_ran=false
  fi
done
lost_verdict="$( [ "$lost_total" -eq 0 ] && echo ok || echo MISSED )"
$all_ran || lost_verdict="$lost_verdict (not every policy ran)"
printf '  lost requests, all policies = %s   (target 0: %s)\n' "$lost_total" "$lost_verdict"
for p in "${policy_list[@]}"; do
  [ "${STATUS[$p]}" = ok ] || continue
  [ "$(g "$p" lost)" = 0 ] || echo "  $p lost $(g "$p" lost): $(jq -c '.lost_kinds' <<<"${R[$p]}")"
  [ "$(g "$p" stopped_early)" = false ] || echo "  NOTE: $p stopped after --max-seconds $MAX_SECONDS"
  lag="$(g "$p" send_lag_p99_ms)"
  if [ "$lag" != null ] && awk -v l="$lag" 'BEGIN { exit !(l > 5) }'; then
    echo "  NOTE: $p: the client sent late (p99 send lag $lag ms behind schedule; latency counts from the actual send)"
  fi
done
if [ -n "$first_ok" ] && [ "$(g "$first_ok" share_source)" != busyMs ]; then
  echo "  NOTE: the server reports no busyMs per instance; busy shares are $(g "$first_ok" share_source)"
fi

policies_json="$(for p in "${policy_list[@]}"; do
  jq -cn --arg p "$p" --arg s "${STATUS[$p]}" --argjson r "${R[$p]:-null}" --argjson plan "$plan_json" \
    '{($p): ({status: $s} + (($r // {}) | with_entries(select(.key as $k | ($plan | has($k) | not) and $k != "policy"))))}'
done | jq -cs 'add')"
json="$(jq -cn --argjson plan "$plan_json" --argjson policies "$policies_json" --argjson cpus "$cpus" \
  --argjson load_before "$load_before" --argjson ratio "$ratio" --argjson lost_total "$lost_total" \
  --argjson max_seconds "$MAX_SECONDS" --argjson warmup "$WARMUP" --arg policy_order "$POLICIES" \
  --argjson server_warmup "$server_warmup_json" \
  '{bench: "scheduling", cpus: $cpus, load_before: $load_before, max_seconds: $max_seconds, warmup: $warmup,
    policy_order: ($policy_order | split(","))} + $server_warmup
   + $plan
   + {jiq_rr_p90_ratio: $ratio,
      jiq_max_share_dev: ($policies["join-idle-queue"].max_share_dev // null),
      lost_total: $lost_total,
      policies: $policies}')"
[ -z "$JSON_OUT" ] || printf '%s\n' "$json" >"$JSON_OUT"
echo
printf '%s\n' "$json"
