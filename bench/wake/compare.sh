#!/usr/bin/env bash
# Paired wake comparison of two revisions, as bench/gateway/compare.sh is for the gateway: both servers run at
# once, each with the text-classifier sample deployed twice (one provisioned instance in idle mode, one always
# warm), and the wake client alternates between them round after round (-n pairs of an idle and a warm request
# per round and side), so that whatever else loads the machine weighs on both alike. Prints, per revision, the
# medians over rounds of idle p50/p99, warm p50/p99 and the pair difference p50, and the medians of the paired
# differences (b - a). See bench/README.md.
#
#   bench/wake/compare.sh [-r ROUNDS] [-n PAIRS] BASE_REV NEW_REV     e.g. HEAD~3 HEAD
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=../lib/common.sh
. "$repo/bench/lib/common.sh"

ROUNDS=8
PAIRS=40
while [ $# -gt 0 ]; do
  case "$1" in
    -r|--rounds) ROUNDS="$2"; shift 2;;
    -n|--pairs) PAIRS="$2"; shift 2;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0;;
    -*) die "unknown option '$1'";;
    *) break;;
  esac
done
[ $# -eq 2 ] || die "give two revisions, e.g. compare.sh HEAD~1 HEAD"
for tool in jq curl git python3; do command -v "$tool" >/dev/null 2>&1 || die "$tool is needed"; done

work="$(mktemp -d "${TMPDIR:-/tmp}/stasis-bench-wake-compare.XXXXXX")"
pids=()
cleanup() {
  for p in "${pids[@]}"; do stop_pid "$p" 30; done
  rm -rf "$work"
}
trap cleanup EXIT
printf 'Nice to meet you' >"$work/body.txt"

deploy() { # $1 server, $2 name, $3 code dir
  local spec
  spec="$(jq -n --arg name "$2" --arg code "$3" '{functionName: $name, runtime: "custom-container", code: $code,
    timeout: 60, memorySize: 512, cpu: 1, instanceConcurrency: 1, maxInstances: 1,
    customContainerConfig: {entrypoint: ["python3"], command: ["app.py"], port: 9000},
    instanceLifecycleConfig: {initializer: {handler: "not-used", timeout: 60}},
    triggers: [{triggerName: "http", triggerType: "http", triggerConfig: {authType: "anonymous", methods: ["GET", "POST"]}}]}')"
  curl -sf -o /dev/null --max-time 60 -X PUT -H 'Content-Type: application/json' --data-binary "$spec" "$1/api/v1/functions/$2" \
    || die "deploying $2 on $1 failed"
}

provision() { # $1 server, $2 name, $3 alwaysAllocateCPU
  curl -sf -o /dev/null --max-time 30 -X PUT -H 'Content-Type: application/json' \
    --data-binary "{\"defaultTarget\":1,\"alwaysAllocateCPU\":$3}" "$1/api/v1/functions/$2/provision" || die "provisioning $2 on $1 failed"
}

wait_provisioned() { # $1 server, $2 name, $3 frozen count
  local deadline=$((SECONDS + 180)) p
  while [ "$SECONDS" -lt "$deadline" ]; do
    p="$(curl -s --max-time 5 "$1/api/v1/functions/$2/provision" || true)"
    [ "$(jq -r '.current // 0' <<<"$p")" = 1 ] && [ "$(jq -r '.frozen // 0' <<<"$p")" = "$3" ] && return 0
    sleep 0.2
  done
  die "$2 on $1 did not reach its provisioned state: $p"
}

# Each revision is exported and built on its own (Release, through its ./stasis), outside the checkout.
declare -A url
for side in a b; do
  rev="$([ "$side" = a ] && echo "$1" || echo "$2")"
  mkdir -p "$work/$side"
  git -C "$repo" archive "$rev" | tar -x -C "$work/$side"
  log "building $rev"
  "$work/$side/stasis" --help >"$work/$side.build.log" 2>&1 || { cat "$work/$side.build.log" >&2; die "$rev did not build"; }
  port="$(free_port)"
  url[$side]="http://127.0.0.1:$port"
  "$work/$side/stasis" server --listen "127.0.0.1:$port" --data "$work/$side-data" >"$work/$side.log" 2>&1 &
  pids+=("$!")
  wait_http "${url[$side]}/api/v1/status" 120 "$!" || die "server $side did not start (log: $work/$side.log)"
  code="$work/$side/samples/text-classifier-python"
  deploy "${url[$side]}" wake-idle "$code"
  deploy "${url[$side]}" wake-warm "$code"
  provision "${url[$side]}" wake-idle false
  provision "${url[$side]}" wake-warm true
done
for side in a b; do
  wait_provisioned "${url[$side]}" wake-idle 1
  wait_provisioned "${url[$side]}" wake-warm 0
done

warn_if_busy >/dev/null || true
log "$ROUNDS rounds of $PAIRS idle/warm pairs per side, alternating"
: >"$work/rows"
for ((r = 1; r <= ROUNDS; r++)); do
  for side in a b; do
    out="$(timeout 600 python3 "$here/client.py" --server "${url[$side]}" --idle wake-idle --warm wake-warm \
      --body "$work/body.txt" --content-type text/plain -n "$PAIRS" --warmup "$([ "$r" = 1 ] && echo 10 || echo 2)" --cpu-seconds 0)" \
      || die "the wake client failed on side $side in round $r"
    jq -c --arg s "$side" --argjson r "$r" '{side: $s, round: $r, idle_p50_us, idle_p99_us, warm_p50_us, warm_p99_us, diff_p50_us}' <<<"$out" >>"$work/rows"
  done
done

jq -s -r --arg A "$1" --arg B "$2" '
  def median: sort | if length == 0 then null elif length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  def side($s): map(select(.side == $s));
  def fmt: if . == null then "-" else (. * 10 | round / 10 | tostring) end;
  . as $rows
  | ["idle_p50_us", "idle_p99_us", "warm_p50_us", "warm_p99_us", "diff_p50_us"] as $keys
  | (["figure (us)", $A, $B, "paired b - a", "change"] | @tsv),
    ($keys[] as $k
      | ($rows | side("a") | map(.[$k]) | median) as $a
      | ($rows | side("b") | map(.[$k]) | median) as $b
      | ([range(1; ($rows | map(.round) | max) + 1)] | map(. as $r | ($rows | map(select(.round == $r)))
          | (map(select(.side == "b"))[0][$k]) - (map(select(.side == "a"))[0][$k])) | median) as $d
      | [$k, ($a | fmt), ($b | fmt), ($d | fmt), (if $a == null or $a == 0 then "-" else ((($b - $a) / $a * 1000 | round) / 10 | tostring) + " %" end)] | @tsv)
' "$work/rows" | column -t -s $'\t'
