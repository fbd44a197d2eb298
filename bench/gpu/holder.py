"""Holds HOLD_MB MiB of GPU memory with a known pattern and serves its checksum (bench/gpu/check.sh).

GET /checksum recomputes a checksum of the whole allocation on the GPU and of a slice copied back to
the CPU: after a freeze (cuda-checkpoint) and thaw it must be what it was.
"""
import hashlib
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import torch

n = int(os.environ.get("HOLD_MB", "1024")) * (1 << 20) // 8
x = torch.arange(n, dtype=torch.int64, device="cuda")
x.mul_(2654435761).remainder_(2**31)
torch.cuda.synchronize()


def checksum():
    total = int(x.sum().item())
    sample = x[:: max(1, n // 65536)].cpu().numpy().tobytes()
    return f"{total}:{hashlib.sha256(sample).hexdigest()[:16]}"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def _answer(self, body):
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self._answer({"checksum": checksum(), "pid": os.getpid()})

    do_POST = do_GET


print("holding", n * 8 >> 20, "MiB on", torch.cuda.get_device_name(0), flush=True)
ThreadingHTTPServer(("127.0.0.1", int(os.environ["FC_SERVER_PORT"])), Handler).serve_forever()
