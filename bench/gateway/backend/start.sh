#!/usr/bin/env bash
# Tiny HTTP backend: nginx (one worker, keepalive, no access log) answering 200 "ok" to every request.
# It listens on FC_SERVER_PORT (then PORT, default 9000), so the same script runs standalone and as
# a Stasis function (customContainerConfig: entrypoint ["bash"], command ["start.sh"]).
#
#   FC_SERVER_PORT=18080 BACKEND_LISTEN=127.0.0.1 bash start.sh
#
# BACKEND_LISTEN: address to bind (default 0.0.0.0, as an FC custom container does).
# BACKEND_DIR: state directory (config, pid, error log); default: a fresh temp dir, removed on exit.
set -euo pipefail

export PATH="${PATH:+$PATH:}/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
port="${FC_SERVER_PORT:-${PORT:-9000}}"
listen="${BACKEND_LISTEN:-0.0.0.0}"

if ! command -v nginx >/dev/null 2>&1; then
  echo "start.sh: nginx not found; install it with: apt-get install -y wrk nginx-light" >&2
  exit 127
fi
case "$port" in ''|*[!0-9]*) echo "start.sh: bad port '$port'" >&2; exit 2;; esac

if [ -n "${BACKEND_DIR:-}" ]; then
  dir="$BACKEND_DIR"
  mkdir -p "$dir"
  own_dir=0
else
  dir="$(mktemp -d "${TMPDIR:-/tmp}/stasis-bench-backend.XXXXXX")"
  own_dir=1
fi
chmod 755 "$dir" # nginx workers may run as another user when the master is root

sed -e "s|@PORT@|$port|g" -e "s|@LISTEN@|$listen|g" -e "s|@DIR@|$dir|g" \
  "$here/nginx.conf.template" >"$dir/nginx.conf"

nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" -g 'daemon off;' &
pid=$!
# SIGTERM/SIGINT: nginx's fast shutdown; then wait for it and remove the state directory.
trap 'kill -TERM "$pid" 2>/dev/null || true' TERM INT
trap '[ "$own_dir" = 1 ] && rm -rf "$dir"' EXIT
echo "backend: nginx listening on $listen:$port (state in $dir)"
status=0
wait "$pid" || status=$?
if kill -0 "$pid" 2>/dev/null; then
  status=0
  wait "$pid" || status=$?
fi
[ -s "$dir/error.log" ] && sed 's/^/backend: /' "$dir/error.log" >&2
exit "$status"
