#!/usr/bin/env bash
# Sandbox benchmark: what running every instance in its OCI sandbox (runc, user/pid/mount/ipc/uts/net
# namespaces, seccomp) costs, next to the same sample as a bare process (--unsafe-no-sandbox), in one
# run: cold start (deploy, first request), warm requests and thawed requests (idle mode, frozen
# between requests), p50 and p99. Two servers run side by side and every measurement alternates
# between them. See bench/README.md.
#
#   bench/sandbox/run.sh [-n COUNT] [-c COLD]
#
# Everything it starts is stopped on exit. The last line is one JSON object with every figure (ms).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=../lib/common.sh
. "$repo/bench/lib/common.sh"

COUNT=300   # warm and thawed requests per server
COLD=10     # cold starts per server
while [ $# -gt 0 ]; do
  case "$1" in
    -n|--count) COUNT="$2"; shift 2;;
    -c|--cold) COLD="$2"; shift 2;;
    -h|--help) sed -n 2,12p "$0"; exit 0;;
    *) die "unknown option '$1'";;
  esac
done
case "$COUNT$COLD" in *[!0-9]*|'') die "counts must be whole numbers";; esac
[ "$COUNT" -ge 10 ] && [ "$COUNT" -le 100000 ] && [ "$COLD" -ge 1 ] && [ "$COLD" -le 1000 ] || die "COUNT 10..100000, COLD 1..1000"

work="$(mktemp -d /tmp/stasis-bench-sandbox.XXXXXX)"
pids=()
cleanup() { for p in "${pids[@]}"; do stop_pid "$p" 20; done; rm -rf "$work"; }
trap cleanup EXIT INT TERM
warn_if_busy >/dev/null || true

"$repo/stasis" --help >/dev/null   # builds the CLI once, before anything is timed
sample="$repo/samples/text-classifier-python"

start_server() { # $1 name, rest: options; sets URL (not in a subshell: pids must reach cleanup)
  local name="$1"; shift
  local port; port="$(free_port)"
  # The system PATH for both: a bare instance inherits the server's, where a version manager's shim
  # (pyenv) would put a slow script in front of python3; a sandboxed one always gets the system's.
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$repo/stasis" server --listen "127.0.0.1:$port" --data "$work/$name" "$@" >"$work/$name.log" 2>&1 &
  pids+=("$!")
  wait_http "http://127.0.0.1:$port/api/v1/status" 60 "$!" || { cat "$work/$name.log" >&2; die "$name did not start"; }
  URL="http://127.0.0.1:$port"
}

start_server sandboxed; SANDBOXED="$URL"
start_server bare --unsafe-no-sandbox; BARE="$URL"
log "sandboxed: $SANDBOXED ($(curl -s "$SANDBOXED/api/v1/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["runtimeDetails"]["sandbox"])'))"
log "bare:      $BARE"

# One s.yaml per function name, from the sample's (the code directory is the sample's).
spec() { # $1 function name -> path of its s.yaml
  sed -e "s#functionName: text-classifier#functionName: $1#" -e "s#code: ./#code: $sample#" "$sample/s.yaml" >"$work/$1.yaml"
  echo "$work/$1.yaml"
}
deploy() { "$repo/stasis" deploy --endpoint "$1" -t "$(spec "$2")" >/dev/null; }
remove() { "$repo/stasis" remove "$2" --endpoint "$1" >/dev/null 2>&1 || true; }
invoke() { # $1 server, $2 function -> milliseconds of one request
  curl -s -o /dev/null -w '%{time_total}\n' -H 'Content-Type: text/plain' --data 'Nice to meet you' --max-time 60 "$1/fn/$2/invoke" \
    | awk '{ printf "%.3f\n", $1 * 1000 }'
}

log "cold starts: $COLD per server, alternating"
for ((i = 0; i < COLD; i++)); do
  for which in sandboxed bare; do
    url="$SANDBOXED"; [ "$which" = bare ] && url="$BARE"
    deploy "$url" "cold-$i"
    invoke "$url" "cold-$i" >>"$work/cold.$which"
    curl -s "$url/api/v1/functions/cold-$i/instances" | python3 -c '
import json, sys, datetime
i = json.load(sys.stdin)[0]
p = lambda s: datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
print("%.3f" % ((p(i["readyAt"]) - p(i["startedAt"])).total_seconds() * 1000))' >>"$work/start.$which"
    remove "$url" "cold-$i"
  done
done

log "warm: $COUNT requests per server, alternating"
for url in "$SANDBOXED" "$BARE"; do deploy "$url" warm; invoke "$url" warm >/dev/null; done
for ((i = 0; i < COUNT; i++)); do
  invoke "$SANDBOXED" warm >>"$work/warm.sandboxed"
  invoke "$BARE" warm >>"$work/warm.bare"
done

log "thawed: $COUNT requests per server to an idle-mode instance, frozen before each"
for url in "$SANDBOXED" "$BARE"; do
  deploy "$url" idle
  "$repo/stasis" provision put idle --target 1 --always-allocate-cpu false --endpoint "$url" >/dev/null
done
frozen() { curl -s "$1/api/v1/functions/idle/instances" | grep -q '"state":"Frozen"'; }
for ((i = 0; i < COUNT; i++)); do
  for which in sandboxed bare; do
    url="$SANDBOXED"; [ "$which" = bare ] && url="$BARE"
    for ((w = 0; w < 200; w++)); do frozen "$url" && break; sleep 0.01; done
    invoke "$url" idle >>"$work/thawed.$which"
  done
done

python3 - "$work" <<'PY'
import json, sys, os
work = sys.argv[1]
def pct(v, p):
    v = sorted(v)
    return round(v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))], 2)
out = {}
for kind in ("start", "cold", "warm", "thawed"):
    for which in ("sandboxed", "bare"):
        v = [float(x) for x in open(os.path.join(work, f"{kind}.{which}")).read().split()]
        out[f"{kind}_{which}"] = {"n": len(v), "p50": pct(v, 50), "p99": pct(v, 99)}
    s, b = out[f"{kind}_sandboxed"], out[f"{kind}_bare"]
    out[f"{kind}_added"] = {"p50": round(s["p50"] - b["p50"], 2), "p99": round(s["p99"] - b["p99"], 2)}
    print(f"{kind:7} sandboxed p50 {s['p50']:8.2f} ms p99 {s['p99']:8.2f} ms | bare p50 {b['p50']:8.2f} ms p99 {b['p99']:8.2f} ms | added p50 {s['p50'] - b['p50']:+.2f} p99 {s['p99'] - b['p99']:+.2f}")
print(json.dumps(out))
PY
