#!/usr/bin/env bash
# Wake benchmark: what thawing a frozen (idle-mode) instance adds to a request, next to an
# always-warm instance of the same function, and how much CPU a frozen instance burns. See
# bench/README.md.
#
#   bench/wake/run.sh [-n COUNT] [options]
#
# Starts a Stasis server (Release build, through ./stasis), deploys each sample twice (one function
# in idle mode with one provisioned instance, frozen between requests; one with one always-warm
# provisioned instance), sends COUNT requests to each, interleaved one by one, then reads the
# instances' CPU time over a window. Everything it starts is stopped on exit (also on Ctrl-C). The
# last line of output is one JSON object with every figure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=../lib/common.sh
. "$repo/bench/lib/common.sh"

COUNT=1000        # measured requests per function (pairs)
ONNX_COUNT=""     # the same for the ONNX sample (default: COUNT)
WARMUP=10         # pairs before measuring, not counted
CPU_SECONDS=10    # window of the CPU-time reading
MAX_SECONDS=300   # the invokes of one sample stop after this long
SAMPLES="text onnx"
JSON_OUT=""

usage() {
  cat <<EOF2
usage: bench/wake/run.sh [options]
  -n, --count N          measured requests to each of the two functions, per sample (default $COUNT)
      --onnx-count N     the same for the ONNX sample only (default: the value of --count)
      --warmup N         pairs sent first and not counted (default $WARMUP)
      --cpu-seconds S    length of the CPU-time window (default $CPU_SECONDS; 0 skips it)
      --max-seconds S    stop one sample's invokes after S seconds and report what was measured (default $MAX_SECONDS)
      --only text|onnx   run one sample
      --json FILE        also write the final JSON line to FILE
  -h, --help             this text
EOF2
}

while [ $# -gt 0 ]; do
  case "$1" in
    -n|--count) COUNT="$2"; shift 2;;
    --onnx-count) ONNX_COUNT="$2"; shift 2;;
    --warmup) WARMUP="$2"; shift 2;;
    --cpu-seconds) CPU_SECONDS="$2"; shift 2;;
    --max-seconds) MAX_SECONDS="$2"; shift 2;;
    --only) SAMPLES="$2"; shift 2;;
    --json) JSON_OUT="$2"; shift 2;;
    -h|--help) usage; exit 0;;
    *) echo "run.sh: unknown option '$1'" >&2; usage >&2; exit 2;;
  esac
done
ONNX_COUNT="${ONNX_COUNT:-$COUNT}"
for v in COUNT ONNX_COUNT WARMUP CPU_SECONDS MAX_SECONDS; do
  case "${!v}" in ''|*[!0-9]*) echo "run.sh: $v must be a whole number, not '${!v}'" >&2; exit 2;; esac
done
[ "$COUNT" -ge 1 ] && [ "$COUNT" -le 100000 ] && [ "$ONNX_COUNT" -ge 1 ] && [ "$ONNX_COUNT" -le 100000 ] \
  || { echo "run.sh: counts must be 1..100000" >&2; exit 2; }
[ "$WARMUP" -le 1000 ] && [ "$CPU_SECONDS" -le 600 ] && [ "$MAX_SECONDS" -ge 1 ] && [ "$MAX_SECONDS" -le 3600 ] \
  || { echo "run.sh: --warmup at most 1000, --cpu-seconds at most 600, --max-seconds 1..3600" >&2; exit 2; }
case "$SAMPLES" in text|onnx|"text onnx") ;; *) echo "run.sh: --only takes text or onnx" >&2; exit 2;; esac

for tool in curl jq python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "run.sh: missing $tool; install with: apt-get install -y $tool" >&2; exit 1; }
done
command -v dotnet >/dev/null 2>&1 || { echo "run.sh: dotnet (SDK 10) is needed to build and run Stasis" >&2; exit 1; }

cpus="$(nproc 2>/dev/null || echo 1)"
load_before="$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo null)"
if [ "$load_before" != null ] && awk -v l="$load_before" 'BEGIN { exit !(l > 0.5) }'; then
  echo "run.sh: warning: 1-minute load average is $load_before on $cpus CPUs before starting; other work on this machine will skew the figures" >&2
fi

# ---------------------------------------------------------------------------------------------
# Processes we start, and cleanup

work="$(mktemp -d "${TMPDIR:-/tmp}/stasis-bench-wake.XXXXXX")"
server_pid=""
instance_pids=() # "pid:instanceId" of every instance seen, to catch any left behind

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  set +e
  # Delete the functions first (instances thawed and stopped by the server), then stop it.
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
deployed=()
api=""
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
status_json="$(curl -s --max-time 5 "$api/status" || true)"
freezer="$(jq -r '.runtimeDetails.freezer // "unknown"' <<<"$status_json" 2>/dev/null || echo unknown)"
cgroups="$(jq -r '.runtimeDetails.cgroups // "unknown"' <<<"$status_json" 2>/dev/null || echo unknown)"

# ---------------------------------------------------------------------------------------------
# Per sample: two functions, provisioned, interleaved invokes, CPU window

deploy() { # $1 name, $2 code dir, $3 entrypoint, $4 command (JSON arrays), $5 memory MB, $6 init timeout
  local spec code
  spec="$(jq -n --arg name "$1" --arg code "$2" --argjson ep "$3" --argjson cmd "$4" --argjson mem "$5" --argjson it "$6" '{
    functionName: $name,
    description: "wake benchmark",
    runtime: "custom-container",
    handler: "not-used",
    code: $code,
    timeout: 60,
    memorySize: $mem,
    cpu: 1,
    instanceConcurrency: 1,
    maxInstances: 1,
    customContainerConfig: { entrypoint: $ep, command: $cmd, port: 9000 },
    instanceLifecycleConfig: { initializer: { handler: "not-used", timeout: $it }, preStop: { handler: "not-used", timeout: 5 } },
    triggers: [{ triggerName: "http", triggerType: "http",
                 triggerConfig: { authType: "anonymous", methods: ["GET", "POST"] } }]
  }')"
  deployed+=("$1")
  code="$(curl -s -o "$work/deploy-$1.json" -w '%{http_code}' --max-time 60 -X PUT -H 'Content-Type: application/json' \
    --data-binary "$spec" "$api/functions/$1")"
  case "$code" in 2??) return 0;; *) cat "$work/deploy-$1.json" >&2; echo >&2; return 1;; esac
}

provision() { # $1 name, $2 true|false (alwaysAllocateCPU)
  local code
  code="$(curl -s -o "$work/provision-$1.json" -w '%{http_code}' --max-time 30 -X PUT -H 'Content-Type: application/json' \
    --data-binary "{\"defaultTarget\":1,\"alwaysAllocateCPU\":$2}" "$api/functions/$1/provision")"
  case "$code" in 2??) return 0;; *) cat "$work/provision-$1.json" >&2; echo >&2; return 1;; esac
}

wait_provisioned() { # $1 name, $2 frozen count wanted, $3 seconds
  local deadline=$((SECONDS + $3)) p
  while [ "$SECONDS" -lt "$deadline" ]; do
    p="$(curl -s --max-time 5 "$api/functions/$1/provision" || true)"
    if [ "$(jq -r '.current // 0' <<<"$p" 2>/dev/null)" = 1 ] && [ "$(jq -r '.frozen // 0' <<<"$p" 2>/dev/null)" = "$2" ]; then
      return 0
    fi
    sleep 0.2
  done
  echo "run.sh: $1 provision state: $p" >&2
  return 1
}

declare -A R=() # "sample" -> client JSON
declare -A STATUS=()

bench_sample() { # $1 key, $2 sample dir, $3 body, $4 content type, $5 entrypoint, $6 command, $7 memory, $8 count
  local key="$1" dir="$repo/$2" idle="$1-idle" warm="$1-warm" out
  STATUS[$key]="skipped"
  [ -d "$dir" ] || { echo "skip: $2 is not in this checkout"; return 0; }
  if [ "$key" = onnx ]; then
    log "building $2 (Release)..."
    if ! timeout 600 dotnet build -c Release "$dir/ImageEmbedding.csproj" -nologo -v quiet >"$work/$key-build.log" 2>&1; then
      tail -n 20 "$work/$key-build.log" >&2
      echo "skip: $2 did not build"
      STATUS[$key]="build-failed"
      return 0
    fi
  fi
  log "$key: deploying $idle (idle mode) and $warm (always warm), 1 provisioned instance each"
  if ! deploy "$idle" "$dir" "$5" "$6" "$7" 60 || ! deploy "$warm" "$dir" "$5" "$6" "$7" 60 \
     || ! provision "$idle" false || ! provision "$warm" true; then
    echo "skip: deploying or provisioning $key failed"
    STATUS[$key]="deploy-failed"
    return 0
  fi
  if ! wait_provisioned "$idle" 1 180 || ! wait_provisioned "$warm" 0 180; then
    remember_instances "$idle"; remember_instances "$warm"
    echo "skip: $key did not reach one frozen and one warm provisioned instance within 180 s"
    STATUS[$key]="provision-failed"
    return 0
  fi
  remember_instances "$idle"; remember_instances "$warm"
  log "$key: $8 interleaved pairs (+$WARMUP warm-up), then ${CPU_SECONDS}s of CPU reading"
  if ! out="$(timeout $((MAX_SECONDS + CPU_SECONDS + 120)) python3 "$here/client.py" --server "$server" \
      --idle "$idle" --warm "$warm" --body "$3" --content-type "$4" -n "$8" --warmup "$WARMUP" \
      --max-seconds "$MAX_SECONDS" --cpu-seconds "$CPU_SECONDS")" || [ -z "$out" ]; then
    echo "skip: the client failed for $key"
    STATUS[$key]="invoke-failed"
    return 0
  fi
  R[$key]="$out"
  STATUS[$key]="ok"
  remember_instances "$idle"; remember_instances "$warm"
  curl -s -o /dev/null --max-time 30 -X DELETE "$api/functions/$idle" || true
  curl -s -o /dev/null --max-time 30 -X DELETE "$api/functions/$warm" || true
}

printf 'Nice to meet you' >"$work/text-body.txt"
for s in $SAMPLES; do
  case "$s" in
    text) bench_sample text samples/text-classifier-python "$work/text-body.txt" text/plain \
            '["python3"]' '["app.py"]' 512 "$COUNT";;
    onnx) bench_sample onnx samples/image-embedding-onnx "$repo/samples/image-embedding-onnx/testdata/sample.png" image/png \
            '["dotnet"]' '["bin/Release/net10.0/linux-x64/ImageEmbedding.dll"]' 1024 "$ONNX_COUNT";;
  esac
done

# ---------------------------------------------------------------------------------------------
# Table and JSON line

g() { jq -r --arg k "$2" 'if has($k) then .[$k] else null end | tostring' <<<"${R[$1]:-{\}}"; }
verdict() { # $1 value, $2 limit (<=)
  [ "$1" = null ] && { echo "n/a"; return; }
  awk -v v="$1" -v t="$2" 'BEGIN { print (v <= t) ? "ok" : "MISSED" }'
}

echo
echo "Wake benchmark ($cpus CPUs, load before: $load_before; freezer: $freezer; cgroups: $cgroups)"
echo "Latency: client-side, sequential, one connection per function; diff = idle - warm of the same pair."
printf '%-6s %7s %7s %11s %11s %11s %11s %11s %11s %8s\n' sample status pairs "idle p50" "idle p99" "warm p50" "warm p99" "diff p50" "diff p99" thawed
for key in $SAMPLES; do
  if [ "${STATUS[$key]}" = ok ]; then
    printf '%-6s %7s %7s %11s %11s %11s %11s %11s %11s %8s\n' "$key" ok "$(g "$key" ok_pairs)" \
      "$(g "$key" idle_p50_us)" "$(g "$key" idle_p99_us)" "$(g "$key" warm_p50_us)" "$(g "$key" warm_p99_us)" \
      "$(g "$key" diff_p50_us)" "$(g "$key" diff_p99_us)" \
      "$(awk -v s="$(g "$key" thawed_share)" 'BEGIN { if (s == "null") print "n/a"; else printf "%.1f%%", s * 100 }')"
  else
    printf '%-6s %7s\n' "$key" "${STATUS[$key]}"
  fi
done
echo "(microseconds; thawed = share of idle requests whose answer said x-stasis-instance-state: thawed)"
echo
printf '%-6s %22s %22s %14s\n' sample "idle cpu s (/proc)" "idle cpu s (cgroup)" "warm cpu s"
for key in $SAMPLES; do
  [ "${STATUS[$key]}" = ok ] || continue
  printf '%-6s %22s %22s %14s   over %s s, idle stayed frozen: %s\n' "$key" "$(g "$key" idle_cpu_s)" "$(g "$key" idle_cgroup_cpu_s)" \
    "$(g "$key" warm_cpu_s)" "$(g "$key" cpu_window_s)" "$(g "$key" idle_stayed_frozen)"
done
echo
for key in $SAMPLES; do
  [ "${STATUS[$key]}" = ok ] || continue
  d="$(g "$key" p99_added_us)"
  printf '%s: thaw adds %s us to p99 (idle p99 - warm p99; target <= 1000 us on CPU: %s); pair diff p99 %s us; frozen CPU %s s (target 0: %s)\n' \
    "$key" "$d" "$(verdict "$d" 1000)" "$(g "$key" diff_p99_us)" "$(g "$key" idle_cpu_s)" "$(verdict "$(g "$key" idle_cpu_s)" 0)"
  [ "$(g "$key" errors)" = 0 ] || echo "WARNING: $key had $(g "$key" errors) failed requests"
  [ "$(g "$key" stopped_early)" = false ] || echo "NOTE: $key stopped after --max-seconds $MAX_SECONDS with $(g "$key" pairs) pairs"
done

json="$(jq -cn --argjson count "$COUNT" --argjson onnx_count "$ONNX_COUNT" --argjson warmup "$WARMUP" \
  --argjson cpus "$cpus" --argjson load_before "$load_before" --arg freezer "$freezer" --arg cgroups "$cgroups" \
  --arg text_status "${STATUS[text]:-skipped}" --arg onnx_status "${STATUS[onnx]:-skipped}" \
  --argjson text "${R[text]:-null}" --argjson onnx "${R[onnx]:-null}" \
  '{bench: "wake", count: $count, onnx_count: $onnx_count, warmup: $warmup, cpus: $cpus, load_before: $load_before,
    freezer: $freezer, cgroups: $cgroups, text_status: $text_status, onnx_status: $onnx_status}
   + (($text // {}) | with_entries(.key = "text_" + .key))
   + (($onnx // {}) | with_entries(.key = "onnx_" + .key))')"
[ -z "$JSON_OUT" ] || printf '%s\n' "$json" >"$JSON_OUT"
echo
printf '%s\n' "$json"
