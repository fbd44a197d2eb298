#!/usr/bin/env bash
# Console benchmark: how fast each page of the web console draws, and refreshes while open, for a
# function with 100 provisioned idle-mode instances and 24 h of metrics and billing history.
#
#   bench/console/run.sh [--instances N] [--hours H] [--loads N] [--refresh-seconds S] [--json FILE]
#
# Starts a Stasis server once to create its store, writes H hours of history for the function into
# it (seed.py: metrics intervals of 60 s with a row per instance, and every instance's idle/active
# meter intervals), starts the server again, deploys the sleeping bench function
# (bench/scheduling/function) with N provisioned idle-mode instances, sends a few requests, and drives
# headless Chromium over every page (ConsoleBench). Everything it starts is stopped on exit.
# The last line of output is one JSON object with every figure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=../lib/common.sh
. "$repo/bench/lib/common.sh"
function_dir="$repo/bench/scheduling/function"

INSTANCES=100
HOURS=24
LOADS=5
REFRESH=10
JSON_OUT=""
CHROMIUM="${STASIS_CHROMIUM:-/usr/bin/chromium}"

usage() {
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
}

need_arg() { [ $# -ge 2 ] || { echo "run.sh: $1 needs a value" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
  case "$1" in
    -n|--instances) need_arg "$@"; INSTANCES="$2"; shift 2;;
    --hours) need_arg "$@"; HOURS="$2"; shift 2;;
    --loads) need_arg "$@"; LOADS="$2"; shift 2;;
    --refresh-seconds) need_arg "$@"; REFRESH="$2"; shift 2;;
    --json) need_arg "$@"; JSON_OUT="$2"; shift 2;;
    -h|--help) usage; exit 0;;
    *) echo "run.sh: unknown option '$1'" >&2; usage >&2; exit 2;;
  esac
done
for v in INSTANCES HOURS LOADS REFRESH; do
  case "${!v}" in ''|*[!0-9]*) echo "run.sh: $v must be a whole number, not '${!v}'" >&2; exit 2;; esac
done
[ "$INSTANCES" -ge 1 ] && [ "$INSTANCES" -le 200 ] || { echo "run.sh: --instances must be 1..200" >&2; exit 2; }
[ "$HOURS" -ge 1 ] && [ "$HOURS" -le 168 ] || { echo "run.sh: --hours must be 1..168" >&2; exit 2; }
[ "$LOADS" -ge 1 ] && [ "$LOADS" -le 20 ] || { echo "run.sh: --loads must be 1..20" >&2; exit 2; }
[ "$REFRESH" -le 120 ] || { echo "run.sh: --refresh-seconds at most 120" >&2; exit 2; }
for tool in curl jq python3 dotnet; do
  command -v "$tool" >/dev/null 2>&1 || die "missing $tool"
done
[ -x "$CHROMIUM" ] || die "Chromium not found at $CHROMIUM: apt-get install -y chromium (or set STASIS_CHROMIUM)"

load_before="$(warn_if_busy)"
work="$(mktemp -d "${TMPDIR:-/tmp}/stasis-bench-console.XXXXXX")"
data="$work/data"
fn=console-bench
server_pid=""
cleanup() {
  local status=$?
  if [ -n "$server_pid" ]; then
    log "stopping the server (drains $INSTANCES instances)"
    stop_pid "$server_pid" 60
  fi
  [ $status -eq 0 ] && rm -rf "$work" || echo "run.sh: logs kept in $work" >&2
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "building the Stasis CLI and server (Release) and the benchmark driver if needed..."
"$repo/stasis" --help >"$work/cli-help.log" 2>&1 || { cat "$work/cli-help.log" >&2; die "./stasis failed to build or run"; }
dotnet build -c Release "$here/ConsoleBench" >"$work/bench-build.log" 2>&1 || { cat "$work/bench-build.log" >&2; die "ConsoleBench failed to build"; }

port="$(free_port)"
server="http://127.0.0.1:$port"
start_server() {
  "$repo/stasis" server --listen "127.0.0.1:$port" --data "$data" >>"$work/stasis.log" 2>&1 &
  server_pid=$!
  wait_http "$server/api/v1/status" 120 "$server_pid" || die "the server did not answer on $server (see $work/stasis.log)"
}

log "creating the store, then writing $HOURS h of history for $INSTANCES instances"
start_server
stop_pid "$server_pid" 30
server_pid=""
python3 "$here/seed.py" --db "$data/stasis.db" --function "$fn" --instances "$INSTANCES" --hours "$HOURS" --interval 60 >&2

start_server
spec="$(jq -n --arg name "$fn" --arg code "$function_dir" --argjson max "$INSTANCES" '{
  functionName: $name, description: "console benchmark: sleeps x-bench-service-ms, then answers 200",
  runtime: "custom-container", handler: "not-used", code: $code, timeout: 60, memorySize: 128,
  instanceConcurrency: 1, maxInstances: $max,
  customContainerConfig: { entrypoint: ["python3"], command: ["app.py"], port: 9000 },
  triggers: [{ triggerName: "http", triggerType: "http", triggerConfig: { authType: "anonymous", methods: ["GET", "POST"] } }]
}')"
curl -sf -o /dev/null --max-time 60 -X PUT -H 'Content-Type: application/json' --data "$spec" "$server/api/v1/functions/$fn" || die "deploying $fn failed"
log "provisioning $INSTANCES idle-mode instances of $fn"
began=$SECONDS
curl -sf -o /dev/null --max-time 60 -X PUT -H 'Content-Type: application/json' \
  --data "{\"defaultTarget\": $INSTANCES, \"alwaysAllocateCPU\": false, \"alwaysAllocateGPU\": false}" "$server/api/v1/functions/$fn/provision" \
  || die "provisioning $fn failed"
deadline=$((SECONDS + 300))
while :; do
  current="$(curl -s --max-time 10 "$server/api/v1/functions/$fn/provision" | jq -r '.current' 2>/dev/null || true)"
  [ "$current" = "$INSTANCES" ] && break
  [ "$SECONDS" -lt "$deadline" ] || die "only $current of $INSTANCES instances ready after 300 s"
  sleep 1
done
log "$INSTANCES instances ready in $((SECONDS - began)) s; sending 200 requests (20 at a time)"
seq 200 | xargs -P 20 -I{} curl -s -o /dev/null --max-time 30 -H 'x-bench-service-ms: 20' "$server/fn/$fn/" || true

shots="$repo/bench/results/console"
mkdir -p "$shots"
out="$(dotnet "$here/ConsoleBench/bin/Release/net10.0/ConsoleBench.dll" --url "$server" --function "$fn" \
  --loads "$LOADS" --refresh-seconds "$REFRESH" --chromium "$CHROMIUM" --out "$shots")"
echo "$out" | sed '$d'
echo "# screenshots: $shots"
line="$(echo "$out" | tail -n 1 | jq -c --argjson instances "$INSTANCES" --argjson hours "$HOURS" --arg load "$load_before" \
  '. + { instances: $instances, hours: $hours, load_before: ($load | tonumber? // null) }')"
[ -z "$JSON_OUT" ] || echo "$line" >"$JSON_OUT"
echo "$line"
