#!/usr/bin/env bash
# Simulator benchmark (issue 6): both Azure LLM traces under the three modes, with their bills and
# charts; how long a replay takes; and 1,000 functions of Poisson traffic for an hour (about ten
# million requests) with its time and peak memory. See bench/README.md and docs/simulate.md.
#
#   bench/simulate/run.sh [--functions N] [--rate R] [--duration D] [--out DIR] [--json FILE]
#
# Targets: a trace of ~20k requests over an hour in <= 5 s; 1,000 functions x 1 h of Poisson
# traffic in <= 120 s and <= 2 GiB. The last line of output is one JSON object with every figure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

FUNCTIONS=1000
RATE=2.78              # per function: 1000 x 2.78 req/s x 3600 s = about 10 million requests
DURATION=1h
OUT=""
JSON_OUT=""
SYNTHETIC=1

usage() {
  cat <<EOF2
usage: bench/simulate/run.sh [options]
      --functions N    synthetic functions (default $FUNCTIONS)
      --rate R         requests per second of each synthetic function (default $RATE)
      --duration D     synthetic traffic's length (default $DURATION)
      --no-synthetic   only the two LLM traces
      --out DIR        where the JSON reports and charts go (default: a new temporary folder)
      --json FILE      also write the final JSON line to FILE
  -h, --help           this text
EOF2
}

need_arg() { [ $# -ge 2 ] || { echo "run.sh: $1 needs a value" >&2; usage >&2; exit 2; }; }
while [ $# -gt 0 ]; do
  case "$1" in
    --functions) need_arg "$@"; FUNCTIONS="$2"; shift 2;;
    --rate) need_arg "$@"; RATE="$2"; shift 2;;
    --duration) need_arg "$@"; DURATION="$2"; shift 2;;
    --no-synthetic) SYNTHETIC=0; shift;;
    --out) need_arg "$@"; OUT="$2"; shift 2;;
    --json) need_arg "$@"; JSON_OUT="$2"; shift 2;;
    -h|--help) usage; exit 0;;
    *) echo "run.sh: unknown option '$1'" >&2; usage >&2; exit 2;;
  esac
done

traces=""
for d in "$repo/shared/traces" "$repo/../shared/traces" "$repo/../../shared/traces"; do
  if [ -f "$d/AzureLLMInferenceTrace_code.csv" ]; then traces="$(cd "$d" && pwd)"; break; fi
done
[ -n "$traces" ] || { echo "run.sh: shared/traces not found next to the checkout" >&2; exit 2; }
command -v jq >/dev/null 2>&1 || { echo "run.sh: missing jq; install with: apt-get install -y jq" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "run.sh: missing /usr/bin/time; install with: apt-get install -y time" >&2; exit 1; }

OUT="${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/stasis-bench-simulate.XXXXXX")}"
mkdir -p "$OUT"
stasis="$repo/stasis"
"$stasis" --help >/dev/null   # builds on first use, outside the timings

# Runs one simulate, JSON to $1.json; prints "SECONDS MAX_RSS_KB".
timed() {
  local name="$1"; shift
  /usr/bin/time -f "%e %M" -o "$OUT/$name.time" "$stasis" simulate "$@" -o json >"$OUT/$name.json" 2>"$OUT/$name.err" \
    || { echo "run.sh: simulate $name failed:" >&2; cat "$OUT/$name.err" >&2; exit 1; }
  tail -n 1 "$OUT/$name.time"
}

result='{"bench":"simulate"}'
for trace in code conv; do
  read -r seconds rss < <(timed "$trace" --trace "$traces/AzureLLMInferenceTrace_$trace.csv" -t "$here/s.yaml" \
    --provision "$here/provision.json" --compare --preset llm --chart "$OUT/$trace.svg")
  echo "AzureLLMInferenceTrace_$trace: ${seconds}s, $((rss / 1024)) MB; chart $OUT/$trace.svg" >&2
  result="$(jq -c --arg t "$trace" --argjson s "$seconds" --argjson m "$((rss / 1024))" --slurpfile r "$OUT/$trace.json" '
    . + {($t): {seconds: $s, max_rss_mb: $m, requests: $r[0].traffic.requests,
      runs: [$r[0].runs[] | {mode, cost, cost_ratio: .costVsAlwaysAllocated, p90_ms: .latencyMs.p90, p99_ms: .latencyMs.p99,
        cold_starts: .coldStarts, thaws: .thaws, elapsed_s: .elapsedSeconds}]}}' <<<"$result")"
done

if [ "$SYNTHETIC" = 1 ]; then
  read -r seconds rss < <(timed synthetic --synthetic poisson --functions "$FUNCTIONS" --rate "$RATE" --duration "$DURATION" \
    -t "$here/s.yaml" --target 1 --chart "$OUT/synthetic.svg")
  echo "synthetic: $FUNCTIONS functions x $RATE req/s x $DURATION: ${seconds}s, $((rss / 1024)) MB" >&2
  result="$(jq -c --argjson s "$seconds" --argjson m "$((rss / 1024))" --argjson f "$FUNCTIONS" --slurpfile r "$OUT/synthetic.json" '
    . + {synthetic: {functions: $f, seconds: $s, max_rss_mb: $m, requests: $r[0].runs[0].requests, p90_ms: $r[0].runs[0].latencyMs.p90,
      elapsed_s: $r[0].runs[0].elapsedSeconds}}' <<<"$result")"
fi

result="$(jq -c '. + {targets: {
  conv_within_5s: (.conv.seconds <= 5),
  synthetic_within_120s: (if .synthetic then .synthetic.seconds <= 120 else null end),
  synthetic_within_2gib: (if .synthetic then .synthetic.max_rss_mb <= 2048 else null end)}}' <<<"$result")"
echo "reports and charts: $OUT" >&2
[ -z "$JSON_OUT" ] || echo "$result" >"$JSON_OUT"
echo "$result"
