#!/usr/bin/env bash
# Autoscale benchmark: how target tracking on ProvisionedConcurrencyUtilization follows a step in
# load on the real server: seconds until the target changes and until `current` reaches it, the
# overshoot, scale-out/scale-in flips, and latency during the step. See bench/README.md.
#
#   bench/autoscale/run.sh [options]
#
# Starts a Stasis server (Release build, through ./stasis) with a short metrics interval, deploys the
# sleeping bench function (bench/scheduling/function) with P0 provisioned always-warm instances and
# one tracking policy, and drives a load that steps from --low to --high of P0's capacity and back
# (step.py), polling the provision state. Everything it starts is stopped on exit (also on Ctrl-C).
# The last line of output is one JSON object with every figure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=../lib/common.sh
. "$repo/bench/lib/common.sh"
function_dir="$repo/bench/scheduling/function"

P0=4                   # provisioned instances before the step: defaultTarget and the policy's minCapacity
MAX_CAPACITY=12        # the policy's maxCapacity
MAX_INSTANCES=""       # the function's maxInstances (default: MAX_CAPACITY)
METRIC_TARGET=0.5      # the policy's metricTarget
SERVICE_MS=100         # each request sleeps this long
LOW=0.1                # load before and after the step, fraction of P0's capacity
HIGH=0.9               # load during the step
INTERVAL=1             # --metrics-interval, seconds
SCALE_OUT=3            # --scale-out-intervals
SCALE_IN=15            # --scale-in-intervals
WARM=20                # seconds at LOW before the step
UP_MAX=60              # at most this long at HIGH waiting for current to reach the expected target
HOLD=""                # seconds at HIGH after that (default: 2 x SCALE_IN intervals)
DOWN_MAX=60            # at most this long at LOW waiting for current to come back
TAIL=5                 # seconds at LOW after that
ARRIVALS=poisson       # poisson or even
SEED=1
START_DELAY_MS=0       # the function's instances sleep this long before starting (a slower start-up)
JSON_OUT=""

usage() {
  cat <<EOF2
usage: bench/autoscale/run.sh [options]
  -n, --instances P0        provisioned instances before the step: defaultTarget and minCapacity (default $P0)
      --max-capacity N      the policy's maxCapacity (default $MAX_CAPACITY)
      --max-instances N     the function's maxInstances (default: maxCapacity)
      --metric-target F     the policy's metricTarget, in (0, 1] (default $METRIC_TARGET)
      --service-ms MS       each request's sleep (default $SERVICE_MS)
      --low F, --high F     load before/after and during the step, as a fraction of P0's capacity,
                            i.e. F x P0 / service requests per second (default $LOW and $HIGH)
      --interval S          the server's metrics interval, whole seconds (default $INTERVAL)
      --scale-out-intervals N, --scale-in-intervals N
                            passed to the server (default $SCALE_OUT and $SCALE_IN)
      --warm S              seconds at the low load before the step (default $WARM)
      --up-max S            at most S seconds at the high load waiting for the expected target (default $UP_MAX)
      --hold S              seconds at the high load after it was reached (default: twice the scale-in period)
      --down-max S          at most S seconds at the low load waiting for current to come back (default $DOWN_MAX)
      --tail S              seconds at the low load after that (default $TAIL)
      --arrivals MODE       poisson (default) or even (evenly spaced)
      --seed N              seed of the Poisson arrivals (default $SEED)
      --start-delay-ms MS   each instance waits MS before it starts listening: a slower start-up (default $START_DELAY_MS)
      --json FILE           also write the final JSON line to FILE
  -h, --help                this text
EOF2
}

need_arg() { [ $# -ge 2 ] || { echo "run.sh: $1 needs a value" >&2; usage >&2; exit 2; }; }
while [ $# -gt 0 ]; do
  case "$1" in
    -n|--instances) need_arg "$@"; P0="$2"; shift 2;;
    --max-capacity) need_arg "$@"; MAX_CAPACITY="$2"; shift 2;;
    --max-instances) need_arg "$@"; MAX_INSTANCES="$2"; shift 2;;
    --metric-target) need_arg "$@"; METRIC_TARGET="$2"; shift 2;;
    --service-ms) need_arg "$@"; SERVICE_MS="$2"; shift 2;;
    --low) need_arg "$@"; LOW="$2"; shift 2;;
    --high) need_arg "$@"; HIGH="$2"; shift 2;;
    --interval) need_arg "$@"; INTERVAL="${2%s}"; shift 2;;
    --scale-out-intervals) need_arg "$@"; SCALE_OUT="$2"; shift 2;;
    --scale-in-intervals) need_arg "$@"; SCALE_IN="$2"; shift 2;;
    --warm) need_arg "$@"; WARM="$2"; shift 2;;
    --up-max) need_arg "$@"; UP_MAX="$2"; shift 2;;
    --hold) need_arg "$@"; HOLD="$2"; shift 2;;
    --down-max) need_arg "$@"; DOWN_MAX="$2"; shift 2;;
    --tail) need_arg "$@"; TAIL="$2"; shift 2;;
    --arrivals) need_arg "$@"; ARRIVALS="$2"; shift 2;;
    --seed) need_arg "$@"; SEED="$2"; shift 2;;
    --start-delay-ms) need_arg "$@"; START_DELAY_MS="$2"; shift 2;;
    --json) need_arg "$@"; JSON_OUT="$2"; shift 2;;
    -h|--help) usage; exit 0;;
    *) echo "run.sh: unknown option '$1'" >&2; usage >&2; exit 2;;
  esac
done
MAX_INSTANCES="${MAX_INSTANCES:-$MAX_CAPACITY}"
[ -n "$HOLD" ] || HOLD=$((2 * SCALE_IN * INTERVAL))
for v in P0 MAX_CAPACITY MAX_INSTANCES SERVICE_MS INTERVAL SCALE_OUT SCALE_IN WARM UP_MAX HOLD DOWN_MAX TAIL SEED START_DELAY_MS; do
  case "${!v}" in ''|*[!0-9]*) echo "run.sh: $v must be a whole number, not '${!v}'" >&2; exit 2;; esac
done
[ "$P0" -ge 1 ] && [ "$P0" -le "$MAX_CAPACITY" ] && [ "$MAX_CAPACITY" -le 64 ] \
  || { echo "run.sh: need 1 <= --instances <= --max-capacity <= 64" >&2; exit 2; }
[ "$MAX_INSTANCES" -le 64 ] || { echo "run.sh: --max-instances at most 64" >&2; exit 2; }
[ "$SERVICE_MS" -ge 1 ] && [ "$SERVICE_MS" -le 10000 ] || { echo "run.sh: --service-ms must be 1..10000" >&2; exit 2; }
[ "$INTERVAL" -ge 1 ] && [ "$INTERVAL" -le 60 ] || { echo "run.sh: --interval must be 1..60 seconds" >&2; exit 2; }
[ "$SCALE_OUT" -ge 1 ] && [ "$SCALE_OUT" -le 1000 ] && [ "$SCALE_IN" -ge 1 ] && [ "$SCALE_IN" -le 1000 ] \
  || { echo "run.sh: --scale-out-intervals and --scale-in-intervals must be 1..1000" >&2; exit 2; }
[ "$UP_MAX" -ge 1 ] && [ "$DOWN_MAX" -ge 1 ] || { echo "run.sh: --up-max and --down-max must be at least 1" >&2; exit 2; }
total_s=$((WARM + UP_MAX + HOLD + DOWN_MAX + TAIL))
[ "$total_s" -le 3600 ] || { echo "run.sh: the phases may last $total_s s; keep them within 3600 s" >&2; exit 2; }
[ "$START_DELAY_MS" -le 60000 ] || { echo "run.sh: --start-delay-ms at most 60000" >&2; exit 2; }
is_fraction() { awk -v u="$1" -v hi="$2" 'BEGIN { exit !(u ~ /^[0-9]*\.?[0-9]+$/ && u > 0 && u <= hi) }'; }
is_fraction "$METRIC_TARGET" 1 || { echo "run.sh: --metric-target must be in (0, 1], not '$METRIC_TARGET'" >&2; exit 2; }
is_fraction "$LOW" 2 && is_fraction "$HIGH" 2 && awk -v l="$LOW" -v h="$HIGH" 'BEGIN { exit !(l < h) }' \
  || { echo "run.sh: need 0 < --low < --high <= 2" >&2; exit 2; }
case "$ARRIVALS" in poisson|even) ;; *) echo "run.sh: --arrivals must be poisson or even, not '$ARRIVALS'" >&2; exit 2;; esac

for tool in curl jq python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "run.sh: missing $tool; install with: apt-get install -y $tool" >&2; exit 1; }
done
command -v dotnet >/dev/null 2>&1 || { echo "run.sh: dotnet (SDK 10) is needed to build and run Stasis" >&2; exit 1; }
[ -f "$function_dir/app.py" ] || { echo "run.sh: the bench function $function_dir/app.py is missing" >&2; exit 1; }

cpus="$(nproc 2>/dev/null || echo 1)"
load_before="$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo null)"
if [ "$load_before" != null ] && awk -v l="$load_before" 'BEGIN { exit !(l > 0.5) }'; then
  echo "run.sh: warning: 1-minute load average is $load_before on $cpus CPUs before starting; other work on this machine will skew the figures" >&2
fi

# ---------------------------------------------------------------------------------------------
# Processes we start, and cleanup

work="$(mktemp -d "${TMPDIR:-/tmp}/stasis-bench-autoscale.XXXXXX")"
server_pid=""
client_pid=""
instance_pids=() # "pid:instanceId" of every instance seen, to catch any left behind
fn=autoscale-bench
deployed=""
api=""

remember_instances() {
  local line
  [ -n "$api" ] || return 0
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    case " ${instance_pids[*]} " in *" $line "*) ;; *) instance_pids+=("$line");; esac
  done < <(curl -s --max-time 5 "$api/functions/$fn/instances?all=true" | jq -r '.[]? | select(.pid != null) | "\(.pid):\(.id)"' 2>/dev/null)
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  set +e
  stop_pid "$client_pid" 5
  # Delete the function first (the server stops its instances), then stop the server.
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null && [ -n "$deployed" ]; then
    remember_instances
    curl -s -o /dev/null --max-time 30 -X DELETE "$api/functions/$fn"
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

# ---------------------------------------------------------------------------------------------
# Stasis server

log "building the Stasis CLI and server (Release) if needed..."
"$repo/stasis" --help >"$work/cli-help.log" 2>&1 || { cat "$work/cli-help.log" >&2; die "./stasis failed to build or run"; }
server_port="$(free_port)"
server="http://127.0.0.1:$server_port"
api="$server/api/v1"
log "stasis server: 127.0.0.1:$server_port, metrics interval ${INTERVAL}s, scale out after $SCALE_OUT, in after $SCALE_IN intervals"
"$repo/stasis" server --listen "127.0.0.1:$server_port" --data "$work/stasis-data" --metrics-interval "${INTERVAL}s" \
  --scale-out-intervals "$SCALE_OUT" --scale-in-intervals "$SCALE_IN" >"$work/stasis.log" 2>&1 &
server_pid=$!
if ! wait_http "$api/status" 120 "$server_pid"; then
  kill -0 "$server_pid" 2>/dev/null || die "the Stasis server exited before answering on $api/status"
  die "the Stasis server did not answer on $api/status within 120 s"
fi

# ---------------------------------------------------------------------------------------------
# The function, its provision config, and the wait for P0 ready instances

if [ "$START_DELAY_MS" -gt 0 ]; then
  entry_json="$(jq -cn --arg s "$(awk -v ms="$START_DELAY_MS" 'BEGIN { printf "%.3f", ms / 1000 }')" \
    '{entrypoint: ["sh"], command: ["-c", ("sleep " + $s + " && exec python3 app.py")]}')"
else
  entry_json='{"entrypoint": ["python3"], "command": ["app.py"]}'
fi
spec="$(jq -n --arg name "$fn" --arg code "$function_dir" --argjson max "$MAX_INSTANCES" --argjson entry "$entry_json" '{
  functionName: $name,
  description: "autoscale benchmark: sleeps x-bench-service-ms, then answers 200",
  runtime: "custom-container",
  handler: "not-used",
  code: $code,
  timeout: 60,
  memorySize: 128,
  instanceConcurrency: 1,
  maxInstances: $max,
  maxQueueLength: 100000,
  customContainerConfig: ($entry + { port: 9000 }),
  triggers: [{ triggerName: "http", triggerType: "http",
               triggerConfig: { authType: "anonymous", methods: ["GET", "POST"] } }]
}')"
provision_json="$(jq -cn --argjson p0 "$P0" --argjson max "$MAX_CAPACITY" --argjson goal "$METRIC_TARGET" '{
  defaultTarget: $p0, alwaysAllocateCPU: true,
  targetTrackingPolicies: [{ name: "pcu", metricType: "ProvisionedConcurrencyUtilization", metricTarget: $goal,
                             minCapacity: $p0, maxCapacity: $max }]
}')"

log "deploying $fn (instanceConcurrency 1, maxInstances $MAX_INSTANCES) and provisioning $P0 always-warm instances"
deployed=yes
code="$(curl -s -o "$work/deploy.json" -w '%{http_code}' --max-time 60 -X PUT -H 'Content-Type: application/json' \
  --data-binary "$spec" "$api/functions/$fn")"
case "$code" in 2??) ;; *) cat "$work/deploy.json" >&2; echo >&2; die "deploying $fn failed (HTTP $code)";; esac
code="$(curl -s -o "$work/provision.json" -w '%{http_code}' --max-time 30 -X PUT -H 'Content-Type: application/json' \
  --data-binary "$provision_json" "$api/functions/$fn/provision")"
case "$code" in 2??) ;; *) cat "$work/provision.json" >&2; echo >&2; die "provisioning $fn failed (HTTP $code)";; esac

deadline=$((SECONDS + 120))
while :; do
  p="$(curl -s --max-time 5 "$api/functions/$fn/provision" || true)"
  i="$(curl -s --max-time 5 "$api/functions/$fn/instances" || true)"
  if [ "$(jq -r '.current // 0' <<<"$p" 2>/dev/null)" = "$P0" ] \
     && [ "$(jq -r '[.[]? | select(.state == "Ready")] | length' <<<"$i" 2>/dev/null)" = "$P0" ]; then
    break
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    remember_instances
    echo "run.sh: provision state: $p" >&2
    die "$fn did not reach $P0 ready provisioned instances within 120 s"
  fi
  sleep 0.2
done
remember_instances

# ---------------------------------------------------------------------------------------------
# The step load

log "step load: $LOW -> $HIGH -> $LOW of $P0 instances x $SERVICE_MS ms ($ARRIVALS arrivals); about $((WARM + HOLD + TAIL + (SCALE_OUT + SCALE_IN + 8) * INTERVAL)) s"
timeout $((total_s + 180)) python3 "$here/step.py" --server "$server" --function "$fn" --p0 "$P0" \
  --max-capacity "$MAX_CAPACITY" --metric-target "$METRIC_TARGET" --service-ms "$SERVICE_MS" --low "$LOW" --high "$HIGH" \
  --interval "$INTERVAL" --scale-out-intervals "$SCALE_OUT" --scale-in-intervals "$SCALE_IN" --warm "$WARM" \
  --up-max "$UP_MAX" --hold "$HOLD" --down-max "$DOWN_MAX" --tail "$TAIL" --arrivals "$ARRIVALS" --seed "$SEED" \
  >"$work/step.out" &
client_pid=$!
wait "$client_pid" || die "the step load failed"
client_pid=""
remember_instances
out_json="$(tail -n 1 "$work/step.out")"
jq -e . >/dev/null 2>&1 <<<"$out_json" || die "the step load printed no figures"
load_after="$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo null)"

# ---------------------------------------------------------------------------------------------
# Report, targets and the JSON line

g() { jq -r --arg k "$1" '.[$k] | if . == null then "n/a" else tostring end' <<<"$out_json"; }
echo
echo "Autoscale benchmark ($cpus CPUs, load before: $load_before, after: $load_after)"
sed '$d' "$work/step.out"
echo
echo "Targets:"
up_ok="$( [ "$(g up_within_bound)" = true ] && echo ok || echo MISSED )"
down_ok="$( [ "$(g down_within_bound)" = true ] && echo ok || echo MISSED )"
flips_ok="$( [ "$(g flips)" = 0 ] && echo ok || echo MISSED )"
lost_ok="$( [ "$(g lost)" = 0 ] && echo ok || echo MISSED )"
printf '  step up:   current reached %s after %s s   (target <= %s s = scale-out period + start-up + 1 interval: %s)\n' \
  "$(g expected_high_target)" "$(g up_reached_s)" "$(g up_bound_s)" "$up_ok"
printf '  step down: current back at %s after %s s   (target <= %s s = scale-in period + stop + 1 interval: %s)\n' \
  "$(g expected_low_target)" "$(g down_reached_s)" "$(g down_bound_s)" "$down_ok"
printf '  flips:     %s   (target 0: %s)\n' "$(g flips)" "$flips_ok"
printf '  overshoot: target %s, current %s   (for information)\n' "$(g target_overshoot)" "$(g current_overshoot)"
printf '  lost:      %s   (target 0: %s)\n' "$(g lost)" "$lost_ok"
lag="$(g send_lag_p99_ms)"
if [ "$lag" != n/a ] && awk -v l="$lag" 'BEGIN { exit !(l > 5) }'; then
  echo "  NOTE: the client sent late (p99 send lag $lag ms behind schedule; latency counts from the actual send)"
fi

json="$(jq -cn --argjson out "$out_json" --argjson cpus "$cpus" --argjson load_before "$load_before" \
  --argjson load_after "$load_after" --argjson max_instances "$MAX_INSTANCES" --argjson start_delay_ms "$START_DELAY_MS" \
  '{bench: "autoscale", cpus: $cpus, load_before: $load_before, load_after: $load_after,
    max_instances: $max_instances, start_delay_ms: $start_delay_ms} + $out')"
[ -z "$JSON_OUT" ] || printf '%s\n' "$json" >"$JSON_OUT"
echo
printf '%s\n' "$json"
