#!/usr/bin/env bash
# Paired gateway comparison of two revisions: both servers run at once, each with the gateway benchmark's
# backend deployed, and wrk alternates between them round after round, so that whatever else loads the
# machine weighs on both alike. Prints the medians per revision and of the paired differences. See bench/README.md.
#
#   bench/gateway/compare.sh [-r ROUNDS] [-d SECONDS] [-A ARGS] [-B ARGS] BASE_REV NEW_REV     e.g. main faults
#
# -A/-B add server options to the first/second server, e.g. -A --unsafe-no-sandbox HEAD HEAD: the same
# code with instances as bare processes and in their sandbox.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=../lib/common.sh
. "$repo/bench/lib/common.sh"

ROUNDS=8
DURATION=3
declare -A extra=([a]="" [b]="")
while [ $# -gt 0 ]; do
  case "$1" in
    -A) extra[a]="$2"; shift 2;;
    -B) extra[b]="$2"; shift 2;;
    -r|--rounds) ROUNDS="$2"; shift 2;;
    -d|--duration) DURATION="$2"; shift 2;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0;;
    -*) die "unknown option '$1'";;
    *) break;;
  esac
done
[ $# -eq 2 ] || die "give two revisions, e.g. compare.sh main HEAD"
for tool in wrk nginx jq curl git; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || die "$tool is needed"
done

work="$(mktemp -d "${TMPDIR:-/tmp}/stasis-bench-compare.XXXXXX")"
pids=()
cleanup() {
  for p in "${pids[@]}"; do stop_pid "$p" 30; done
  rm -rf "$work"
}
trap cleanup EXIT

# Each revision is exported and built on its own (Release, through its ./stasis), outside the checkout.
declare -A port pid
for side in a b; do
  rev="$([ "$side" = a ] && echo "$1" || echo "$2")"
  mkdir -p "$work/$side"
  git -C "$repo" archive "$rev" | tar -x -C "$work/$side"
  log "building $rev"
  "$work/$side/stasis" --help >"$work/$side.build.log" 2>&1 || { cat "$work/$side.build.log" >&2; die "$rev did not build"; }
  port[$side]="$(free_port)"
  # shellcheck disable=SC2086 # the extra options are words
  "$work/$side/stasis" server --listen "127.0.0.1:${port[$side]}" --data "$work/$side-data" ${extra[$side]} >"$work/$side.log" 2>&1 &
  pid[$side]=$!
  pids+=("${pid[$side]}")
done

for side in a b; do
  wait_http "http://127.0.0.1:${port[$side]}/api/v1/status" 120 "${pid[$side]}" || die "server $side did not start (log: $work/$side.log)"
  spec="$(jq -n --arg code "$work/$side/bench/gateway/backend" '{functionName: "gw-backend", runtime: "custom-container",
    code: $code, timeout: 30, memorySize: 256, instanceConcurrency: 200, maxInstances: 1,
    environmentVariables: {BACKEND_LISTEN: "127.0.0.1"},
    customContainerConfig: {entrypoint: ["bash"], command: ["start.sh"], port: 9000},
    triggers: [{triggerName: "http", triggerType: "http", triggerConfig: {authType: "anonymous", methods: ["GET", "POST"]}}]}')"
  curl -sf -o /dev/null -X PUT -H 'Content-Type: application/json' --data-binary "$spec" \
    "http://127.0.0.1:${port[$side]}/api/v1/functions/gw-backend" || die "deploy on server $side failed"
  curl -sf -o /dev/null --max-time 60 "http://127.0.0.1:${port[$side]}/fn/gw-backend/" || die "server $side does not answer"
done

# The server process is the one whose command line has the port (./stasis execs the built program).
server_pid() { pgrep -f -- "--listen 127.0.0.1:$1" | while read -r p; do [ -r "/proc/$p/stat" ] && echo "$p"; done | tail -1; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz="$(getconf CLK_TCK)"
declare -A spid
for side in a b; do spid[$side]="$(server_pid "${port[$side]}")"; done

log "warm-up: 20 s of 64 connections on each (the tiered JIT settles)"
for side in a b; do wrk -t2 -c64 -d20s "http://127.0.0.1:${port[$side]}/fn/gw-backend/" >/dev/null; done

log "$ROUNDS rounds of ${DURATION}s per target and connection count"
echo "round conns side req_s p50_us cpu_us_per_req" >"$work/rows"
for ((r = 1; r <= ROUNDS; r++)); do
  for conns in 1 64; do
    for side in a b; do
      c0="$(cpu_ticks "${spid[$side]}")"
      out="$(wrk -t"$([ "$conns" = 1 ] && echo 1 || echo 2)" -c"$conns" -d"${DURATION}s" --latency "http://127.0.0.1:${port[$side]}/fn/gw-backend/")"
      c1="$(cpu_ticks "${spid[$side]}")"
      echo "$out" | awk -v r="$r" -v c="$conns" -v s="$side" -v c0="$c0" -v c1="$c1" -v hz="$hz" '
        /requests in/ { n = $1 }
        /Requests\/sec/ { rps = $2 }
        $1 == "50%" { v = $2; if (v ~ /ms$/) p = v * 1000; else if (v ~ /us$/) p = v + 0; else p = v * 1e6 }
        END { printf "%d %d %s %.0f %.0f %.1f\n", r, c, s, rps, p, (c1 - c0) / hz * 1e6 / n }' >>"$work/rows"
    done
  done
done

# Medians per side, and of the paired differences (b - a) of each round.
awk -v A="$1" -v B="$2" '
  NR == 1 { next }
  { k = $2 " " $3; rps[k, ++n[k]] = $4; p50[k, n[k]] = $5; cpu[k, n[k]] = $6 }
  function median(arr, key, count,   i, j, t, v) {
    for (i = 1; i <= count; i++) v[i] = arr[key, i]
    for (i = 1; i <= count; i++) for (j = i + 1; j <= count; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
    return count % 2 ? v[(count + 1) / 2] : (v[count / 2] + v[count / 2 + 1]) / 2
  }
  END {
    printf "%-6s %-24s %10s %10s %14s\n", "conns", "revision", "req/s", "p50 (us)", "cpu/req (us)"
    for (c = 1; c <= 64; c += 63) {
      for (s = 0; s < 2; s++) {
        side = s ? "b" : "a"; k = c " " side
        printf "%-6d %-24s %10.0f %10.0f %14.1f\n", c, (s ? B : A), median(rps, k, n[k]), median(p50, k, n[k]), median(cpu, k, n[k])
      }
      for (i = 1; i <= n[c " a"]; i++) d[c, i] = cpu[c " b", i] - cpu[c " a", i]
      printf "%-6d %-24s %10s %10s %+14.1f\n", c, "paired cpu/req (b - a)", "", "", median(d, c, n[c " a"])
    }
  }' "$work/rows"
