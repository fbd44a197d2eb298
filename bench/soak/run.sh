#!/usr/bin/env bash
# Soak benchmark (not in CI): a real server under a sustained Poisson load for a long time (30 minutes
# by default) while an instance is killed with kill -9 every K seconds; then whether anything but the
# killed requests failed, whether the server's memory grew, and whether the meter's ledger, the bill
# and the function's log agree. See bench/README.md.
#
#   bench/soak/run.sh [--minutes N] [options]
#
# Starts a Stasis server (Release build, through ./stasis), deploys the sleeping bench function
# (bench/scheduling/function) with provisioned idle-mode instances (frozen when idle) and on-demand
# headroom above them, drives the load and the kills (load.py), stops the server, and checks the
# SQLite store, the bill and the log (ledger.py). Everything it starts is stopped on exit (also on
# Ctrl-C). The last line of output is one JSON object with every figure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
function_dir="$repo/bench/scheduling/function"
# shellcheck source=../lib/common.sh
. "$repo/bench/lib/common.sh"

MINUTES=30
RATE=20              # requests per second (Poisson)
SERVICE_MS=50        # each request sleeps this long in the function
KILL_EVERY=20        # seconds between kills
PROVISIONED=2        # provisioned instances, idle mode (alwaysAllocateCPU false)
MAX_INSTANCES=6      # the function's maxInstances: on-demand headroom above the provisioned ones
CONCURRENCY=2        # instanceConcurrency
WARMUP=""            # seconds of load before the first memory figure (default: 10 % of the run, 30..300)
MAX_INFLIGHT=64      # client connections; a request finding all busy is not sent
SEED=1
GROWTH_TARGET=5      # % of RSS growth allowed
TRIM_INTERVAL=""     # the server's --memory-trim-interval (default: the server's own, 10s; 0 turns trimming off)
COMPACT_INTERVAL=""  # the server's --memory-compact-interval (default: the server's own, 60s; 0 turns compaction off)
JSON_OUT=""

usage() {
  cat <<EOF2
usage: bench/soak/run.sh [options]
  -m, --minutes N         minutes of load (default $MINUTES)
      --rate R            requests per second, Poisson arrivals (default $RATE)
      --service-ms MS     each request sleeps MS in the function (default $SERVICE_MS)
      --kill-every S      kill -9 one instance every S seconds (default $KILL_EVERY)
      --provisioned N     provisioned idle-mode instances (default $PROVISIONED)
      --max-instances N   the function's maxInstances, on-demand headroom included (default $MAX_INSTANCES)
      --concurrency N     the function's instanceConcurrency (default $CONCURRENCY)
      --warmup S          seconds of load before the first memory figure (default: 10 % of the run, 30..300)
      --max-inflight N    client connections (default $MAX_INFLIGHT)
      --seed N            seed of the arrivals and the choice of victims (default $SEED)
      --memory-trim-interval D  the server's --memory-trim-interval (default: the server's, 10s; 0 = off)
      --memory-compact-interval D  the server's --memory-compact-interval (default: the server's, 60s; 0 = off)
      --json FILE         also write the final JSON line to FILE
  -h, --help              this text
EOF2
}

need_arg() { [ $# -ge 2 ] || { echo "run.sh: $1 needs a value" >&2; usage >&2; exit 2; }; }
while [ $# -gt 0 ]; do
  case "$1" in
    -m|--minutes) need_arg "$@"; MINUTES="$2"; shift 2;;
    --rate) need_arg "$@"; RATE="$2"; shift 2;;
    --service-ms) need_arg "$@"; SERVICE_MS="$2"; shift 2;;
    --kill-every) need_arg "$@"; KILL_EVERY="$2"; shift 2;;
    --provisioned) need_arg "$@"; PROVISIONED="$2"; shift 2;;
    --max-instances) need_arg "$@"; MAX_INSTANCES="$2"; shift 2;;
    --concurrency) need_arg "$@"; CONCURRENCY="$2"; shift 2;;
    --warmup) need_arg "$@"; WARMUP="$2"; shift 2;;
    --max-inflight) need_arg "$@"; MAX_INFLIGHT="$2"; shift 2;;
    --seed) need_arg "$@"; SEED="$2"; shift 2;;
    --memory-trim-interval) need_arg "$@"; TRIM_INTERVAL="$2"; shift 2;;
    --memory-compact-interval) need_arg "$@"; COMPACT_INTERVAL="$2"; shift 2;;
    --json) need_arg "$@"; JSON_OUT="$2"; shift 2;;
    -h|--help) usage; exit 0;;
    *) echo "run.sh: unknown option '$1'" >&2; usage >&2; exit 2;;
  esac
done
for v in MINUTES SERVICE_MS KILL_EVERY PROVISIONED MAX_INSTANCES CONCURRENCY MAX_INFLIGHT SEED; do
  case "${!v}" in ''|*[!0-9]*) echo "run.sh: $v must be a whole number, not '${!v}'" >&2; exit 2;; esac
done
[ "$MINUTES" -ge 1 ] && [ "$MINUTES" -le 720 ] || { echo "run.sh: --minutes must be 1..720" >&2; exit 2; }
awk -v r="$RATE" 'BEGIN { exit !(r ~ /^[0-9]*\.?[0-9]+$/ && r >= 0.1 && r <= 500) }' || { echo "run.sh: --rate must be 0.1..500, not '$RATE'" >&2; exit 2; }
[ "$SERVICE_MS" -le 10000 ] || { echo "run.sh: --service-ms at most 10000" >&2; exit 2; }
[ "$KILL_EVERY" -ge 1 ] || { echo "run.sh: --kill-every must be at least 1 second" >&2; exit 2; }
[ "$PROVISIONED" -ge 1 ] && [ "$PROVISIONED" -le "$MAX_INSTANCES" ] && [ "$MAX_INSTANCES" -le 64 ] \
  || { echo "run.sh: need 1 <= --provisioned <= --max-instances <= 64" >&2; exit 2; }
[ "$CONCURRENCY" -ge 1 ] && [ "$CONCURRENCY" -le 200 ] || { echo "run.sh: --concurrency must be 1..200" >&2; exit 2; }
[ "$MAX_INFLIGHT" -ge 1 ] && [ "$MAX_INFLIGHT" -le 512 ] || { echo "run.sh: --max-inflight must be 1..512" >&2; exit 2; }
duration=$((MINUTES * 60))
if [ -z "$WARMUP" ]; then
  WARMUP=$((duration / 10)); [ "$WARMUP" -ge 30 ] || WARMUP=30; [ "$WARMUP" -le 300 ] || WARMUP=300
fi
case "$WARMUP" in ''|*[!0-9]*) echo "run.sh: --warmup must be a whole number of seconds" >&2; exit 2;; esac
[ "$WARMUP" -lt "$duration" ] || { echo "run.sh: --warmup must be shorter than the run" >&2; exit 2; }
# Bounded in count as well as time: at most 1.5 times the expected number of arrivals.
max_requests="$(awk -v r="$RATE" -v d="$duration" 'BEGIN { printf "%d", r * d * 1.5 + 100 }')"

for tool in curl jq python3; do
  command -v "$tool" >/dev/null 2>&1 || die "missing $tool; install with: apt-get install -y $tool"
done
command -v dotnet >/dev/null 2>&1 || die "dotnet (SDK 10) is needed to build and run Stasis"
[ -f "$function_dir/app.py" ] || die "the bench function $function_dir/app.py is missing"
[ "$(id -u)" -eq 0 ] || log "warning: not root; instances may run without cgroups or network namespaces"

cpus="$(nproc 2>/dev/null || echo 1)"
load_before="$(warn_if_busy)"

# ---------------------------------------------------------------------------------------------
# Processes we start, and cleanup

work="$(mktemp -d "${TMPDIR:-/tmp}/stasis-bench-soak.XXXXXX")"
data="$work/stasis-data"
fn=soak-bench
server_pid=""
client_pid=""
api=""
instance_pids=() # "pid:instanceId" of every instance seen, to catch any left behind

remember_instances() {
  local line
  [ -n "$api" ] || return 0
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    case " ${instance_pids[*]} " in *" $line "*) ;; *) instance_pids+=("$line");; esac
  done < <(curl -s --max-time 5 "$api/functions/$fn/instances?all=true" | jq -r '.[]? | select(.pid != null) | "\(.pid):\(.id)"' 2>/dev/null)
}

stop_leftovers() { # instances that outlived the server: only a process that is still that instance
  local entry pid id left=0
  for entry in "${instance_pids[@]}"; do
    pid="${entry%%:*}" id="${entry#*:}"
    if [ -r "/proc/$pid/environ" ] && tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx "FC_INSTANCE_ID=$id"; then
      echo "run.sh: instance $id (pid $pid) outlived the server; stopping it" >&2
      stop_pid "$pid" 5
      left=$((left + 1))
    fi
  done
  echo "$left"
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  set +e
  stop_pid "$client_pid" 5
  [ -z "$server_pid" ] || { remember_instances; stop_pid "$server_pid" 90; }
  stop_leftovers >/dev/null
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

now_iso() { date -u +%Y-%m-%dT%H:%M:%S.%6NZ; }

# ---------------------------------------------------------------------------------------------
# Server, function, provisioned instances

log "building the Stasis CLI and server (Release) if needed..."
"$repo/stasis" --help >"$work/cli-help.log" 2>&1 || { cat "$work/cli-help.log" >&2; die "./stasis failed to build or run"; }
port="$(free_port)"
server="http://127.0.0.1:$port"
api="$server/api/v1"
log "stasis server: 127.0.0.1:$port (idle timeout 30 s, metrics every 10 s)"
# exec'd by ./stasis: the pid is the server's own.
server_args=(--listen "127.0.0.1:$port" --data "$data" --idle-timeout 30s --metrics-interval 10s)
[ -z "$TRIM_INTERVAL" ] || server_args+=(--memory-trim-interval "$TRIM_INTERVAL")
[ -z "$COMPACT_INTERVAL" ] || server_args+=(--memory-compact-interval "$COMPACT_INTERVAL")
"$repo/stasis" server "${server_args[@]}" >"$work/stasis.log" 2>&1 &
server_pid=$!
wait_http "$api/status" 120 "$server_pid" || die "the Stasis server did not answer on $api/status within 120 s"
freezer="$(curl -s --max-time 5 "$api/status" | jq -r '.runtimeDetails.freezer // "unknown"')"

period_from="$(now_iso)"
spec="$(jq -n --arg name "$fn" --arg code "$function_dir" --argjson max "$MAX_INSTANCES" --argjson c "$CONCURRENCY" '{
  functionName: $name,
  description: "soak benchmark: sleeps x-bench-service-ms, then answers 200",
  runtime: "custom-container",
  handler: "not-used",
  code: $code,
  timeout: 30,
  memorySize: 128,
  instanceConcurrency: $c,
  maxInstances: $max,
  maxQueueLength: 100000,
  customContainerConfig: { entrypoint: ["python3"], command: ["app.py"], port: 9000 },
  triggers: [{ triggerName: "http", triggerType: "http", triggerConfig: { authType: "anonymous", methods: ["GET", "POST"] } }]
}')"
log "deploying $fn (instanceConcurrency $CONCURRENCY, maxInstances $MAX_INSTANCES) with $PROVISIONED provisioned idle-mode instances"
code="$(curl -s -o "$work/deploy.json" -w '%{http_code}' --max-time 60 -X PUT -H 'Content-Type: application/json' --data-binary "$spec" "$api/functions/$fn")"
case "$code" in 2??) ;; *) cat "$work/deploy.json" >&2; echo >&2; die "deploying $fn failed (HTTP $code)";; esac
code="$(curl -s -o "$work/provision.json" -w '%{http_code}' --max-time 30 -X PUT -H 'Content-Type: application/json' \
  --data-binary "{\"defaultTarget\": $PROVISIONED, \"alwaysAllocateCPU\": false}" "$api/functions/$fn/provision")"
case "$code" in 2??) ;; *) cat "$work/provision.json" >&2; echo >&2; die "provisioning $fn failed (HTTP $code)";; esac
deadline=$((SECONDS + 120))
until [ "$(curl -s --max-time 5 "$api/functions/$fn/provision" | jq -r '.current // 0' 2>/dev/null)" = "$PROVISIONED" ]; do
  [ "$SECONDS" -lt "$deadline" ] || die "$fn did not reach $PROVISIONED ready provisioned instances within 120 s"
  sleep 0.2
done
remember_instances

# ---------------------------------------------------------------------------------------------
# Load and kills

log "load for $MINUTES min: Poisson $RATE/s, $SERVICE_MS ms each, kill -9 every $KILL_EVERY s; memory from ${WARMUP} s on"
timeout $((duration + 180)) python3 "$here/load.py" --server "$server" --function "$fn" --server-pid "$server_pid" \
  --rate "$RATE" --duration "$duration" --max-requests "$max_requests" --service-ms "$SERVICE_MS" --kill-every "$KILL_EVERY" \
  --warmup "$WARMUP" --max-inflight "$MAX_INFLIGHT" --seed "$SEED" --ids "$work/ok-ids.txt" >"$work/load.json" &
client_pid=$!
wait "$client_pid" || die "the load client failed"
client_pid=""
period_to="$(now_iso)"
load_json="$(tail -n 1 "$work/load.json")"
jq -e . >/dev/null 2>&1 <<<"$load_json" || die "the load client printed no figures"

# The meter persists every second: after one beat, every interval up to period_to is in the store or in memory.
sleep 2
remember_instances
curl -s --max-time 30 -o "$work/instances.json" "$api/functions/$fn/instances?all=true"
code="$(curl -s -o "$work/bill.json" -w '%{http_code}' --max-time 30 -G "$api/bill" \
  --data-urlencode "function=$fn" --data-urlencode "from=$period_from" --data-urlencode "to=$period_to")"
case "$code" in 200) ;; *) cat "$work/bill.json" >&2; echo >&2; die "the bill failed (HTTP $code)";; esac

log "stopping the server (it drains, stops its instances and closes the ledger)..."
kill -TERM "$server_pid" 2>/dev/null || true
for ((i = 0; i < 900; i++)); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
kill -KILL "$server_pid" 2>/dev/null && log "the server did not stop within 90 s of SIGTERM; killed"
server_status=0
wait "$server_pid" 2>/dev/null || server_status=$?
server_pid=""
leftovers="$(stop_leftovers)"

ledger_json="$(python3 "$here/ledger.py" --db "$data/stasis.db" --function "$fn" --bill "$work/bill.json" \
  --from "$period_from" --to "$period_to" --log "$data/logs/$fn/function.log" --ids "$work/ok-ids.txt")" \
  || die "the ledger check failed to run"
load_after="$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo null)"
instances_total="$(jq 'length' "$work/instances.json" 2>/dev/null || echo null)"
instances_failed="$(jq '[.[]? | select(.state == "Failed")] | length' "$work/instances.json" 2>/dev/null || echo null)"

# ---------------------------------------------------------------------------------------------
# Report, targets and the JSON line

g() { jq -r --arg k "$1" '.[$k] | if . == null then "n/a" else tostring end' <<<"$load_json"; }
l() { jq -r "$1" <<<"$ledger_json"; }
unexpected="$(g unexpected)"
growth="$(g rss_growth_pct)"
consistent="$(l .consistent)"
echo
echo "Soak benchmark: $MINUTES min, Poisson $(g sent) requests at $RATE/s, $SERVICE_MS ms each, kill -9 every $KILL_EVERY s"
echo "  ($cpus CPUs, freezer $freezer, load before: $load_before, after: $load_after)"
echo
printf '  requests:   sent %s, answered %s, served (2xx) %s, not sent (client busy) %s\n' "$(g sent)" "$(g answered)" "$(g served)" "$(g not_sent)"
printf '  statuses:   %s\n' "$(jq -r '.statuses | to_entries | map("\(.key) \(.value)") | join(", ")' <<<"$load_json")"
printf '  errors:     killed in flight (502 InstanceError) %s; unexpected %s %s\n' "$(g killed_502)" "$unexpected" \
  "$(jq -r '.unexpected_kinds | if length == 0 then "" else "(" + (to_entries | map("\(.key): \(.value)") | join(", ")) + ")" end' <<<"$load_json")"
printf '  latency:    p50 %s ms, p99 %s ms, max %s ms (2xx, client side)\n' "$(g latency_p50_ms)" "$(g latency_p99_ms)" "$(g latency_max_ms)"
printf '  kills:      %s (%s), %s tries without a victim; instances over the run: %s, failed: %s\n' "$(g kills)" \
  "$(jq -r '.kills_by_state | to_entries | map("\(.key) \(.value)") | join(", ")' <<<"$load_json")" "$(g kill_misses)" "$instances_total" "$instances_failed"
printf '  memory:     server RSS %s MB after %s s of warm-up, %s MB at the end (max %s MB): %s %%; slope after the warm-up %s MB/h\n' \
  "$(g rss_start_mb)" "$WARMUP" "$(g rss_end_mb)" "$(g rss_max_mb)" "$growth" "$(g rss_slope_mb_per_h)"
printf '  RSS by minute (MB): %s\n' "$(jq -r '.rss_by_minute_mb | map(tostring) | join(" ")' <<<"$load_json")"
printf '  RSS parts:  anonymous %s -> %s MB, file-backed %s -> %s MB, shared %s -> %s MB (RssAnon, RssFile, RssShmem)\n' \
  "$(jq -r '.rss_parts_start_mb.RssAnon // "n/a"' <<<"$load_json")" "$(jq -r '.rss_parts_end_mb.RssAnon // "n/a"' <<<"$load_json")" \
  "$(jq -r '.rss_parts_start_mb.RssFile // "n/a"' <<<"$load_json")" "$(jq -r '.rss_parts_end_mb.RssFile // "n/a"' <<<"$load_json")" \
  "$(jq -r '.rss_parts_start_mb.RssShmem // "n/a"' <<<"$load_json")" "$(jq -r '.rss_parts_end_mb.RssShmem // "n/a"' <<<"$load_json")"
mem() { jq -r --arg k "$1" --arg f "$2" '.[$k][$f] | if . == null then "n/a" else (. / 1048576 * 10 | round / 10 | tostring) end' <<<"$load_json"; }
printf '  server:     GC heap %s -> %s MB, native heap in use %s -> %s MB, free held %s -> %s MB; native heap trims %s, %s MB given back in %s ms\n' \
  "$(mem server_memory_start managedHeapBytes)" "$(mem server_memory_end managedHeapBytes)" \
  "$(mem server_memory_start nativeInUseBytes)" "$(mem server_memory_end nativeInUseBytes)" \
  "$(mem server_memory_start nativeFreeHeldBytes)" "$(mem server_memory_end nativeFreeHeldBytes)" \
  "$(jq -r '.server_memory_end.trims // "n/a"' <<<"$load_json")" "$(mem server_memory_end trimmedBytes)" \
  "$(jq -r '.server_memory_end.trimSeconds // null | if . == null then "n/a" else (. * 1000 * 10 | round / 10 | tostring) end' <<<"$load_json")"
printf '  server:     GC committed %s -> %s MB; GC heap compactions %s, %s MB of garbage collected in %s ms; SQLite %s -> %s MB\n' \
  "$(mem server_memory_start managedCommittedBytes)" "$(mem server_memory_end managedCommittedBytes)" \
  "$(jq -r '.server_memory_end.compactions // "n/a"' <<<"$load_json")" "$(mem server_memory_end compactedBytes)" \
  "$(jq -r '.server_memory_end.compactSeconds // null | if . == null then "n/a" else (. * 1000 * 10 | round / 10 | tostring) end' <<<"$load_json")" \
  "$(mem server_memory_start sqliteBytes)" "$(mem server_memory_end sqliteBytes)"
printf '  ledger:     %s instances, %s intervals; bill %s USD (%s s idle, %s s active) over %s instance rows\n' \
  "$(l .instances)" "$(l .intervals)" "$(l .bill_total_usd)" "$(l .bill_idle_s)" "$(l .bill_active_s)" "$(l .bill_instances)"
printf '  checks:     %s\n' "$(l '.problems | to_entries | map("\(.key) \(.value)") | join(", ")')"
printf '  log:        %s of %s 2xx request ids found in the function log\n' \
  "$(( $(l .ok_ids) - $(l .problems.missing_log_ids) ))" "$(l .ok_ids)"
printf '  shutdown:   server exit status %s, instances left running %s\n' "$server_status" "$leftovers"
echo
echo "Targets:"
unexpected_ok="$( [ "$unexpected" = 0 ] && echo ok || echo MISSED )"
growth_ok="$(awk -v g="$growth" -v t="$GROWTH_TARGET" 'BEGIN { print (g != "n/a" && g <= t) ? "ok" : "MISSED" }')"
ledger_ok="$( [ "$consistent" = true ] && echo ok || echo MISSED )"
leftovers_ok="$( [ "$leftovers" = 0 ] && echo ok || echo MISSED )"
printf '  unexpected errors: %s   (target 0: %s)\n' "$unexpected" "$unexpected_ok"
printf '  memory growth:     %s %%   (target <= %s %%: %s)\n' "$growth" "$GROWTH_TARGET" "$growth_ok"
printf '  ledger, bill, log: %s   (target consistent: %s)\n' "$( [ "$consistent" = true ] && echo consistent || echo "problems found")" "$ledger_ok"
printf '  instances left:    %s   (target 0: %s)\n' "$leftovers" "$leftovers_ok"
if [ "$consistent" != true ]; then
  echo "  problems (first of each kind): $(l '.problem_samples | tostring')"
fi
if [ "$unexpected" != 0 ]; then
  echo "  unexpected answers (first ones): $(jq -c '.unexpected_samples' <<<"$load_json")"
fi

json="$(jq -cn --argjson load "$load_json" --argjson ledger "$ledger_json" --argjson cpus "$cpus" --argjson minutes "$MINUTES" \
  --argjson rate "$RATE" --argjson service_ms "$SERVICE_MS" --argjson kill_every "$KILL_EVERY" --argjson provisioned "$PROVISIONED" \
  --argjson max_instances "$MAX_INSTANCES" --argjson concurrency "$CONCURRENCY" --argjson warmup "$WARMUP" --arg freezer "$freezer" \
  --argjson load_before "$load_before" --argjson load_after "$load_after" --argjson server_status "$server_status" \
  --argjson leftovers "$leftovers" --argjson instances_total "$instances_total" --argjson instances_failed "$instances_failed" \
  --arg trim "${TRIM_INTERVAL:-default}" --arg compact "${COMPACT_INTERVAL:-default}" --arg unexpected_ok "$unexpected_ok" --arg growth_ok "$growth_ok" --arg ledger_ok "$ledger_ok" '{
    bench: "soak", minutes: $minutes, rate: $rate, service_ms: $service_ms, kill_every_s: $kill_every,
    provisioned: $provisioned, max_instances: $max_instances, concurrency: $concurrency, warmup_s: $warmup,
    memory_trim_interval: $trim, memory_compact_interval: $compact,
    cpus: $cpus, freezer: $freezer, load_before: $load_before, load_after: $load_after,
    instances_total: $instances_total, instances_failed: $instances_failed, server_exit_status: $server_status,
    instances_left_running: $leftovers,
    targets: { unexpected_errors: $unexpected_ok, memory_growth: $growth_ok, ledger: $ledger_ok }
  } + ($load | del(.kill_log)) + { ledger: $ledger }')"
[ -z "$JSON_OUT" ] || printf '%s\n' "$json" >"$JSON_OUT"
echo "$json"
