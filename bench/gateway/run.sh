#!/usr/bin/env bash
# Gateway benchmark: what Stasis' gateway adds on the request path, next to nginx as a reference
# reverse proxy, plus cold start and warm invoke of the samples. See bench/README.md.
#
#   bench/gateway/run.sh [-d SECONDS] [-r ROUNDS] [options]
#
# One run starts a tiny nginx backend, an nginx reverse proxy to it and a Stasis server (Release
# build, through ./stasis) with the same backend deployed as a function, measures the three targets
# with wrk in interleaved rounds, then deploys the samples. Everything it starts is stopped on exit
# (also on Ctrl-C). The last line of output is one JSON object with every figure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

DURATION=5        # seconds per wrk run
ROUNDS=3          # interleaved rounds (direct, stasis, nginx) x (1 connection, 64 connections)
WARMUP=3          # seconds of load on each target before the rounds (connection pools, caches)
SERVER_WARMUP=20  # extra seconds of load on Stasis first: its hot path is recompiled by the tiered JIT
CONNS=64          # connections of the throughput runs
THREADS=2         # wrk threads of the throughput runs
INVOKES=50        # warm invokes per sample
PIN=0             # 1: wrk on one CPU, everything under test on the other
SAMPLES=1
STASIS=1
JSON_OUT=""
FN=gw-backend     # the backend's function name (nginx-proxy.conf.template maps the same path)

usage() {
  cat <<EOF
usage: bench/gateway/run.sh [options]
  -d, --duration SECONDS   length of each wrk run (default $DURATION)
  -r, --rounds N           interleaved rounds; figures are medians over rounds (default $ROUNDS)
  -w, --warmup SECONDS     load on each target before measuring (default $WARMUP)
      --server-warmup SECONDS  extra load on Stasis before that, until its JIT settles (default $SERVER_WARMUP)
  -c, --connections N      connections of the throughput runs (default $CONNS)
  -n, --invokes N          warm invokes per sample (default $INVOKES)
      --pin                pin wrk to CPU 1 and the proxies, backend and server to CPU 0
      --no-pin             let the scheduler place everything (default)
      --no-samples         skip the cold start / warm invoke part
      --no-stasis          measure only direct and nginx (no server; implies --no-samples)
      --json FILE          also write the final JSON line to FILE
  -h, --help               this text
EOF
}

while [ $# -gt 0 ]; do
  case "$1" in
    -d|--duration) DURATION="$2"; shift 2;;
    -r|--rounds) ROUNDS="$2"; shift 2;;
    -w|--warmup) WARMUP="$2"; shift 2;;
    --server-warmup) SERVER_WARMUP="$2"; shift 2;;
    -c|--connections) CONNS="$2"; shift 2;;
    -n|--invokes) INVOKES="$2"; shift 2;;
    --pin) PIN=1; shift;;
    --no-pin) PIN=0; shift;;
    --no-samples) SAMPLES=0; shift;;
    --no-stasis) STASIS=0; SAMPLES=0; shift;;
    --json) JSON_OUT="$2"; shift 2;;
    -h|--help) usage; exit 0;;
    *) echo "run.sh: unknown option '$1'" >&2; usage >&2; exit 2;;
  esac
done

for v in DURATION ROUNDS WARMUP SERVER_WARMUP CONNS INVOKES; do
  case "${!v}" in ''|*[!0-9]*) echo "run.sh: $v must be a whole number, not '${!v}'" >&2; exit 2;; esac
done
[ "$DURATION" -ge 1 ] && [ "$DURATION" -le 600 ] || { echo "run.sh: duration must be 1..600 s" >&2; exit 2; }
[ "$ROUNDS" -ge 1 ] && [ "$ROUNDS" -le 50 ] || { echo "run.sh: rounds must be 1..50" >&2; exit 2; }
[ "$CONNS" -ge 1 ] && [ "$CONNS" -le 1000 ] || { echo "run.sh: connections must be 1..1000" >&2; exit 2; }
[ "$INVOKES" -le 10000 ] || { echo "run.sh: invokes must be at most 10000" >&2; exit 2; }
[ "$WARMUP" -le 600 ] && [ "$SERVER_WARMUP" -le 600 ] || { echo "run.sh: warm-ups must be at most 600 s" >&2; exit 2; }

# ---------------------------------------------------------------------------------------------
# Tools

missing=()
for tool in wrk nginx; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "run.sh: missing ${missing[*]}; install with: apt-get install -y wrk nginx-light" >&2
  exit 1
fi
for tool in curl jq; do
  command -v "$tool" >/dev/null 2>&1 || { echo "run.sh: missing $tool; install with: apt-get install -y $tool" >&2; exit 1; }
done
if [ "$STASIS" = 1 ] && ! command -v dotnet >/dev/null 2>&1; then
  echo "run.sh: dotnet (SDK 10) is needed to build and run Stasis" >&2
  exit 1
fi
NGINX="$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)"
if [ "$PIN" = 1 ]; then
  command -v taskset >/dev/null 2>&1 || { echo "run.sh: --pin needs taskset (apt-get install -y util-linux)" >&2; exit 1; }
  if [ "$(nproc)" -lt 2 ]; then echo "run.sh: --pin needs at least 2 CPUs; running unpinned" >&2; PIN=0; fi
fi
if [ "$PIN" = 1 ]; then
  PIN_LOAD=(taskset -c 1)   # wrk, curl
  PIN_SUT=(taskset -c 0)    # backend, nginx proxy, Stasis server (its instances inherit the mask)
else
  PIN_LOAD=()
  PIN_SUT=()
fi

# Anything else busy on this machine skews every figure: say so up front.
cpus="$(nproc 2>/dev/null || echo 1)"
load_before="$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo null)"
if [ "$load_before" != null ] && awk -v l="$load_before" 'BEGIN { exit !(l > 0.5) }'; then
  echo "run.sh: warning: 1-minute load average is $load_before on $cpus CPUs before starting; other work on this machine will skew the figures" >&2
fi

# ---------------------------------------------------------------------------------------------
# Processes we start, and cleanup

work="$(mktemp -d "${TMPDIR:-/tmp}/stasis-bench-gateway.XXXXXX")"
backend_pid="" proxy_pid="" server_pid=""
instance_pids=() # "pid:instanceId" of every Stasis instance seen, to catch any left behind

stop_pid() { # $1 pid, $2 seconds to wait after SIGTERM before SIGKILL
  local pid="$1" wait_s="$2" i
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < wait_s * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  set +e
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
  stop_pid "$proxy_pid" 5
  stop_pid "$backend_pid" 5
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

die() { echo "run.sh: $*" >&2; exit 1; }
log() { echo "# $*" >&2; }

used_ports=" "
free_port() { # a loopback port nothing listens on, not handed out before in this run
  local p i
  for ((i = 0; i < 200; i++)); do
    p=$((20000 + RANDOM % 30000))
    case "$used_ports" in *" $p "*) continue;; esac
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      used_ports+="$p "
      echo "$p"
      return 0
    fi
  done
  die "no free loopback port found"
}

wait_http() { # $1 url, $2 seconds, $3 pid that must stay alive (optional)
  local url="$1" deadline=$((SECONDS + $2)) pid="${3:-}"
  while [ "$SECONDS" -lt "$deadline" ]; do
    if curl -s -o /dev/null --max-time 2 "$url"; then return 0; fi
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    sleep 0.1
  done
  return 1
}

# ---------------------------------------------------------------------------------------------
# Figures: wrk output parsing, medians, percentiles

# Prints "rps p50_us p99_us errors requests" from wrk --latency output on stdin.
parse_wrk() {
  awk '
    function us(v) {
      if (v ~ /us$/) return v + 0
      if (v ~ /ms$/) return (v + 0) * 1000
      if (v ~ /[0-9]m$/) return (v + 0) * 60000000
      if (v ~ /s$/) return (v + 0) * 1000000
      return v + 0
    }
    /^ +50%/ { p50 = us($2) }
    /^ +99%/ { p99 = us($2) }
    /^Requests\/sec:/ { rps = $2 + 0 }
    / requests in / { n = $1 + 0 }
    /Non-2xx or 3xx responses:/ { err += $NF }
    /Socket errors:/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) err += $i + 0 }
    END {
      if (rps == "" || p50 == "") { print "fail"; exit }
      printf "%.2f %.1f %.1f %d %d\n", rps, p50, p99, err, n
    }'
}

median() { # numbers as arguments; "null" when there are none
  printf '%s\n' "$@" | grep -E '^-?[0-9.]+$' | sort -g | awk '
    { a[NR] = $1 }
    END {
      if (NR == 0) { print "null"; exit }
      if (NR % 2) printf "%.2f\n", a[(NR + 1) / 2]
      else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2
    }'
}

percentile() { # $1 = percent; numbers on stdin; nearest rank
  sort -g | awk -v p="$1" '
    { a[NR] = $1 }
    END {
      if (NR == 0) { print "null"; exit }
      r = int(p / 100 * NR + 0.999999); if (r < 1) r = 1; if (r > NR) r = NR
      printf "%.2f\n", a[r]
    }'
}

calc() { # awk arithmetic on figures that may be "null"
  local expr="$1"; shift
  awk -v expr="$expr" 'BEGIN {
      for (i = 1; i < ARGC; i++) { if (ARGV[i] == "null" || ARGV[i] == "") { print "null"; exit } v[i] = ARGV[i] + 0 }
      a = v[1]; b = v[2]
      if (expr == "ratio") { if (b == 0) print "null"; else printf "%.3f\n", a / b }
      else if (expr == "diff") printf "%.1f\n", a - b
      else if (expr == "ms") printf "%.1f\n", a * 1000
    }' "$@"
}

iso_seconds() { date -d "$1" +%s.%N; }

# CPU time of the process that serves each target, per request: a figure that other load on the
# machine disturbs far less than req/s or latency. direct: the backend's nginx; nginx: the proxy's
# master and worker; stasis: the server process (all its threads, not its instances).
CLK_TCK="$(getconf CLK_TCK 2>/dev/null || echo 100)"
descendants() { # $1 pid: it and all its descendants
  local p c
  for p in "$@"; do
    echo "$p"
    for c in $(pgrep -P "$p" 2>/dev/null); do descendants "$c"; done
  done
}
cpu_ticks() { # sum of utime + stime of the given pids
  local p total=0 t
  for p in "$@"; do
    t="$(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null)" || t=0
    total=$((total + ${t:-0}))
  done
  echo "$total"
}

# ---------------------------------------------------------------------------------------------
# 1. Backend outside Stasis

backend_port="$(free_port)"
log "backend: nginx on 127.0.0.1:$backend_port"
mkdir -p "$work/backend"
FC_SERVER_PORT="$backend_port" BACKEND_LISTEN=127.0.0.1 BACKEND_DIR="$work/backend" \
  "${PIN_SUT[@]}" bash "$here/backend/start.sh" >"$work/backend.log" 2>&1 &
backend_pid=$!
wait_http "http://127.0.0.1:$backend_port/" 15 "$backend_pid" || { cat "$work/backend.log" >&2; die "the backend did not start"; }

# ---------------------------------------------------------------------------------------------
# 2. nginx reverse proxy to it

proxy_port="$(free_port)"
log "nginx proxy: 127.0.0.1:$proxy_port -> backend"
mkdir -p "$work/proxy"
sed -e "s|@PORT@|$proxy_port|g" -e "s|@BACKEND_PORT@|$backend_port|g" -e "s|@DIR@|$work/proxy|g" \
  "$here/nginx-proxy.conf.template" >"$work/proxy/nginx.conf"
"${PIN_SUT[@]}" "$NGINX" -p "$work/proxy" -c "$work/proxy/nginx.conf" -e "$work/proxy/error.log" -g 'daemon off;' \
  >"$work/proxy.log" 2>&1 &
proxy_pid=$!
wait_http "http://127.0.0.1:$proxy_port/fn/$FN/" 15 "$proxy_pid" || { cat "$work/proxy.log" "$work/proxy/error.log" >&2 2>/dev/null; die "the nginx proxy did not start"; }

# ---------------------------------------------------------------------------------------------
# 3. Stasis server (Release build through ./stasis) with the backend deployed as a function

remember_instances() { # $1 function name
  local line
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    case " ${instance_pids[*]} " in *" $line "*) ;; *) instance_pids+=("$line");; esac
  done < <(curl -s --max-time 5 "$api/functions/$1/instances?all=true" | jq -r '.[]? | select(.pid != null) | "\(.pid):\(.id)"' 2>/dev/null)
}

# $1 function name: "readyAt - startedAt" of its first instance, in ms (null if unknown)
instance_start_ms() {
  local json started ready
  json="$(curl -s --max-time 5 "$api/functions/$1/instances?all=true")" || { echo null; return; }
  started="$(jq -r 'sort_by(.startedAt) | .[0].startedAt // empty' <<<"$json" 2>/dev/null)"
  ready="$(jq -r 'sort_by(.startedAt) | .[0].readyAt // empty' <<<"$json" 2>/dev/null)"
  if [ -z "$started" ] || [ -z "$ready" ]; then echo null; return; fi
  calc ms "$(awk -v a="$(iso_seconds "$ready")" -v b="$(iso_seconds "$started")" 'BEGIN { printf "%.6f", a - b }')"
}

server_port="" api="" stasis_url=""
backend_cold_ms=null backend_start_ms=null
if [ "$STASIS" = 1 ]; then
  log "building the Stasis CLI and server (Release) if needed..."
  if ! "$repo/stasis" --help >"$work/cli-help.log" 2>&1; then
    cat "$work/cli-help.log" >&2
    die "./stasis failed to build or run"
  fi
  server_port="$(free_port)"
  api="http://127.0.0.1:$server_port/api/v1"
  log "stasis server: 127.0.0.1:$server_port (data in $work/stasis-data)"
  "${PIN_SUT[@]}" "$repo/stasis" server --listen "127.0.0.1:$server_port" --data "$work/stasis-data" \
    >"$work/stasis.log" 2>&1 &
  server_pid=$!
  if ! wait_http "$api/status" 120 "$server_pid"; then
    kill -0 "$server_pid" 2>/dev/null || die "the Stasis server exited before answering on $api/status (its log follows)"
    die "the Stasis server did not answer on $api/status within 120 s"
  fi

  spec="$(jq -n --arg name "$FN" --arg code "$here/backend" '{
    functionName: $name,
    description: "gateway benchmark backend: nginx answering 200 ok",
    runtime: "custom-container",
    code: $code,
    timeout: 30,
    memorySize: 256,
    instanceConcurrency: 200,
    maxInstances: 1,
    environmentVariables: { BACKEND_LISTEN: "127.0.0.1" },
    customContainerConfig: { entrypoint: ["bash"], command: ["start.sh"], port: 9000 },
    triggers: [{ triggerName: "http", triggerType: "http",
                 triggerConfig: { authType: "anonymous", methods: ["GET", "POST"] } }]
  }')"
  code="$(curl -s -o "$work/deploy.json" -w '%{http_code}' --max-time 30 -X PUT -H 'Content-Type: application/json' \
    --data-binary "$spec" "$api/functions/$FN")"
  case "$code" in 2??) ;; *) cat "$work/deploy.json" >&2; echo >&2; die "deploying $FN failed with HTTP $code";; esac

  stasis_url="http://127.0.0.1:$server_port/fn/$FN/"
  read -r bcode btime < <(curl -s -o "$work/first.out" -w '%{http_code} %{time_total}\n' --max-time 90 "$stasis_url" || echo "000 0")
  remember_instances "$FN"
  if [ "$bcode" != 200 ]; then
    cat "$work/first.out" >&2 2>/dev/null; echo >&2
    die "the first request to $stasis_url answered HTTP $bcode"
  fi
  backend_cold_ms="$(calc ms "$btime")"
  backend_start_ms="$(instance_start_ms "$FN")"
  log "backend function: first request ${backend_cold_ms} ms, instance start (readyAt - startedAt) ${backend_start_ms} ms"
fi

# ---------------------------------------------------------------------------------------------
# 4. Interleaved wrk rounds

declare -A URL=(
  [direct]="http://127.0.0.1:$backend_port/"
  [stasis]="$stasis_url"
  [nginx]="http://127.0.0.1:$proxy_port/fn/$FN/"
)
TARGETS=(direct stasis nginx)
[ "$STASIS" = 1 ] || TARGETS=(direct nginx)
declare -A R=() # "target,conns,metric" -> values of every round
errors_total=0

run_wrk() { # $1 target, $2 threads, $3 connections, $4 seconds, $5 "measure" or "warm"
  local target="$1" t="$2" c="$3" d="$4" out="$work/wrk-$1-$3.txt" fig cpu0 cpu1 cpu_us
  # shellcheck disable=SC2086
  cpu0="$(cpu_ticks ${CPU_PIDS[$target]})"
  if ! timeout $((d + 30)) "${PIN_LOAD[@]}" wrk -t"$t" -c"$c" -d"${d}s" --timeout 10s --latency "${URL[$target]}" >"$out" 2>&1; then
    cat "$out" >&2
    die "wrk against $target failed"
  fi
  # shellcheck disable=SC2086
  cpu1="$(cpu_ticks ${CPU_PIDS[$target]})"
  [ "$5" = measure ] || return 0
  fig="$(parse_wrk <"$out")"
  [ "$fig" != fail ] || { cat "$out" >&2; die "could not read wrk's output for $target"; }
  read -r rps p50 p99 err n <<<"$fig"
  cpu_us="$(awk -v d="$((cpu1 - cpu0))" -v hz="$CLK_TCK" -v n="$n" 'BEGIN { if (n > 0) printf "%.1f", d * 1000000 / hz / n; else print "null" }')"
  R[$target,$c,rps]+="$rps " R[$target,$c,p50]+="$p50 " R[$target,$c,p99]+="$p99 " R[$target,$c,cpu]+="$cpu_us "
  if [ "$err" -gt 0 ]; then
    errors_total=$((errors_total + err))
    echo "run.sh: warning: $target with $c connections had $err errors or non-2xx answers" >&2
  fi
  printf '#   %-7s c=%-3s %10.0f req/s  p50 %8.1f us  p99 %8.1f us  cpu %7s us/req\n' "$target" "$c" "$rps" "$p50" "$p99" "$cpu_us" >&2
}

declare -A CPU_PIDS=(
  [direct]="$(descendants "$backend_pid" | tr '\n' ' ')"
  [nginx]="$(descendants "$proxy_pid" | tr '\n' ' ')"
  [stasis]="$server_pid"
)

if [ "$STASIS" = 1 ] && [ "$SERVER_WARMUP" -gt 0 ]; then
  # On a small machine the server's throughput keeps rising for 15-20 s of load while the tiered
  # JIT recompiles the ReadyToRun code of the request path (instrumented tier, then tier 1).
  log "warm-up: ${SERVER_WARMUP}s of $CONNS connections on stasis"
  run_wrk stasis "$THREADS" "$CONNS" "$SERVER_WARMUP" warm
fi
log "warm-up: ${WARMUP}s per target and connection count"
if [ "$WARMUP" -gt 0 ]; then
  for target in "${TARGETS[@]}"; do
    run_wrk "$target" "$THREADS" "$CONNS" "$WARMUP" warm
    run_wrk "$target" 1 1 "$WARMUP" warm
  done
fi

pinning="none"
[ "$PIN" = 1 ] && pinning="wrk on CPU 1; backend, proxies and server on CPU 0"
log "measuring: $ROUNDS rounds x ${TARGETS[*]} x (1 and $CONNS connections), ${DURATION}s each; pinning: $pinning"
for ((round = 1; round <= ROUNDS; round++)); do
  log "round $round/$ROUNDS"
  for target in "${TARGETS[@]}"; do
    run_wrk "$target" 1 1 "$DURATION" measure
    run_wrk "$target" "$THREADS" "$CONNS" "$DURATION" measure
  done
done

declare -A M=() # medians ("null" for a target not measured)
for target in direct stasis nginx; do
  for c in 1 "$CONNS"; do
    for metric in rps p50 p99 cpu; do M[$target,$c,$metric]=null; done
  done
done
for target in "${TARGETS[@]}"; do
  for c in 1 "$CONNS"; do
    for metric in rps p50 p99 cpu; do
      # shellcheck disable=SC2086
      M[$target,$c,$metric]="$(median ${R[$target,$c,$metric]})"
    done
  done
done

rps_ratio="$(calc ratio "${M[stasis,$CONNS,rps]}" "${M[nginx,$CONNS,rps]}")"
rps_ratio_c1="$(calc ratio "${M[stasis,1,rps]}" "${M[nginx,1,rps]}")"
added_p50="$(calc diff "${M[stasis,1,p50]}" "${M[direct,1,p50]}")"
nginx_added_p50="$(calc diff "${M[nginx,1,p50]}" "${M[direct,1,p50]}")"
added_p99="$(calc diff "${M[stasis,1,p99]}" "${M[direct,1,p99]}")"
nginx_added_p99="$(calc diff "${M[nginx,1,p99]}" "${M[direct,1,p99]}")"

verdict() { # $1 value, $2 "ge"/"le", $3 target
  [ "$1" = null ] && { echo "n/a"; return; }
  awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN { ok = (op == "ge") ? (v >= t) : (v <= t); print ok ? "ok" : "MISSED" }'
}

echo
echo "Gateway benchmark: medians of $ROUNDS rounds, ${DURATION}s each (pinning: $pinning; $cpus CPUs, load before: $load_before)"
printf '%-8s %6s %12s %11s %11s %14s\n' target conns "req/s" "p50 (us)" "p99 (us)" "cpu/req (us)"
for target in "${TARGETS[@]}"; do
  for c in 1 "$CONNS"; do
    printf '%-8s %6s %12s %11s %11s %14s\n' "$target" "$c" "${M[$target,$c,rps]}" "${M[$target,$c,p50]}" "${M[$target,$c,p99]}" "${M[$target,$c,cpu]}"
  done
done
echo
printf 'stasis req/s / nginx req/s (%s conns): %s   (target >= 1.0: %s)\n' "$CONNS" "$rps_ratio" "$(verdict "$rps_ratio" ge 1.0)"
printf 'stasis req/s / nginx req/s (1 conn):   %s\n' "$rps_ratio_c1"
printf 'stasis p50 - direct p50 (1 conn):      %s us   (target <= 60 us: %s)\n' "$added_p50" "$(verdict "$added_p50" le 60)"
printf 'nginx  p50 - direct p50 (1 conn):      %s us   (reference)\n' "$nginx_added_p50"
printf 'stasis p99 - direct p99 (1 conn):      %s us;  nginx: %s us\n' "$added_p99" "$nginx_added_p99"
printf 'backend as a function: first request %s ms, instance start %s ms\n' "$backend_cold_ms" "$backend_start_ms"
[ "$errors_total" -eq 0 ] || echo "WARNING: $errors_total errors or non-2xx answers during the measured runs (see above)"

# ---------------------------------------------------------------------------------------------
# 6. Samples: cold start and warm invokes

declare -A S=() # "sample,metric" -> figure

sample_bench() { # $1 key, $2 sample dir (relative to the repo), $3 body file, $4 content type
  local key="$1" dir="$repo/$2" body="$3" ctype="$4" name url code t i times
  S[$key,status]="skipped"
  S[$key,cold_ms]=null S[$key,start_ms]=null S[$key,warm_p50_ms]=null S[$key,warm_p99_ms]=null
  if [ ! -f "$dir/s.yaml" ]; then
    echo "skip: $2 is not in this checkout (no s.yaml)"
    return 0
  fi
  name="$(sed -n 's/^[[:space:]]*functionName:[[:space:]]*["'\'']\{0,1\}\([A-Za-z0-9_-]*\).*/\1/p' "$dir/s.yaml" | head -n 1)"
  [ -n "$name" ] || { echo "skip: $2/s.yaml names no functionName"; return 0; }
  if [ "$key" = onnx ]; then
    log "building $2 (Release)..."
    if ! dotnet build -c Release "$dir/ImageEmbedding.csproj" -nologo -v quiet >"$work/$key-build.log" 2>&1; then
      tail -n 20 "$work/$key-build.log" >&2
      echo "skip: $2 did not build (dotnet build -c Release $2/ImageEmbedding.csproj)"
      S[$key,status]="build-failed"
      return 0
    fi
  fi
  log "deploying $2 ($name)"
  # --no-wait: the first request below is what starts the instance.
  if ! STASIS_ENDPOINT="http://127.0.0.1:$server_port" timeout 120 "$repo/stasis" deploy -t "$dir/s.yaml" --no-wait \
    >"$work/$key-deploy.log" 2>&1; then
    cat "$work/$key-deploy.log" >&2
    echo "skip: ./stasis deploy -t $2/s.yaml failed"
    S[$key,status]="deploy-failed"
    return 0
  fi
  url="http://127.0.0.1:$server_port/fn/$name/invoke"
  local running
  running="$(curl -s --max-time 5 "$api/functions/$name/instances" | jq 'length' 2>/dev/null || echo 0)"
  [ "${running:-0}" = 0 ] || echo "run.sh: warning: $name already had $running instance(s) before its first request; its cold figure is not a cold start" >&2

  # Cold: the first request starts the instance (spawn, port open, /initialize) and is then served.
  read -r code t < <("${PIN_LOAD[@]}" curl -s -o "$work/$key-cold.out" -w '%{http_code} %{time_total}\n' --max-time 180 \
    -X POST -H "Content-Type: $ctype" --data-binary "@$body" "$url" || echo "000 0")
  remember_instances "$name"
  if [ "$code" != 200 ]; then
    echo "skip: the first invoke of $name answered HTTP $code: $(head -c 300 "$work/$key-cold.out" 2>/dev/null)"
    S[$key,status]="invoke-failed"
    return 0
  fi
  S[$key,cold_ms]="$(calc ms "$t")"
  S[$key,start_ms]="$(instance_start_ms "$name")"

  # Warm: INVOKES sequential requests on one kept-alive connection (one curl, many transfers).
  if [ "$INVOKES" -gt 0 ]; then
    local args=()
    for ((i = 0; i < INVOKES; i++)); do args+=(-o /dev/null "$url"); done
    times="$("${PIN_LOAD[@]}" timeout $((INVOKES * 10 + 30)) curl -s --max-time 60 -w '%{http_code} %{time_total}\n' \
      -X POST -H "Content-Type: $ctype" --data-binary "@$body" "${args[@]}" || true)"
    local ok bad
    ok="$(awk '$1 == 200' <<<"$times" | wc -l)"
    bad=$((INVOKES - ok))
    [ "$bad" -eq 0 ] || echo "run.sh: warning: $bad of $INVOKES warm invokes of $name failed" >&2
    S[$key,warm_p50_ms]="$(awk '$1 == 200 { print $2 * 1000 }' <<<"$times" | percentile 50)"
    S[$key,warm_p99_ms]="$(awk '$1 == 200 { print $2 * 1000 }' <<<"$times" | percentile 99)"
  fi
  S[$key,status]="ok"
  curl -s -o /dev/null --max-time 30 -X DELETE "$api/functions/$name" || true
  remember_instances "$name"
}

echo
if [ "$SAMPLES" = 1 ]; then
  printf 'Nice to meet you' >"$work/text-body.txt"
  sample_bench text samples/text-classifier-python "$work/text-body.txt" text/plain
  sample_bench onnx samples/image-embedding-onnx "$repo/samples/image-embedding-onnx/testdata/sample.png" image/png
  echo "Samples: cold = wall time of the first request after deploy; start = instance readyAt - startedAt;"
  echo "warm = $INVOKES sequential invokes on one connection (p99 by nearest rank)"
  printf '%-16s %9s %12s %10s %10s %10s\n' sample status "cold (ms)" "start (ms)" "warm p50" "warm p99"
  for key in text onnx; do
    printf '%-16s %9s %12s %10s %10s %10s\n' "$key" "${S[$key,status]}" "${S[$key,cold_ms]}" "${S[$key,start_ms]}" \
      "${S[$key,warm_p50_ms]}" "${S[$key,warm_p99_ms]}"
  done
else
  for key in text onnx; do
    S[$key,status]="skipped" S[$key,cold_ms]=null S[$key,start_ms]=null S[$key,warm_p50_ms]=null S[$key,warm_p99_ms]=null
  done
  echo "Samples: skipped (--no-samples)"
fi

# ---------------------------------------------------------------------------------------------
# 7. One JSON line with every figure

num() { [ -n "$1" ] && [ "$1" != null ] && echo "$1" || echo null; }
json="$(jq -cn \
  --argjson duration "$DURATION" --argjson rounds "$ROUNDS" --argjson conns "$CONNS" --arg pinning "$pinning" \
  --argjson warmup "$WARMUP" --argjson server_warmup "$SERVER_WARMUP" \
  --argjson cpus "$cpus" --argjson load_before "$(num "$load_before")" \
  --argjson direct_rps "$(num "${M[direct,$CONNS,rps]}")" --argjson stasis_rps "$(num "${M[stasis,$CONNS,rps]}")" \
  --argjson nginx_rps "$(num "${M[nginx,$CONNS,rps]}")" \
  --argjson direct_p50_us "$(num "${M[direct,$CONNS,p50]}")" --argjson stasis_p50_us "$(num "${M[stasis,$CONNS,p50]}")" \
  --argjson nginx_p50_us "$(num "${M[nginx,$CONNS,p50]}")" \
  --argjson direct_p99_us "$(num "${M[direct,$CONNS,p99]}")" --argjson stasis_p99_us "$(num "${M[stasis,$CONNS,p99]}")" \
  --argjson nginx_p99_us "$(num "${M[nginx,$CONNS,p99]}")" \
  --argjson direct_c1_rps "$(num "${M[direct,1,rps]}")" --argjson stasis_c1_rps "$(num "${M[stasis,1,rps]}")" \
  --argjson nginx_c1_rps "$(num "${M[nginx,1,rps]}")" \
  --argjson direct_c1_p50_us "$(num "${M[direct,1,p50]}")" --argjson stasis_c1_p50_us "$(num "${M[stasis,1,p50]}")" \
  --argjson nginx_c1_p50_us "$(num "${M[nginx,1,p50]}")" \
  --argjson direct_c1_p99_us "$(num "${M[direct,1,p99]}")" --argjson stasis_c1_p99_us "$(num "${M[stasis,1,p99]}")" \
  --argjson nginx_c1_p99_us "$(num "${M[nginx,1,p99]}")" \
  --argjson rps_ratio_vs_nginx "$(num "$rps_ratio")" --argjson rps_ratio_vs_nginx_c1 "$(num "$rps_ratio_c1")" \
  --argjson added_p50_us "$(num "$added_p50")" --argjson nginx_added_p50_us "$(num "$nginx_added_p50")" \
  --argjson added_p99_us "$(num "$added_p99")" --argjson nginx_added_p99_us "$(num "$nginx_added_p99")" \
  --argjson direct_cpu_us_per_req "$(num "${M[direct,$CONNS,cpu]}")" --argjson stasis_cpu_us_per_req "$(num "${M[stasis,$CONNS,cpu]}")" \
  --argjson nginx_cpu_us_per_req "$(num "${M[nginx,$CONNS,cpu]}")" \
  --argjson direct_c1_cpu_us_per_req "$(num "${M[direct,1,cpu]}")" --argjson stasis_c1_cpu_us_per_req "$(num "${M[stasis,1,cpu]}")" \
  --argjson nginx_c1_cpu_us_per_req "$(num "${M[nginx,1,cpu]}")" \
  --argjson errors "$errors_total" \
  --argjson backend_cold_ms "$(num "$backend_cold_ms")" --argjson backend_start_ms "$(num "$backend_start_ms")" \
  --arg text_status "${S[text,status]}" --argjson text_cold_ms "$(num "${S[text,cold_ms]}")" \
  --argjson text_start_ms "$(num "${S[text,start_ms]}")" \
  --argjson text_warm_p50_ms "$(num "${S[text,warm_p50_ms]}")" --argjson text_warm_p99_ms "$(num "${S[text,warm_p99_ms]}")" \
  --arg onnx_status "${S[onnx,status]}" --argjson onnx_cold_ms "$(num "${S[onnx,cold_ms]}")" \
  --argjson onnx_start_ms "$(num "${S[onnx,start_ms]}")" \
  --argjson onnx_warm_p50_ms "$(num "${S[onnx,warm_p50_ms]}")" --argjson onnx_warm_p99_ms "$(num "${S[onnx,warm_p99_ms]}")" \
  '{bench: "gateway"} + $ARGS.named')"
[ -z "$JSON_OUT" ] || printf '%s\n' "$json" >"$JSON_OUT"
echo
printf '%s\n' "$json"
