"""An MCP-shaped test function: the two transports' session handshakes, and which instance answers.

  GET  /sse                    an SSE stream whose first event is `endpoint` with /messages/?session_id=ID,
                               then a ping every 200 ms until the client leaves (at most 60 s)
  POST /messages/?session_id=  {"instance", "known"}: whether this instance made that session
  POST /mcp                    Streamable HTTP: without Mcp-Session-Id answers with a new one, with it says
                               whether this instance knows it; DELETE /mcp forgets it
"""
import json
import os
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

port = int(os.environ["FC_SERVER_PORT"])
instance = os.environ.get("FC_INSTANCE_ID")
sessions = set()
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        pass

    def _json(self, status, body, headers=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self):
        url = urlsplit(self.path)
        if url.path == "/sse":
            sid = uuid.uuid4().hex
            with lock:
                sessions.add(sid)
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            try:
                self.wfile.write(f"event: endpoint\r\ndata: /messages/?session_id={sid}\r\n\r\n".encode())
                self.wfile.flush()
                until = time.monotonic() + 60
                while time.monotonic() < until:
                    time.sleep(0.2)
                    self.wfile.write(b": ping\r\n\r\n")
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        self._json(200, {"instance": instance, "path": url.path})

    def do_POST(self):
        url = urlsplit(self.path)
        self._body()
        if url.path.startswith("/messages"):
            sid = parse_qs(url.query).get("session_id", [""])[0]
            with lock:
                known = sid in sessions
            return self._json(202 if known else 404, {"instance": instance, "known": known})
        if url.path == "/mcp":
            sid = self.headers.get("Mcp-Session-Id")
            if not sid:
                sid = uuid.uuid4().hex
                with lock:
                    sessions.add(sid)
                return self._json(200, {"instance": instance, "initialized": sid}, {"Mcp-Session-Id": sid})
            with lock:
                known = sid in sessions
            return self._json(200 if known else 404, {"instance": instance, "known": known})
        self._json(200, {"instance": instance, "path": url.path})

    def do_DELETE(self):
        sid = self.headers.get("Mcp-Session-Id", "")
        with lock:
            known = sid in sessions
            sessions.discard(sid)
        self._json(200 if known else 404, {"instance": instance, "known": known})


ThreadingHTTPServer(("0.0.0.0", port), Handler).serve_forever()
