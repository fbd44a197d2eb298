#!/usr/bin/env python3
"""Scheduling benchmark function: sleeps as long as the caller asks, then answers.

Any method, any path: sleeps the number of milliseconds in the request header x-bench-service-ms
(default 0, clamped to 0..60000), then answers 200 with JSON {"slept_ms": N, "pid": PID,
"instance": FC_INSTANCE_ID} and the header x-bench-instance. Sleeping, not computing, so that the
machine's CPUs are not what limits the instances. HTTP/1.1 with keep-alive; every answer has a
Content-Length. Listens on 127.0.0.1 at FC_SERVER_PORT (default 9000). No per-request logging.
"""

import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_MS = 60000
INSTANCE = os.environ.get("FC_INSTANCE_ID", "")
PID = os.getpid()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Head and body leave in one segment (buffered writer, flushed after each request), with
    # TCP_NODELAY: two small writes with Nagle on meet the client's delayed ACK (about 40 ms).
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True

    def version_string(self):
        return "sched-bench"

    def log_message(self, format, *args):  # noqa: A002 - no access log per request
        pass

    def _serve(self):
        length = self.headers.get("Content-Length")
        if length:
            try:
                n = int(length)
            except ValueError:
                n = 0
            # Read (and drop) the body so that the connection stays usable.
            while n > 0:
                chunk = self.rfile.read(min(n, 65536))
                if not chunk:
                    break
                n -= len(chunk)
        try:
            ms = float(self.headers.get("x-bench-service-ms") or 0)
        except ValueError:
            ms = 0.0
        if ms != ms:  # NaN
            ms = 0.0
        ms = min(max(ms, 0.0), MAX_MS)
        if ms > 0:
            time.sleep(ms / 1000)
        body = json.dumps({"slept_ms": round(ms, 3), "pid": PID, "instance": INSTANCE}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-bench-instance", INSTANCE)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _serve


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def main():
    port = int(os.environ.get("FC_SERVER_PORT", "9000"))
    srv = Server(("127.0.0.1", port), Handler)
    print(f"sched-bench function listening on 127.0.0.1:{port} (pid {PID}, instance {INSTANCE})", file=sys.stderr, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        srv.server_close()


if __name__ == "__main__":
    main()
