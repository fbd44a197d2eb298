# Helpers for benchmark scripts: sourced, not run. Expects set -euo pipefail in the caller.

die() { echo "${0##*/}: $*" >&2; exit 1; }
log() { echo "# $*" >&2; }

free_port() { # a loopback port nothing listens on
  local p i
  for ((i = 0; i < 200; i++)); do
    p=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  die "no free loopback port found"
}

wait_http() { # $1 url, $2 seconds, $3 pid that must stay alive
  local url="$1" deadline=$((SECONDS + $2)) pid="${3:-}"
  while [ "$SECONDS" -lt "$deadline" ]; do
    if curl -s -o /dev/null --max-time 2 "$url"; then return 0; fi
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    sleep 0.1
  done
  return 1
}

stop_pid() { # $1 pid, $2 seconds to wait after SIGTERM before SIGKILL
  local pid="$1" wait_s="$2" i
  [ -n "$pid" ] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < wait_s * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

warn_if_busy() { # warns when other work would skew the figures; prints the 1-minute load average
  local load
  load="$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo null)"
  if [ "$load" != null ] && awk -v l="$load" 'BEGIN { exit !(l > 0.5) }'; then
    echo "${0##*/}: warning: 1-minute load average is $load on $(nproc) CPUs; other work on this machine will skew the figures" >&2
  fi
  echo "$load"
}
