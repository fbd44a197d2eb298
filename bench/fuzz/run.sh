#!/usr/bin/env bash
# Fuzz benchmark: runs the fuzz properties of the control API and the parsers (the same FsCheck
# properties the test suite runs with a modest count) with many more cases, and reports what they saw:
# cases and time per target, the answers by status and error code, and every failure (a 5xx, a
# dropped connection, an exception other than the documented one, a hang, a crash) with the input
# that caused it, shrunk. See bench/README.md.
#
#   bench/fuzz/run.sh [--cases N] [--json FILE]
#
# Builds the two test projects (Release), runs tests/Stasis.Tests/Fuzzing (s.yaml loader, provision
# config rules and policy parser, the CLI's provision file readers, cron/at expressions) and
# tests/Stasis.FunctionalTests/Fuzzing (a real in-process server over real HTTP: function specs,
# provision configs, every read endpoint, any method on any path) with STASIS_FUZZ_CASES cases per
# target and STASIS_FUZZ_REPORT pointing at a temporary directory, which is removed at the end (also
# on Ctrl-C). The last line of output is one JSON object with every figure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=../lib/common.sh
. "$repo/bench/lib/common.sh"

TOTAL=10000     # cases over all targets
TARGETS=9       # fuzz properties: 5 parser targets, 4 control API targets
LIMIT_S=3600    # the whole run, at most
JSON_OUT=""

usage() {
  cat <<EOF2
usage: bench/fuzz/run.sh [options]
  -n, --cases N     cases in total, shared evenly by the $TARGETS targets (default $TOTAL; at least $TARGETS)
      --limit S     stop the test runs after S seconds (default $LIMIT_S)
      --json FILE   also write the final JSON line to FILE
  -h, --help        this text
EOF2
}

need_arg() { [ $# -ge 2 ] || { echo "run.sh: $1 needs a value" >&2; usage >&2; exit 2; }; }
while [ $# -gt 0 ]; do
  case "$1" in
    -n|--cases) need_arg "$@"; TOTAL="$2"; shift 2;;
    --limit) need_arg "$@"; LIMIT_S="$2"; shift 2;;
    --json) need_arg "$@"; JSON_OUT="$2"; shift 2;;
    -h|--help) usage; exit 0;;
    *) echo "run.sh: unknown option '$1'" >&2; usage >&2; exit 2;;
  esac
done
for v in TOTAL LIMIT_S; do
  case "${!v}" in ''|*[!0-9]*) echo "run.sh: $v must be a whole number, not '${!v}'" >&2; exit 2;; esac
done
[ "$TOTAL" -ge "$TARGETS" ] && [ "$TOTAL" -le 1000000 ] || { echo "run.sh: --cases must be $TARGETS..1000000" >&2; exit 2; }
[ "$LIMIT_S" -ge 60 ] && [ "$LIMIT_S" -le 86400 ] || { echo "run.sh: --limit must be 60..86400 seconds" >&2; exit 2; }
per_target=$(((TOTAL + TARGETS - 1) / TARGETS))

command -v dotnet >/dev/null 2>&1 || die "dotnet (SDK 10) is needed to build and run the tests"
command -v python3 >/dev/null 2>&1 || die "missing python3; install with: apt-get install -y python3"
[ "$(id -u)" -eq 0 ] || log "warning: not root; the control API targets start a real server whose instances need cgroups and network namespaces"

cpus="$(nproc 2>/dev/null || echo 1)"
load_before="$(warn_if_busy)"

work="$(mktemp -d "${TMPDIR:-/tmp}/stasis-bench-fuzz.XXXXXX")"
test_pid=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  set +e
  # dotnet test runs the tests in a child process; stop the whole group it leads.
  if [ -n "$test_pid" ] && kill -0 "$test_pid" 2>/dev/null; then
    kill -TERM -- "-$test_pid" 2>/dev/null || kill -TERM "$test_pid" 2>/dev/null
    sleep 2
    kill -KILL -- "-$test_pid" 2>/dev/null
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
log "building the test projects (Release)..."
for project in tests/Stasis.Tests tests/Stasis.FunctionalTests; do
  if ! timeout 900 dotnet build "$repo/$project" -c Release -nologo -v quiet -clp:NoSummary >"$work/build.log" 2>&1; then
    cat "$work/build.log" >&2
    die "building $project failed"
  fi
done

mkdir -p "$work/report"
started=$SECONDS
deadline=$((SECONDS + LIMIT_S))
run_tests() { # $1 project, $2 namespace of its fuzz tests, $3 log name
  local left=$((deadline - SECONDS)) status=0
  [ "$left" -gt 0 ] || { log "no time left for $2"; return 0; }
  log "$2: $per_target cases per target (at most ${left} s)..."
  # setsid: the test host and its children form one group, which cleanup can stop whole.
  STASIS_FUZZ_CASES="$per_target" STASIS_FUZZ_REPORT="$work/report" setsid -w timeout -k 10 "$left" \
    dotnet test "$repo/$1" -c Release --no-build --nologo --filter "FullyQualifiedName~$2" >"$work/$3.log" 2>&1 &
  test_pid=$!
  wait "$test_pid" || status=$?
  test_pid=""
  echo "$status" >"$work/$3.status"
}
run_tests tests/Stasis.Tests Stasis.Tests.Fuzzing. parsers
run_tests tests/Stasis.FunctionalTests Stasis.FunctionalTests.Fuzzing. api
elapsed=$((SECONDS - started))
load_after="$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo null)"

python3 "$here/report.py" --report "$work/report" --work "$work" --cases-per-target "$per_target" --targets "$TARGETS" \
  --elapsed "$elapsed" --cpus "$cpus" --load-before "$load_before" --load-after "$load_after" >"$work/out.txt"
sed '$d' "$work/out.txt"
json="$(tail -n 1 "$work/out.txt")"
[ -z "$JSON_OUT" ] || printf '%s\n' "$json" >"$JSON_OUT"
echo "$json"
[ "$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["failures"] + d["crashes"] + d["missing_targets"])' "$json")" = 0 ]
