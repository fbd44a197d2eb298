#!/usr/bin/env bash
# Image benchmark: the text classifier as a container image (samples/text-classifier-image) beside the
# same classifier as a command (samples/text-classifier-python), on one sandboxed server, in one run:
# cold start (start -> ready after /initialize) once the image is unpacked, warm and thawed requests
# (idle mode, frozen before each), p50 and p99, alternating between the two; the first start's
# unpack time against a cached start; the disk an instance uses (its writable layer) and the shared
# image's. See bench/README.md.
#
#   bench/images/run.sh [-n COUNT] [-c COLD] [-u UNPACKS]
#
# Builds the image with samples/text-classifier-image/build.sh when its archive is missing. Everything
# it starts is stopped on exit. The last line is one JSON object with every figure (ms, bytes).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=../lib/common.sh
. "$repo/bench/lib/common.sh"

COUNT=300   # warm and thawed requests per function
COLD=10     # cold starts per function
UNPACKS=3   # first starts of a fresh function (each unpacks the image for its uid range)
while [ $# -gt 0 ]; do
  case "$1" in
    -n|--count) COUNT="$2"; shift 2;;
    -c|--cold) COLD="$2"; shift 2;;
    -u|--unpacks) UNPACKS="$2"; shift 2;;
    -h|--help) sed -n 2,13p "$0"; exit 0;;
    *) die "unknown option '$1'";;
  esac
done
case "$COUNT$COLD$UNPACKS" in *[!0-9]*|'') die "counts must be whole numbers";; esac
[ "$COUNT" -ge 10 ] && [ "$COUNT" -le 100000 ] && [ "$COLD" -ge 1 ] && [ "$COLD" -le 1000 ] && [ "$UNPACKS" -ge 1 ] && [ "$UNPACKS" -le 20 ] \
  || die "COUNT 10..100000, COLD 1..1000, UNPACKS 1..20"
[ "$(id -u)" = 0 ] || die "the sandbox needs root"

archive="$repo/samples/text-classifier-image/build/text-classifier.oci.tar"
[ -s "$archive" ] || "$repo/samples/text-classifier-image/build.sh" >&2

work="$(mktemp -d /tmp/stasis-bench-images.XXXXXX)"
pids=()
cleanup() { for p in "${pids[@]}"; do stop_pid "$p" 20; done; rm -rf "$work"; }
trap cleanup EXIT INT TERM
warn_if_busy >/dev/null || true

"$repo/stasis" --help >/dev/null   # builds the CLI once, before anything is timed
port="$(free_port)"
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$repo/stasis" server --listen "127.0.0.1:$port" --data "$work/data" >"$work/server.log" 2>&1 &
pids+=("$!")
wait_http "http://127.0.0.1:$port/api/v1/status" 60 "$!" || { cat "$work/server.log" >&2; die "the server did not start"; }
URL="http://127.0.0.1:$port"
export STASIS_ENDPOINT="$URL"
"$repo/stasis" images load "$archive" >/dev/null
log "server $URL ($(curl -s "$URL/api/v1/status" | python3 -c 'import json,sys; d=json.load(sys.stdin)["runtimeDetails"]; print(d["sandbox"], "|", d.get("imageLayer"))'))"

command_sample="$repo/samples/text-classifier-python"
image_sample="$repo/samples/text-classifier-image"
spec() { # $1 image|command, $2 function name -> path of its s.yaml
  if [ "$1" = image ]; then
    sed -e "s#functionName: text-classifier-image#functionName: $2#" "$image_sample/s.yaml" >"$work/$2.yaml"
  else
    sed -e "s#functionName: text-classifier#functionName: $2#" -e "s#code: ./#code: $command_sample#" "$command_sample/s.yaml" >"$work/$2.yaml"
  fi
  echo "$work/$2.yaml"
}
deploy() { "$repo/stasis" deploy -t "$(spec "$1" "$2")" >/dev/null 2>&1; }
remove() { "$repo/stasis" remove "$1" >/dev/null 2>&1 || true; }
invoke() { # $1 function -> milliseconds of one request
  curl -s -o /dev/null -w '%{time_total}\n' -H 'Content-Type: text/plain' --data 'Nice to meet you' --max-time 120 "$URL/fn/$1/invoke" \
    | awk '{ printf "%.3f\n", $1 * 1000 }'
}
started() { # $1 function -> ms from start to ready (after /initialize) of its one instance
  curl -s "$URL/api/v1/functions/$1/instances" | python3 -c '
import json, sys, datetime
i = json.load(sys.stdin)[0]
p = lambda s: datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
print("%.3f" % ((p(i["readyAt"]) - p(i["startedAt"])).total_seconds() * 1000))'
}

log "first starts: $UNPACKS fresh image functions (each unpacks the image), then one more start of each (cached)"
for ((i = 0; i < UNPACKS; i++)); do
  deploy image "fresh-$i"; invoke "fresh-$i" >/dev/null; started "fresh-$i" >>"$work/unpack.first"
  remove "fresh-$i"; deploy image "fresh-$i"; invoke "fresh-$i" >/dev/null; started "fresh-$i" >>"$work/unpack.cached"
  remove "fresh-$i"
done
grep -o 'unpacked for uids from [0-9]* in [0-9]* ms' "$work/server.log" | awk '{print $(NF-1)}' >"$work/unpack.umoci"

log "cold starts: $COLD per function, alternating (the image already unpacked for its function)"
deploy image cold-image; invoke cold-image >/dev/null; remove cold-image   # unpack for this function's ids once
for ((i = 0; i < COLD; i++)); do
  for kind in image command; do
    deploy "$kind" "cold-$kind"
    invoke "cold-$kind" >>"$work/cold.$kind"
    started "cold-$kind" >>"$work/start.$kind"
    remove "cold-$kind"
  done
done

log "warm: $COUNT requests per function, alternating"
for kind in image command; do deploy "$kind" "warm-$kind"; invoke "warm-$kind" >/dev/null; done
for ((i = 0; i < COUNT; i++)); do
  invoke warm-image >>"$work/warm.image"
  invoke warm-command >>"$work/warm.command"
done

# Disk: what the warm image instance wrote into its layer (its tmpfs), and the shared image on disk.
instance="$(curl -s "$URL/api/v1/functions/warm-image/instances" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')"
layer="$(grep -o "/run/stasis/[^ ]*/bundles/$instance/layer" /proc/self/mountinfo | head -1)"
layer_bytes="$(df -B1 --output=used "$layer" | tail -1 | tr -d ' ')"
rootfs_bytes="$(du -sb "$work/data/images/rootfs" | awk '{print $1}')"
rootfs_copies="$(find "$work/data/images/rootfs" -mindepth 1 -maxdepth 1 -type d | wc -l)"
layout_bytes="$(du -sb "$work/data/images/layouts" | awk '{print $1}')"

log "thawed: $COUNT requests per function to an idle-mode instance, frozen before each"
for kind in image command; do
  deploy "$kind" "idle-$kind"
  "$repo/stasis" provision put "idle-$kind" --target 1 --always-allocate-cpu false >/dev/null
done
frozen() { curl -s "$URL/api/v1/functions/$1/instances" | grep -q '"state":"Frozen"'; }
for ((i = 0; i < COUNT; i++)); do
  for kind in image command; do
    for ((w = 0; w < 200; w++)); do frozen "idle-$kind" && break; sleep 0.01; done
    invoke "idle-$kind" >>"$work/thawed.$kind"
  done
done

python3 - "$work" "$layer_bytes" "$rootfs_bytes" "$rootfs_copies" "$layout_bytes" <<'PY'
import json, sys, os
work, layer, rootfs, copies, layout = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
def pct(v, p):
    v = sorted(v)
    return round(v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))], 2)
def read(name):
    return [float(x) for x in open(os.path.join(work, name)).read().split()]
out = {}
for kind in ("start", "cold", "warm", "thawed"):
    for which in ("image", "command"):
        v = read(f"{kind}.{which}")
        out[f"{kind}_{which}"] = {"n": len(v), "p50": pct(v, 50), "p99": pct(v, 99)}
    i, c = out[f"{kind}_image"], out[f"{kind}_command"]
    out[f"{kind}_added"] = {"p50": round(i["p50"] - c["p50"], 2), "p99": round(i["p99"] - c["p99"], 2),
                            "p50_pct": round((i["p50"] / c["p50"] - 1) * 100, 1) if c["p50"] else None}
    print(f"{kind:7} image p50 {i['p50']:8.2f} ms p99 {i['p99']:8.2f} ms | command p50 {c['p50']:8.2f} ms p99 {c['p99']:8.2f} ms | image added p50 {i['p50'] - c['p50']:+.2f} ({out[f'{kind}_added']['p50_pct']:+.1f} %) p99 {i['p99'] - c['p99']:+.2f}")
first, cached, umoci = read("unpack.first"), read("unpack.cached"), read("unpack.umoci")
out["first_start"] = {"n": len(first), "p50": pct(first, 50), "max": max(first)}
out["cached_start"] = {"n": len(cached), "p50": pct(cached, 50), "max": max(cached)}
out["umoci_unpack"] = {"n": len(umoci), "p50": pct(umoci, 50), "max": max(umoci)}
print(f"unpack  first start p50 {out['first_start']['p50']:.0f} ms (umoci unpack p50 {out['umoci_unpack']['p50']:.0f} ms) | cached start p50 {out['cached_start']['p50']:.0f} ms")
out["disk"] = {"instance_layer_bytes": layer, "shared_rootfs_bytes_per_copy": rootfs // max(copies, 1), "rootfs_copies": copies, "layout_bytes": layout}
print(f"disk    per instance {layer / 1024:.0f} KiB (its writable layer) | shared image {rootfs / max(copies, 1) / 2**20:.0f} MiB unpacked per function, {layout / 2**20:.0f} MiB stored")
print(json.dumps(out))
PY
