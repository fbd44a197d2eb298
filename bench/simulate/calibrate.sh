#!/usr/bin/env bash
# Calibration of the simulator against the real server (issue 6): the same compressed trace window,
# replayed once on a real Stasis server with the sleeping bench function (bench/scheduling, policy
# join-idle-queue, N provisioned always-warm instances) and once in `stasis simulate` with the same
# arrivals, service times, instances and mode; both results side by side. See bench/README.md.
#
#   bench/simulate/calibrate.sh [-n INSTANCES] [--requests K] [--arrivals poisson|trace] [options]
#
# Target: simulator and real server within 10 % on latency p50, p90 and instance-seconds. The last
# line of output is one JSON object with every figure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
sched="$repo/bench/scheduling"

INSTANCES=4
REQUESTS=1500
UTILISATION=0.7
OFFSET=0
MODEL="5,0.002,1.0"
ARRIVALS="poisson"     # the steady case; trace keeps the window's bursts
TOLERANCE=0.10
TRACE=""
REAL_JSON=""           # reuse the JSON line of an earlier bench/scheduling/run.sh instead of running it
JSON_OUT=""

usage() {
  cat <<EOF2
usage: bench/simulate/calibrate.sh [options]
  -n, --instances N      provisioned instances, also maxInstances (default $INSTANCES)
      --requests K       consecutive trace rows (default $REQUESTS)
      --utilisation U    target utilisation of the N instances (default $UTILISATION)
      --offset ROW       first trace row of the window (default $OFFSET)
      --model A,B,C      service_ms = A + B * ContextTokens + C * GeneratedTokens (default $MODEL)
      --arrivals MODE    poisson (default) or trace, as bench/scheduling/run.sh takes it
      --tolerance T      largest relative difference that passes (default $TOLERANCE)
      --trace FILE       the trace (default: shared/traces/AzureLLMInferenceTrace_code.csv next to the checkout)
      --real-json FILE   take the real server's figures from this bench/scheduling/run.sh --json file
                         (run with the same options) instead of running it
      --json FILE        also write the final JSON line to FILE
  -h, --help             this text
EOF2
}

need_arg() { [ $# -ge 2 ] || { echo "calibrate.sh: $1 needs a value" >&2; usage >&2; exit 2; }; }
while [ $# -gt 0 ]; do
  case "$1" in
    -n|--instances) need_arg "$@"; INSTANCES="$2"; shift 2;;
    --requests) need_arg "$@"; REQUESTS="$2"; shift 2;;
    --utilisation|--utilization) need_arg "$@"; UTILISATION="$2"; shift 2;;
    --offset) need_arg "$@"; OFFSET="$2"; shift 2;;
    --model) need_arg "$@"; MODEL="$2"; shift 2;;
    --arrivals) need_arg "$@"; ARRIVALS="$2"; shift 2;;
    --tolerance) need_arg "$@"; TOLERANCE="$2"; shift 2;;
    --trace) need_arg "$@"; TRACE="$2"; shift 2;;
    --real-json) need_arg "$@"; REAL_JSON="$2"; shift 2;;
    --json) need_arg "$@"; JSON_OUT="$2"; shift 2;;
    -h|--help) usage; exit 0;;
    *) echo "calibrate.sh: unknown option '$1'" >&2; usage >&2; exit 2;;
  esac
done
for v in INSTANCES REQUESTS OFFSET; do
  case "${!v}" in ''|*[!0-9]*) echo "calibrate.sh: $v must be a whole number, not '${!v}'" >&2; exit 2;; esac
done
case "$ARRIVALS" in trace|poisson) ;; *) echo "calibrate.sh: --arrivals must be trace or poisson" >&2; exit 2;; esac
awk -v t="$TOLERANCE" 'BEGIN { exit !(t ~ /^[0-9]*\.?[0-9]+$/ && t > 0 && t < 10) }' \
  || { echo "calibrate.sh: --tolerance must be a positive number, not '$TOLERANCE'" >&2; exit 2; }
[ -z "$REAL_JSON" ] || [ -r "$REAL_JSON" ] || { echo "calibrate.sh: cannot read '$REAL_JSON'" >&2; exit 2; }

if [ -z "$TRACE" ]; then
  for d in "$repo/shared/traces" "$repo/../shared/traces" "$repo/../../shared/traces"; do
    if [ -f "$d/AzureLLMInferenceTrace_code.csv" ]; then TRACE="$(cd "$d" && pwd)/AzureLLMInferenceTrace_code.csv"; break; fi
  done
  [ -n "$TRACE" ] || { echo "calibrate.sh: AzureLLMInferenceTrace_code.csv not found under shared/traces next to the checkout; give --trace FILE" >&2; exit 2; }
fi
for tool in jq python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "calibrate.sh: missing $tool; install with: apt-get install -y $tool" >&2; exit 1; }
done

work="$(mktemp -d "${TMPDIR:-/tmp}/stasis-calibrate.XXXXXX")"
trap 'rm -rf "$work"' EXIT
log() { echo "# $*" >&2; }

# ---------------------------------------------------------------------------------------------
# 1. The window, as bench/scheduling/replay.py plans it, written as a plain trace for the simulator:
#    timestamp (seconds from the window's start), function, service_ms.

plan_json="$(python3 - "$sched" "$TRACE" "$OFFSET" "$REQUESTS" "$INSTANCES" "$UTILISATION" "$MODEL" "$ARRIVALS" "$work/plan.csv" <<'PY'
import argparse, json, sys
sys.path.insert(0, sys.argv[1])
import replay
trace, offset, requests, instances, util, model, arrivals, out = sys.argv[2:10]
a = argparse.Namespace(trace=trace, offset=int(offset), requests=int(requests), instances=int(instances),
                       utilisation=float(util), model=tuple(float(x) for x in model.split(",")),
                       arrivals=arrivals, seed=1)  # seed 1: replay.py's default, which run.sh uses
p = replay.plan(a)
with open(out, "w") as f:
    f.write("timestamp,function,service_ms\n")
    for t, s in zip(p["offsets"], p["service"]):
        f.write(f"{t:.7f},bench,{s:.4f}\n")
fig = p["figures"]
fig["service_total_s"] = round(sum(p["service"]) / 1000, 3)
fig["last_arrival_s"] = round(p["offsets"][-1], 3)
print(json.dumps(fig))
PY
)" || { echo "calibrate.sh: the trace window could not be planned" >&2; exit 2; }
pj() { jq -r --arg k "$1" '.[$k] | tostring' <<<"$plan_json"; }
log "window: $REQUESTS rows from $OFFSET, $ARRIVALS arrivals over $(pj last_arrival_s) s, mean service $(pj service_mean_ms) ms, $INSTANCES instances at $UTILISATION"

# ---------------------------------------------------------------------------------------------
# 2. Simulator: the bench function's settings (instanceConcurrency 1, maxInstances N, the queue
#    limit run.sh deploys with), N provisioned instances always allocated.

cat >"$work/s.yaml" <<EOF2
edition: 3.0.0
name: calibrate
access: default
resources:
  bench:
    component: fc3
    props:
      functionName: bench
      description: scheduling benchmark function, sleeps x-bench-service-ms
      runtime: custom-container
      handler: not-used
      timeout: 60
      memorySize: 128
      instanceConcurrency: 1
      maxInstances: $INSTANCES
      maxQueueLength: 100000
      schedulingPolicy: join-idle-queue
      customContainerConfig:
        entrypoint: [python3]
        command: [app.py]
        port: 9000
EOF2
log "simulator: stasis simulate --mode always --target $INSTANCES"
"$repo/stasis" simulate --trace "$work/plan.csv" --service-model column -t "$work/s.yaml" --function bench \
  --target "$INSTANCES" --mode always -o json --no-chart >"$work/sim.json" \
  || { echo "calibrate.sh: stasis simulate failed" >&2; exit 1; }
sim="$(jq -c '.runs[0] | del(.timeline)' "$work/sim.json")"
sj() { jq -r "$1 | tostring" <<<"$sim"; }
[ "$(sj .refused)" = 0 ] || log "WARNING: the simulator refused $(sj .refused) requests"

# ---------------------------------------------------------------------------------------------
# 3. Real server: bench/scheduling/run.sh, join-idle-queue only, the same window.

if [ -n "$REAL_JSON" ]; then
  real_all="$(tail -n 1 "$REAL_JSON")"
  log "real server: figures from $REAL_JSON"
else
  log "real server: bench/scheduling/run.sh --policies join-idle-queue (builds and starts a server; a few minutes)"
  "$sched/run.sh" -n "$INSTANCES" --requests "$REQUESTS" --utilisation "$UTILISATION" --offset "$OFFSET" \
    --model "$MODEL" --arrivals "$ARRIVALS" --trace "$TRACE" --policies join-idle-queue \
    --json "$work/real.json" >"$work/real.out" || { cat "$work/real.out" >&2; echo "calibrate.sh: the real replay failed" >&2; exit 1; }
  real_all="$(tail -n 1 "$work/real.json")"
fi
for k in requests instances utilisation arrivals offset model; do
  a="$(jq -r --arg k "$k" '.[$k] | tostring' <<<"$real_all")" b="$(pj "$k")"
  [ "$a" = "$b" ] || { echo "calibrate.sh: the real run's $k is '$a', the window's '$b'; run them with the same options" >&2; exit 2; }
done
real="$(jq -c '.policies["join-idle-queue"]' <<<"$real_all")"
[ "$(jq -r '.status' <<<"$real")" = ok ] || { echo "calibrate.sh: the real join-idle-queue run did not complete: $(jq -c . <<<"$real")" >&2; exit 1; }
rj() { jq -r "$1 | tostring" <<<"$real"; }

# ---------------------------------------------------------------------------------------------
# 4. Side by side.
#   latency: real = client send to end of body (HTTP and gateway included); simulator = arrival to
#            completion in virtual time (no overhead);
#   instance-seconds: N always-allocated instances over the run, first send to last answer
#            (real: N x elapsed) and first arrival to last completion (simulator: active + idle s);
#   busy seconds: real = sum of the instances' busyMs over the replay; simulator = sum of the
#            service times it served (each request holds its instance exactly that long).

real_p50="$(rj .latency_p50_ms)" real_p90="$(rj .latency_p90_ms)" real_p99="$(rj .latency_p99_ms)"
real_inst="$(jq -r --argjson n "$INSTANCES" '(.elapsed_s * $n * 1000 | round) / 1000' <<<"$real")"
real_busy="$(jq -r '([.instance_figures[].busy // 0] | add) / 1000 | . * 1000 | round / 1000' <<<"$real")"
sim_p50="$(sj .latencyMs.p50)" sim_p90="$(sj .latencyMs.p90)" sim_p99="$(sj .latencyMs.p99)"
sim_inst="$(jq -r '((.activeSeconds + .idleSeconds) * 1000 | round) / 1000' <<<"$sim")"
sim_busy="$(awk -F, -v served="$(sj .served)" -v reqs="$(sj .requests)" \
  'NR > 1 { s += $3 } END { if (served == reqs) printf "%.3f", s / 1000; else print "null" }' "$work/plan.csv")"

rel() { awk -v s="$1" -v r="$2" 'BEGIN { if (s == "null" || r == "null" || r + 0 == 0) print "null"; else printf "%.4f", (s - r) / r }'; }
pc() { awk -v x="$1" 'BEGIN { if (x == "null") print "n/a"; else printf "%+.1f%%", x * 100 }'; }
ok() { awk -v x="$1" -v t="$TOLERANCE" 'BEGIN { if (x == "null") print "n/a"; else print ((x < 0 ? -x : x) <= t) ? "ok" : "MISSED" }'; }
d_p50="$(rel "$sim_p50" "$real_p50")" d_p90="$(rel "$sim_p90" "$real_p90")" d_p99="$(rel "$sim_p99" "$real_p99")"
d_inst="$(rel "$sim_inst" "$real_inst")" d_busy="$(rel "$sim_busy" "$real_busy")"

# The same simulation with each service time lengthened by the hold overhead the real server
# measured: (real busy - planned service) / requests served, the time an instance is held beyond the
# function's sleep (the gateway's forward to the instance, Python's HTTP handling, sleep overshoot).
# Shown beside the plain run; the target is judged on the plain run.
over_ms="$(awk -v r="$real_busy" -v s="$sim_busy" -v n="$(rj .ok)" 'BEGIN { if (s == "null" || n + 0 == 0) print "null"; else printf "%.3f", (r - s) * 1000 / n }')"
adj_p50=null adj_p90=null adj_p99=null adj_inst=null
if [ "$over_ms" != null ] && awk -v o="$over_ms" 'BEGIN { exit !(o > 0) }'; then
  awk -F, -v OFS=, -v o="$over_ms" 'NR == 1 { print; next } { $3 = sprintf("%.4f", $3 + o); print }' "$work/plan.csv" >"$work/plan-adj.csv"
  if "$repo/stasis" simulate --trace "$work/plan-adj.csv" --service-model column -t "$work/s.yaml" --function bench \
       --target "$INSTANCES" --mode always -o json --no-chart >"$work/sim-adj.json"; then
    adj="$(jq -c '.runs[0] | del(.timeline)' "$work/sim-adj.json")"
    adj_p50="$(jq -r '.latencyMs.p50' <<<"$adj")" adj_p90="$(jq -r '.latencyMs.p90' <<<"$adj")" adj_p99="$(jq -r '.latencyMs.p99' <<<"$adj")"
    adj_inst="$(jq -r '((.activeSeconds + .idleSeconds) * 1000 | round) / 1000' <<<"$adj")"
  else
    log "WARNING: the simulation with the measured overhead failed"
  fi
fi
a_p50="$(rel "$adj_p50" "$real_p50")" a_p90="$(rel "$adj_p90" "$real_p90")" a_p99="$(rel "$adj_p99" "$real_p99")" a_inst="$(rel "$adj_inst" "$real_inst")"

cpus="$(nproc 2>/dev/null || echo 1)"
tol_pc="$(awk -v t="$TOLERANCE" 'BEGIN { printf "%g", t * 100 }')"
echo
echo "Calibration: the simulator against the real server ($cpus CPUs), join-idle-queue, $INSTANCES always-warm instances, instanceConcurrency 1"
echo "window: $(pj trace) rows $OFFSET..$((OFFSET + REQUESTS - 1)), $ARRIVALS arrivals, $(pj offered_rps) req/s over $(pj last_arrival_s) s, utilisation $UTILISATION"
echo "service: $(pj model) (ms); mean $(pj service_mean_ms), p50 $(pj service_p50_ms), p90 $(pj service_p90_ms), max $(pj service_max_ms)"
echo
printf '%-26s %12s %12s %10s %8s\n' figure real simulator "sim-real" "<=${tol_pc}%"
printf '%-26s %12s %12s %10s %8s\n' "latency p50 (ms)" "$real_p50" "$sim_p50" "$(pc "$d_p50")" "$(ok "$d_p50")"
printf '%-26s %12s %12s %10s %8s\n' "latency p90 (ms)" "$real_p90" "$sim_p90" "$(pc "$d_p90")" "$(ok "$d_p90")"
printf '%-26s %12s %12s %10s %8s\n' "latency p99 (ms)" "$real_p99" "$sim_p99" "$(pc "$d_p99")" "(info)"
printf '%-26s %12s %12s %10s %8s\n' "instance-seconds" "$real_inst" "$sim_inst" "$(pc "$d_inst")" "$(ok "$d_inst")"
printf '%-26s %12s %12s %10s %8s\n' "busy (active) seconds" "$real_busy" "$sim_busy" "$(pc "$d_busy")" "(info)"
printf '%-26s %12s %12s\n' "requests served / lost" "$(rj .ok) / $(rj .lost)" "$(sj .served) / $(sj .refused)"
echo
echo "the simulator again with each service time + $over_ms ms, the hold overhead per request the real server measured:"
printf '%-26s %12s %12s %10s %8s\n' "latency p50 (ms)" "$real_p50" "$adj_p50" "$(pc "$a_p50")" "$(ok "$a_p50")"
printf '%-26s %12s %12s %10s %8s\n' "latency p90 (ms)" "$real_p90" "$adj_p90" "$(pc "$a_p90")" "$(ok "$a_p90")"
printf '%-26s %12s %12s %10s %8s\n' "latency p99 (ms)" "$real_p99" "$adj_p99" "$(pc "$a_p99")" "(info)"
printf '%-26s %12s %12s %10s %8s\n' "instance-seconds" "$real_inst" "$adj_inst" "$(pc "$a_inst")" "$(ok "$a_inst")"
echo
echo "real: latency from the client's send to the end of the body, so it holds the HTTP and gateway overhead"
echo "      (about 1 ms a request on this machine) that the simulator does not model; instance-seconds = $INSTANCES x"
echo "      $(rj .elapsed_s) s (first send to last answer); busy = sum of the instances' busyMs; client send lag p99 $(rj .send_lag_p99_ms) ms"
echo "simulator: virtual time, no overhead; instance-seconds = active + idle seconds of the always-allocated"
echo "      instances over $(sj .spanSeconds) s; busy = sum of the service times served"
echo "reference (replay.py's own model, one shared FIFO queue): p50 $(pj sim_shared_queue_p50_ms), p90 $(pj sim_shared_queue_p90_ms) ms"

verdict=ok
for x in "$d_p50" "$d_p90" "$d_inst"; do [ "$(ok "$x")" = ok ] || verdict=MISSED; done
echo
adj_verdict=ok
for x in "$a_p50" "$a_p90" "$a_inst"; do [ "$(ok "$x")" = ok ] || adj_verdict=MISSED; done
echo "target: p50, p90 and instance-seconds within ${tol_pc}%: $verdict (with the measured hold overhead: $adj_verdict)"

json="$(jq -cn --argjson plan "$plan_json" --argjson real "$real" --argjson sim "$sim" --argjson cpus "$cpus" \
  --argjson tol "$TOLERANCE" --arg verdict "$verdict" \
  --argjson rp50 "$real_p50" --argjson rp90 "$real_p90" --argjson rp99 "$real_p99" --argjson rinst "$real_inst" --argjson rbusy "$real_busy" \
  --argjson sp50 "$sim_p50" --argjson sp90 "$sim_p90" --argjson sp99 "$sim_p99" --argjson sinst "$sim_inst" --argjson sbusy "$sim_busy" \
  --argjson over "$over_ms" --arg adj_verdict "$adj_verdict" --argjson ap50 "$adj_p50" --argjson ap90 "$adj_p90" \
  --argjson ap99 "$adj_p99" --argjson ainst "$adj_inst" --argjson xp50 "$a_p50" --argjson xp90 "$a_p90" --argjson xp99 "$a_p99" --argjson xinst "$a_inst" \
  --argjson dp50 "$d_p50" --argjson dp90 "$d_p90" --argjson dp99 "$d_p99" --argjson dinst "$d_inst" --argjson dbusy "$d_busy" \
  '{bench: "calibrate", cpus: $cpus, policy: "join-idle-queue", tolerance: $tol, verdict: $verdict}
   + ($plan | {trace, offset, requests, instances, utilisation, arrivals, model, service_mean_ms, offered_rps, last_arrival_s,
               service_total_s, sim_shared_queue_p50_ms, sim_shared_queue_p90_ms})
   + {real: {latency_p50_ms: $rp50, latency_p90_ms: $rp90, latency_p99_ms: $rp99, instance_seconds: $rinst, busy_seconds: $rbusy,
             ok: $real.ok, lost: $real.lost, elapsed_s: $real.elapsed_s, send_lag_p99_ms: $real.send_lag_p99_ms,
             queue_p50_ms: $real.queue_p50_ms, queue_p90_ms: $real.queue_p90_ms},
      simulator: {latency_p50_ms: $sp50, latency_p90_ms: $sp90, latency_p99_ms: $sp99, instance_seconds: $sinst, busy_seconds: $sbusy,
                  served: $sim.served, refused: $sim.refused, span_s: $sim.spanSeconds, active_seconds: $sim.activeSeconds,
                  idle_seconds: $sim.idleSeconds, queue_p50_ms: $sim.queueWaitMs.p50, queue_p90_ms: $sim.queueWaitMs.p90},
      diff: {latency_p50: $dp50, latency_p90: $dp90, latency_p99: $dp99, instance_seconds: $dinst, busy_seconds: $dbusy},
      with_overhead: {hold_overhead_ms: $over, verdict: $adj_verdict, latency_p50_ms: $ap50, latency_p90_ms: $ap90,
                      latency_p99_ms: $ap99, instance_seconds: $ainst,
                      diff: {latency_p50: $xp50, latency_p90: $xp90, latency_p99: $xp99, instance_seconds: $xinst}}}')"
[ -z "$JSON_OUT" ] || printf '%s\n' "$json" >"$JSON_OUT"
echo
printf '%s\n' "$json"
