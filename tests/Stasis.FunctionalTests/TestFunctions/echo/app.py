"""A small FC-style function for Stasis' functional tests.

Behaviour is chosen by environment variables so one script covers every case:
  START_MODE   ok (default) | exit (exit 3 at once) | noport (never listen)
  INIT_MODE    ok (default) | fail (500) | hang (sleep forever)
  PRESTOP_MARK file to append to when GET /pre-stop arrives (it also prints "pre-stop of INSTANCE")
and by path: /sleep?ms=N, /crash, /cut (1000 bytes promised, 100 sent), /fcerror, /environ (the whole environment), /connect?to=HOST:PORT,...
(tries a TCP connection to each), /alloc?mb=N (allocates and touches N MB), /spin?ms=N (burns CPU for N ms).
"""
import json
import os
import socket
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

mode = os.environ.get("START_MODE", "ok")
if mode == "exit":
    print("cannot load model: weights.bin not found", flush=True)
    sys.exit(3)
if mode == "noport":
    print("starting slowly...", flush=True)
    time.sleep(3600)

port = int(os.environ["FC_SERVER_PORT"])
initialized = {"id": None}
held = []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        print("access: " + fmt % args, flush=True)

    def _send(self, status, body, content_type="application/json", headers=None):
        data = body if isinstance(body, bytes) else body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _route(self):
        path, _, query = self.path.partition("?")
        body = self._body()
        if path == "/initialize":
            rid = self.headers.get("x-fc-request-id")
            print(f"FC Initialize Start RequestId: {rid}", flush=True)
            init = os.environ.get("INIT_MODE", "ok")
            if init == "fail":
                return self._send(500, "model failed to load: out of memory", "text/plain")
            if init == "hang":
                time.sleep(3600)
            initialized["id"] = rid
            print(f"FC Initialize End RequestId: {rid}", flush=True)
            return self._send(200, f"Function is initialized, request_id: {rid}", "text/plain")
        if path == "/pre-stop":
            # The test reads this line in the function's log: a sandboxed instance cannot write the host's files.
            print(f"pre-stop of {os.environ.get('FC_INSTANCE_ID')}", flush=True)
            mark = os.environ.get("PRESTOP_MARK")
            if mark:
                with open(mark, "a") as f:
                    f.write(f"{os.getpid()}\n")
            return self._send(200, "bye", "text/plain")
        if path == "/sleep":
            ms = int(dict(p.split("=") for p in query.split("&") if "=" in p).get("ms", "1000"))
            print(f"sleeping {ms} ms", flush=True)
            time.sleep(ms / 1000)
            return self._send(200, json.dumps({"slept": ms, "pid": os.getpid(), "instance": os.environ.get("FC_INSTANCE_ID")}))
        if path == "/cut":
            # Promises 1000 bytes, sends 100, then closes the connection: an answer cut short mid-body.
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"x" * 100)
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        if path == "/crash":
            print("crashing on purpose", flush=True)
            os._exit(9)
        if path == "/fcerror":
            return self._send(500, "boom", "text/plain", {"x-fc-status": "404"})
        params = {k: unquote(v) for k, _, v in (p.partition("=") for p in query.split("&"))}
        if path == "/environ":
            return self._send(200, json.dumps(dict(os.environ)))
        if path == "/connect":
            results = {}
            for target in filter(None, params.get("to", "").split(",")):
                host, _, target_port = target.rpartition(":")
                try:
                    with socket.create_connection((host.strip("[]"), int(target_port)), timeout=2):
                        results[target] = "connected"
                except ConnectionRefusedError:
                    results[target] = "refused"
                except OSError as e:
                    results[target] = f"failed: {e}"
            return self._send(200, json.dumps(results))
        if path == "/alloc":
            mb = int(params.get("mb", "64"))
            print(f"allocating {mb} MB", flush=True)
            held.append(b"\x01" * (mb * 1024 * 1024))  # filled, so every page is touched
            return self._send(200, json.dumps({"allocated_mb": mb, "pid": os.getpid(), "instance": os.environ.get("FC_INSTANCE_ID")}))
        if path == "/spin":
            until = time.monotonic() + int(params.get("ms", "1000")) / 1000
            spins = 0
            while time.monotonic() < until:
                spins += 1
            return self._send(200, json.dumps({"spins": spins, "pid": os.getpid(), "instance": os.environ.get("FC_INSTANCE_ID")}))
        return self._send(200, json.dumps({
            "method": self.command,
            "path": path,
            "query": query,
            "body": body.decode(errors="replace"),
            "pid": os.getpid(), "instance": os.environ.get("FC_INSTANCE_ID"),
            "initialized": initialized["id"],
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "env": {k: v for k, v in os.environ.items() if k.startswith("FC_") or k in ("PORT", "GREETING")},
        }))

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _route


print(f"echo listening on {port} pid {os.getpid()}", flush=True)
ThreadingHTTPServer(("0.0.0.0", port), Handler).serve_forever()
