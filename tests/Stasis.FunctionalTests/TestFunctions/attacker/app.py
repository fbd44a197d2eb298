"""A function that attacks what lies outside its instance, for the sandbox tests.

Each path tries one thing and answers JSON saying what happened; it never decides whether that was
an escape: the test does. Query values are taken as given.
  /read?path=P          read a file                       -> {"ok", "error", "bytes"}
  /list?path=P          list a directory                  -> {"ok", "error", "entries"}
  /write?path=P         create and write a file           -> {"ok", "error"}
  /run?argv=A&argv=B    run a program                     -> {"code", "output"}
  /signal?pid=N&sig=S   kill(2) a pid                     -> {"ok", "error"}
  /status               this process's /proc status       -> {"capEff", "uid", "pid", "procPids"}
  /mount                mount a tmpfs on /tmp/m           -> {"ok", "error"}
  /setns?path=P         setns(2) into a namespace file    -> {"ok", "error"}
  /kcmp                 kcmp(2) of itself (allowed to any process, denied by the seccomp profile)
  /fork?n=N             start N sleeping processes, count them, kill them -> {"started", "error"}
  /flood?mb=N           write N MB of log lines to stdout -> {"written", "seconds"}
  /fill?mb=N&path=P     write up to N MB to a file        -> {"written", "error"}
  /connect?host=H&port=N  open a TCP connection           -> {"ok", "error"}
"""
import ctypes
import errno
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

libc = ctypes.CDLL(None, use_errno=True)
KCMP = {"x86_64": 312, "aarch64": 272}.get(platform.machine())


def err(e):
    return f"{type(e).__name__}: {e}"


def call(result):
    if result == 0:
        return {"ok": True, "error": None}
    code = ctypes.get_errno()
    return {"ok": False, "error": errno.errorcode.get(code, str(code))}


def attack(path, q):
    one = lambda k, d=None: q.get(k, [d])[0]
    if path == "/read":
        try:
            with open(one("path"), "rb") as f:
                return {"ok": True, "error": None, "bytes": len(f.read())}
        except OSError as e:
            return {"ok": False, "error": err(e)}
    if path == "/list":
        try:
            return {"ok": True, "error": None, "entries": sorted(os.listdir(one("path")))}
        except OSError as e:
            return {"ok": False, "error": err(e)}
    if path == "/write":
        try:
            with open(one("path"), "w") as f:
                f.write(str(os.getpid()))
            return {"ok": True, "error": None}
        except OSError as e:
            return {"ok": False, "error": err(e)}
    if path == "/run":
        try:
            p = subprocess.run(q["argv"], capture_output=True, text=True, timeout=20)
            return {"code": p.returncode, "output": (p.stdout + p.stderr)[-2000:]}
        except (OSError, subprocess.SubprocessError) as e:
            return {"code": -1, "output": err(e)}
    if path == "/signal":
        try:
            os.kill(int(one("pid")), int(one("sig", "0")))
            return {"ok": True, "error": None}
        except OSError as e:
            return {"ok": False, "error": err(e)}
    if path == "/status":
        fields = dict(line.split(":\t", 1) for line in open("/proc/self/status").read().splitlines() if ":\t" in line)
        return {"capEff": fields["CapEff"].strip(), "uid": fields["Uid"].split()[0], "pid": os.getpid(),
                "procPids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit())}
    if path == "/mount":
        os.makedirs("/tmp/m", exist_ok=True)
        return call(libc.mount(b"none", b"/tmp/m", b"tmpfs", 0, None))
    if path == "/setns":
        try:
            fd = os.open(one("path"), os.O_RDONLY)
        except OSError as e:
            return {"ok": False, "error": err(e)}
        try:
            return call(libc.setns(fd, 0))
        finally:
            os.close(fd)
    if path == "/kcmp":
        if KCMP is None:
            return {"ok": False, "error": "unknown architecture"}
        pid = os.getpid()
        return call(libc.syscall(KCMP, pid, pid, 0, 0, 0))  # KCMP_FILE of fd 0 with itself
    if path == "/fork":
        children, error = [], None
        for _ in range(int(one("n", "10"))):
            try:
                pid = os.fork()
            except OSError as e:
                error = err(e)
                break
            if pid == 0:
                time.sleep(60)
                os._exit(0)
            children.append(pid)
        for pid in children:
            os.kill(pid, signal.SIGKILL)
        for pid in children:
            os.waitpid(pid, 0)
        return {"started": len(children), "error": error}
    if path == "/flood":
        line = ("x" * 1023 + "\n").encode()
        block = line * 1024  # 1 MB
        started, written = time.monotonic(), 0
        for _ in range(int(one("mb", "1"))):
            try:
                os.write(1, block)
            except OSError:
                break
            written += len(block)
        return {"written": written, "seconds": time.monotonic() - started}
    if path == "/fill":
        written, error = 0, None
        chunk = b"\0" * (1 << 20)
        try:
            with open(one("path"), "wb") as f:
                for _ in range(int(one("mb", "1"))):
                    f.write(chunk)
                    f.flush()
                    written += len(chunk)
        except OSError as e:
            error = err(e)
        return {"written": written, "error": error}
    if path == "/connect":
        try:
            with socket.create_connection((one("host"), int(one("port"))), timeout=3):
                return {"ok": True, "error": None}
        except OSError as e:
            return {"ok": False, "error": err(e)}
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        pass

    def _answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlparse(self.path)
        result = attack(url.path, parse_qs(url.query))
        self._answer(404 if result is None else 200, result or {"error": "no such attack"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        if self.path in ("/initialize", "/pre-stop"):
            self._answer(200, {})
        else:
            self.do_GET()


print("attacker listening on", os.environ["FC_SERVER_PORT"], flush=True)
ThreadingHTTPServer(("0.0.0.0", int(os.environ["FC_SERVER_PORT"])), Handler).serve_forever()
