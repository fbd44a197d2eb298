#!/usr/bin/env python3
"""Soak benchmark client: a sustained Poisson load on one function, a kill -9 of one of its instances
every --kill-every seconds, and the server's resident memory sampled throughout.

Used by bench/soak/run.sh. Standard library only.

Load: requests arrive as a Poisson process at --rate per second for --duration seconds, at most
--max-requests of them (open loop: each is sent at its time whatever happened to the earlier ones).
A pool of --max-inflight worker threads sends them, each on its own kept-alive connection; a request
that finds every worker busy is not sent and counts as not_sent. Each request is
POST /fn/NAME/invoke with x-bench-service-ms: --service-ms (the function sleeps that long), so that
requests are in flight when an instance is killed.

Kills: every --kill-every seconds, GET /api/v1/functions/NAME/instances, one instance with a pid that
is Ready, Busy or Frozen is picked at random and its process gets SIGKILL, after checking that the pid
is still that instance (its FC_INSTANCE_ID). In-flight requests on it get 502 InstanceError: those are
counted as expected (killed); every other non-2xx answer and every client-side error is unexpected.

Memory: VmRSS of --server-pid every 5 s; rss_start is the first sample at or after --warmup seconds,
rss_end the last one (after the load), rss_slope_mb_per_h the least-squares slope of the samples after
the warm-up, rss_by_minute_mb the last sample of each minute. The same samples split VmRSS into its
anonymous, file-backed and shared parts (RssAnon, RssFile, RssShmem: rss_parts_start_mb, rss_parts_end_mb),
and the server's own account of its memory (GET /api/v1/status, "memory": GC heap, native heap in use and
free, trims) is read with the first sample after the warm-up and after the load (server_memory_start,
server_memory_end).

Output: one JSON object with every figure on stdout; the request ids of the 2xx answers (x-fc-request-id)
to --ids, one per line; progress on stderr.
"""

import argparse
import http.client
import json
import math
import os
import queue
import random
import signal
import sys
import threading
import time
import urllib.parse

SERVING = ("Ready", "Busy", "Frozen")


def log(msg):
    print(f"# {msg}", file=sys.stderr, flush=True)


def pct(values, p):
    """Nearest-rank percentile; None when empty."""
    if not values:
        return None
    s = sorted(values)
    r = max(1, min(len(s), int(math.ceil(p / 100 * len(s) - 1e-9))))
    return s[r - 1]


RSS_KEYS = ("VmRSS:", "RssAnon:", "RssFile:", "RssShmem:")


def rss_parts_kb(pid):
    """VmRSS, RssAnon, RssFile and RssShmem of pid in kB; None when it cannot be read."""
    parts = {}
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
            for line in f:
                key = line.split(":", 1)[0] + ":"
                if key in RSS_KEYS:
                    parts[key[:-1]] = int(line.split()[1])
    except OSError:
        return None
    return parts if "VmRSS" in parts else None


def rss_kb(pid):
    parts = rss_parts_kb(pid)
    return None if parts is None else parts["VmRSS"]


def instance_of(pid):
    """The FC_INSTANCE_ID in a process's environment, or None."""
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            for item in f.read().split(b"\0"):
                if item.startswith(b"FC_INSTANCE_ID="):
                    return item.split(b"=", 1)[1].decode(errors="replace")
    except OSError:
        return None
    return None


class Soak:
    def __init__(self, a):
        self.a = a
        u = urllib.parse.urlsplit(a.server)
        self.host, self.port = u.hostname, u.port
        self.lock = threading.Lock()
        self.jobs = queue.Queue()
        self.busy = 0
        self.sent = 0
        self.not_sent = 0
        self.statuses = {}
        self.codes = {}
        self.latencies = []
        self.ok_ids = []
        self.expected = 0
        self.unexpected = {}
        self.unexpected_samples = []
        self.kills = []
        self.kill_misses = 0
        self.rss = []
        self.rss_parts = []
        self.server_memory_start = None
        self.server_memory_end = None
        self.stop = threading.Event()
        self.start = None

    # -- requests ------------------------------------------------------------------------------

    def worker(self):
        conn = None
        while True:
            job = self.jobs.get()
            if job is None:
                break
            if conn is None:
                conn = http.client.HTTPConnection(self.host, self.port, timeout=self.a.request_timeout)
            t0 = time.perf_counter()
            status, code, rid, error = None, None, None, None
            try:
                conn.request("POST", f"/fn/{self.a.function}/invoke", body=b"soak",
                             headers={"x-bench-service-ms": str(self.a.service_ms), "Content-Type": "text/plain"})
                resp = conn.getresponse()
                body = resp.read()
                status = resp.status
                rid = resp.getheader("x-fc-request-id")
                if status >= 400:
                    try:
                        code = json.loads(body).get("code")
                    except (ValueError, AttributeError):
                        code = None
                if resp.getheader("connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as e:
                error = type(e).__name__
                try:
                    conn.close()
                except OSError:
                    pass
                conn = None
            ms = (time.perf_counter() - t0) * 1000
            with self.lock:
                self.busy -= 1
                if error is not None:
                    kind = f"client {error}"
                else:
                    self.statuses[status] = self.statuses.get(status, 0) + 1
                    kind = None
                    if 200 <= status < 300:
                        self.latencies.append(ms)
                        if rid:
                            self.ok_ids.append(rid)
                    elif status == 502 and code == "InstanceError":
                        self.expected += 1
                    else:
                        kind = f"{status} {code or '(no code)'}"
                    if code:
                        self.codes[code] = self.codes.get(code, 0) + 1
                if kind is not None:
                    self.unexpected[kind] = self.unexpected.get(kind, 0) + 1
                    if len(self.unexpected_samples) < 20:
                        self.unexpected_samples.append({"t_s": round(time.monotonic() - self.start, 3), "kind": kind, "request_id": rid})
        if conn is not None:
            conn.close()

    def schedule(self):
        rnd = random.Random(self.a.seed)
        t = 0.0
        end = self.start + self.a.duration
        while self.sent + self.not_sent < self.a.max_requests and not self.stop.is_set():
            t += rnd.expovariate(self.a.rate)
            at = self.start + t
            if at >= end:
                break
            delay = at - time.monotonic()
            if delay > 0 and self.stop.wait(delay):
                break
            with self.lock:
                if self.busy >= self.a.max_inflight:
                    self.not_sent += 1
                    continue
                self.busy += 1
                self.sent += 1
            self.jobs.put(at)

    # -- kills and memory ------------------------------------------------------------------------

    def instances(self):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            conn.request("GET", f"/api/v1/functions/{self.a.function}/instances")
            resp = conn.getresponse()
            body = resp.read()
            return json.loads(body) if resp.status == 200 else []
        finally:
            conn.close()

    def killer(self):
        rnd = random.Random(self.a.seed + 1)
        while not self.stop.wait(self.a.kill_every):
            if time.monotonic() - self.start >= self.a.duration:
                break
            try:
                candidates = [i for i in self.instances() if i.get("pid") and i.get("state") in SERVING]
            except (OSError, ValueError, http.client.HTTPException) as e:
                log(f"kill: could not list instances ({e})")
                self.kill_misses += 1
                continue
            if not candidates:
                self.kill_misses += 1
                continue
            victim = rnd.choice(candidates)
            pid = victim["pid"]
            if instance_of(pid) != victim["id"]:
                self.kill_misses += 1  # the pid is no longer that instance
                continue
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                self.kill_misses += 1
                continue
            t = round(time.monotonic() - self.start, 3)
            self.kills.append({"t_s": t, "instance": victim["id"], "pid": pid, "state": victim["state"],
                               "kind": victim.get("kind"), "in_flight": victim.get("inFlight", 0)})
            log(f"kill -9 {pid} ({victim['id']}, {victim['state']}, {victim.get('kind')}, {victim.get('inFlight', 0)} in flight) at {t} s")

    def server_memory(self):
        """The server's "memory" object from GET /api/v1/status, or None."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            conn.request("GET", "/api/v1/status")
            resp = conn.getresponse()
            body = resp.read()
            return json.loads(body).get("memory") if resp.status == 200 else None
        except (OSError, ValueError, http.client.HTTPException):
            return None
        finally:
            conn.close()

    def sample(self):
        parts = rss_parts_kb(self.a.server_pid)
        if parts is not None:
            t = time.monotonic() - self.start
            self.rss.append((t, parts["VmRSS"]))
            self.rss_parts.append((t, parts))
            if self.server_memory_start is None and t >= self.a.warmup:
                self.server_memory_start = self.server_memory()

    def sampler(self):
        while True:
            self.sample()
            if self.stop.wait(5):
                break

    def progress(self):
        while not self.stop.wait(30):
            with self.lock:
                log(f"{time.monotonic() - self.start:.0f} s: sent {self.sent}, 2xx {len(self.latencies)}, "
                    f"502 killed {self.expected}, unexpected {sum(self.unexpected.values())}, kills {len(self.kills)}, "
                    f"rss {self.rss[-1][1] // 1024 if self.rss else '?'} MB")

    def run(self):
        self.start = time.monotonic()
        workers = [threading.Thread(target=self.worker, daemon=True) for _ in range(self.a.max_inflight)]
        for w in workers:
            w.start()
        helpers = [threading.Thread(target=f, daemon=True) for f in (self.killer, self.sampler, self.progress)]
        for h in helpers:
            h.start()
        self.schedule()
        for _ in workers:
            self.jobs.put(None)
        deadline = time.monotonic() + self.a.request_timeout + 5
        for w in workers:
            w.join(max(0.1, deadline - time.monotonic()))
        # One last memory sample after the load, then the helpers stop.
        self.stop.set()
        self.sample()
        self.server_memory_end = self.server_memory()
        for h in helpers:
            h.join(15)
        return time.monotonic() - self.start

    def figures(self, elapsed):
        warm = [kb for t, kb in self.rss if t >= self.a.warmup]
        rss_start = warm[0] if warm else None
        # Least-squares slope of the samples after the warm-up: a leak climbs steadily, a warm-up step does not.
        after = [(t, kb) for t, kb in self.rss if t >= self.a.warmup]
        slope = None
        if len(after) >= 3:
            mt = sum(t for t, _ in after) / len(after)
            mk = sum(kb for _, kb in after) / len(after)
            var = sum((t - mt) ** 2 for t, _ in after)
            if var > 0:
                slope = sum((t - mt) * (kb - mk) for t, kb in after) / var * 3600 / 1024
        by_minute = {}
        for t, kb in self.rss:
            by_minute[int(t // 60)] = kb
        rss_end = self.rss[-1][1] if self.rss else None
        growth = None if not rss_start or rss_end is None else round((rss_end - rss_start) / rss_start * 100, 2)
        unexpected = sum(self.unexpected.values())
        answered = sum(self.statuses.values())
        warm_parts = [p for t, p in self.rss_parts if t >= self.a.warmup]

        def parts_mb(p):
            return None if p is None else {k: round(v / 1024, 1) for k, v in p.items()}
        return {
            "elapsed_s": round(elapsed, 1),
            "sent": self.sent,
            "not_sent": self.not_sent,
            "answered": answered,
            "served": len(self.latencies),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "error_codes": self.codes,
            "killed_502": self.expected,
            "unexpected": unexpected,
            "unexpected_kinds": self.unexpected,
            "unexpected_samples": self.unexpected_samples,
            "latency_p50_ms": None if not self.latencies else round(pct(self.latencies, 50), 1),
            "latency_p99_ms": None if not self.latencies else round(pct(self.latencies, 99), 1),
            "latency_max_ms": None if not self.latencies else round(max(self.latencies), 1),
            "kills": len(self.kills),
            "kill_misses": self.kill_misses,
            "kills_by_state": {s: sum(1 for k in self.kills if k["state"] == s) for s in sorted({k["state"] for k in self.kills})},
            "kill_log": self.kills,
            "rss_start_mb": None if rss_start is None else round(rss_start / 1024, 1),
            "rss_end_mb": None if rss_end is None else round(rss_end / 1024, 1),
            "rss_max_mb": None if not self.rss else round(max(kb for _, kb in self.rss) / 1024, 1),
            "rss_growth_pct": growth,
            "rss_slope_mb_per_h": None if slope is None else round(slope, 1),
            "rss_by_minute_mb": [round(by_minute[m] / 1024, 1) for m in sorted(by_minute)],
            "rss_samples": len(self.rss),
            "rss_parts_start_mb": parts_mb(warm_parts[0] if warm_parts else None),
            "rss_parts_end_mb": parts_mb(self.rss_parts[-1][1] if self.rss_parts else None),
            "server_memory_start": self.server_memory_start,
            "server_memory_end": self.server_memory_end,
        }


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--server", required=True)
    p.add_argument("--function", required=True)
    p.add_argument("--server-pid", type=int, required=True)
    p.add_argument("--rate", type=float, default=20.0)
    p.add_argument("--duration", type=float, required=True)
    p.add_argument("--max-requests", type=int, default=1_000_000)
    p.add_argument("--service-ms", type=int, default=50)
    p.add_argument("--kill-every", type=float, default=20.0)
    p.add_argument("--warmup", type=float, default=30.0)
    p.add_argument("--max-inflight", type=int, default=64)
    p.add_argument("--request-timeout", type=float, default=60.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--ids", required=True)
    a = p.parse_args()

    soak = Soak(a)
    log(f"load: Poisson {a.rate}/s for {a.duration:.0f} s (at most {a.max_requests} requests), {a.service_ms} ms each; "
        f"kill -9 one instance every {a.kill_every:.0f} s")
    elapsed = soak.run()
    with open(a.ids, "w", encoding="ascii") as f:
        f.writelines(rid + "\n" for rid in soak.ok_ids)
    print(json.dumps(soak.figures(elapsed), separators=(",", ":")))


if __name__ == "__main__":
    main()
