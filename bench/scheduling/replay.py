#!/usr/bin/env python3
"""Scheduling benchmark client: open-loop replay of an LLM inference trace against one function.

Used by bench/scheduling/run.sh, once per placement policy, on the same trace window. Standard
library only.

Trace: TIMESTAMP,ContextTokens,GeneratedTokens (AzureLLMInferenceTrace_code.csv). A window of
--requests consecutive rows from --offset is replayed:

- service time of a row, in milliseconds:  service_ms = A + B * ContextTokens + C * GeneratedTokens
  (--model A,B,C; default 5,0.002,1.0). It is sent in the header x-bench-service-ms and the function
  sleeps that long;
- arrival of a row: its TIMESTAMP minus the window's first, times one scale factor chosen so that
  utilisation = requests * mean service / (instances * replayed span) equals --utilisation
  (--arrivals trace, the default). With --arrivals poisson the rows keep their service times but
  arrive as a Poisson process at the same mean rate (seeded by --seed): the trace's bursts are
  smoothed away, which shows how the policies differ when the load is steady.

Open loop: each request is sent at its scheduled time whatever happened to the earlier ones, by a
pool of worker threads (one kept-alive connection each) that grows on demand up to --max-inflight.
A request that finds the pool full is not sent and counts as lost (not_sent).

Per request: status, latency (send to the end of the body, on the client), the server's queue wait
(answer header x-stasis-queue-ms), x-stasis-billed-active-ms, and the instance that served it
(the function's x-bench-instance header). Before and after the replay it reads the function's
instances (GET /api/v1/functions/NAME/instances) for each instance's busyMs and completed counts.

--plan prints the window, the model and the scale without sending anything. Otherwise one JSON
object with every figure goes to stdout; progress goes to stderr.
"""

import argparse
import csv
import datetime
import http.client
import json
import math
import random
import socket
import sys
import threading
import time
import urllib.parse

QUEUE_HEADER = "x-stasis-queue-ms"
BILLED_HEADER = "x-stasis-billed-active-ms"
INSTANCE_HEADER = "x-bench-instance"
SERVICE_HEADER = "x-bench-service-ms"


def log(msg):
    print(f"# {msg}", file=sys.stderr, flush=True)


def pct(values, p):
    """Nearest-rank percentile; None when empty."""
    if not values:
        return None
    s = sorted(values)
    r = max(1, min(len(s), int(math.ceil(p / 100 * len(s) - 1e-9))))
    return s[r - 1]


def rnd(v, nd=1):
    return None if v is None else round(v, nd)


# ---------------------------------------------------------------------------------------------
# Trace and model

EPOCH = datetime.datetime(1970, 1, 1)


def parse_ts(s):
    """'2023-11-16 18:17:03.9799600' -> seconds (float), keeping the 100 ns digits."""
    s = s.strip()
    base, _, frac = s.partition(".")
    t = (datetime.datetime.strptime(base, "%Y-%m-%d %H:%M:%S") - EPOCH).total_seconds()
    return t + (float("0." + frac) if frac else 0.0)


def load_window(path, offset, count):
    rows = []
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        missing = {"TIMESTAMP", "ContextTokens", "GeneratedTokens"} - set(reader.fieldnames or [])
        if missing:
            raise SystemExit(f"replay.py: {path} lacks the columns {sorted(missing)}")
        for i, row in enumerate(reader):
            if i < offset:
                continue
            if len(rows) >= count:
                break
            rows.append((parse_ts(row["TIMESTAMP"]), int(row["ContextTokens"]), int(row["GeneratedTokens"])))
    total = offset + len(rows)
    if len(rows) < count:
        raise SystemExit(f"replay.py: the trace has {total} rows; --offset {offset} + --requests {count} goes past its end")
    return rows


def simulate(offsets, service_ms, n, shared_queue):
    """Latencies (ms) of an ideal replay with no overhead: one FIFO queue that the first free of n
    instances takes from (shared_queue), or each request sent to instance i mod n with its own FIFO
    queue (round-robin at arrival)."""
    free = [0.0] * n
    out = []
    for i, (t, d) in enumerate(zip(offsets, service_ms)):
        k = min(range(n), key=free.__getitem__) if shared_queue else i % n
        start = max(t, free[k])
        free[k] = start + d / 1000
        out.append((free[k] - t) * 1000)
    return out


def plan(a):
    rows = load_window(a.trace, a.offset, a.requests)
    A, B, C = a.model
    t0 = rows[0][0]
    raw = [t - t0 for t, _, _ in rows]
    if any(raw[i + 1] < raw[i] for i in range(len(raw) - 1)):
        raise SystemExit("replay.py: the trace window is not in time order")
    raw_span = raw[-1]
    if raw_span <= 0:
        raise SystemExit("replay.py: the trace window spans no time; take more rows")
    service = [A + B * ctx + C * gen for _, ctx, gen in rows]
    service = [min(max(s, 0.0), 60000.0) for s in service]
    mean = sum(service) / len(service)
    # utilisation = requests * mean / (instances * span)  =>  span = requests * mean / (instances * U)
    span_s = len(rows) * mean / 1000 / (a.instances * a.utilisation)
    scale = span_s / raw_span
    offsets = [r * scale for r in raw]
    if a.arrivals == "poisson":
        rng = random.Random(a.seed)
        rate = len(rows) / span_s
        offsets, t = [], 0.0
        for _ in rows:
            offsets.append(t)
            t += rng.expovariate(rate)
    gaps = [offsets[i + 1] - offsets[i] for i in range(len(offsets) - 1)]
    out = {
        "rows": rows,
        "service": service,
        "offsets": offsets,
        "figures": {
            "trace": a.trace.rsplit("/", 1)[-1],
            "offset": a.offset,
            "requests": len(rows),
            "instances": a.instances,
            "model": f"service_ms = {A:g} + {B:g} * ContextTokens + {C:g} * GeneratedTokens",
            "model_a_ms": A,
            "model_b_ms_per_context_token": B,
            "model_c_ms_per_generated_token": C,
            "service_mean_ms": rnd(mean, 2),
            "service_p50_ms": rnd(pct(service, 50), 2),
            "service_p90_ms": rnd(pct(service, 90), 2),
            "service_p99_ms": rnd(pct(service, 99), 2),
            "service_max_ms": rnd(max(service), 2),
            "trace_span_s": rnd(raw_span, 3),
            "scale": round(scale, 6),
            "replay_span_s": rnd(span_s, 3),
            "offered_rps": rnd(len(rows) / span_s, 2),
            "utilisation": a.utilisation,
            "arrivals": a.arrivals,
            "max_gap_s": rnd(max(gaps) if gaps else 0.0, 3),
        },
    }
    for key, shared in (("sim_shared_queue", True), ("sim_round_robin", False)):
        lat = simulate(offsets, service, a.instances, shared)
        for q in (50, 90, 99):
            out["figures"][f"{key}_p{q}_ms"] = rnd(pct(lat, q), 1)
    return out


# ---------------------------------------------------------------------------------------------
# HTTP


class Conn:
    """One kept-alive HTTP/1.1 connection. A request that fails on a reused connection before any
    answer arrived (the server closed it while idle) is sent once more on a fresh one."""

    def __init__(self, host, port, timeout):
        self.host, self.port, self.timeout = host, port, timeout
        self.c = None
        self.used = False

    def close(self):
        if self.c is not None:
            self.c.close()
        self.c = None

    def request(self, method, path, headers=None, body=None):
        """(status, headers, body, resent)."""
        for attempt in range(2):
            if self.c is None:
                self.c = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
                self.used = False
            reused = self.used
            try:
                self.c.request(method, path, body=body, headers=headers or {})
                self.used = True
                r = self.c.getresponse()
                data = r.read()
                if r.will_close:
                    self.close()
                return r.status, r.headers, data, attempt > 0
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if not reused or attempt == 1:
                    raise
            except Exception:
                self.close()
                raise
        raise RuntimeError("unreachable")


def get_json(host, port, path, timeout=10):
    c = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        c.request("GET", path)
        r = c.getresponse()
        data = r.read()
        if r.status != 200:
            raise RuntimeError(f"GET {path}: {r.status} {data[:200]!r}")
        return json.loads(data)
    finally:
        c.close()


def snapshot(host, port, name):
    """id -> {state, completed, inFlight, busyMs (None when the server has no such field), kind, pid}."""
    items = get_json(host, port, f"/api/v1/functions/{urllib.parse.quote(name)}/instances")
    out = {}
    for i in items if isinstance(items, list) else []:
        out[i.get("id")] = {
            "state": i.get("state"),
            "kind": i.get("kind"),
            "pid": i.get("pid"),
            "completed": i.get("completed", 0) or 0,
            "inFlight": i.get("inFlight", 0) or 0,
            "busyMs": i.get("busyMs"),
        }
    return out


def classify(exc):
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "timeout"
    if isinstance(exc, ConnectionRefusedError):
        return "refused"
    if isinstance(exc, (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected)):
        return "reset"
    return "error"


# ---------------------------------------------------------------------------------------------
# Replay


class Replay:
    def __init__(self, a, host, port, path, offsets, service):
        self.a, self.host, self.port, self.path = a, host, port, path
        self.offsets, self.service = offsets, service
        n = len(offsets)
        self.status = [None] * n      # HTTP status, or None
        self.kind = [None] * n        # lost kind, or None when answered 2xx
        self.latency = [None] * n     # ms, send -> end of body
        self.queue = [None] * n       # ms, x-stasis-queue-ms
        self.billed = [None] * n      # ms, x-stasis-billed-active-ms
        self.instance = [None] * n    # x-bench-instance
        self.lag = [None] * n         # ms, send time - scheduled time
        self.resent = 0
        self.lock = threading.Lock()
        self.jobs = []                # (index, start) of requests due and not yet taken by a worker
        self.cond = threading.Condition(self.lock)
        self.idle = 0
        self.workers = 0
        self.peak_inflight = 0
        self.inflight = 0
        self.stop = False
        self.threads = []

    def _worker(self):
        conn = Conn(self.host, self.port, self.a.timeout)
        while True:
            with self.cond:
                while not self.jobs and not self.stop:
                    self.cond.wait()
                if not self.jobs:
                    conn.close()
                    return
                i, t_start = self.jobs.pop(0)
            self._send(conn, i, t_start)
            with self.cond:
                self.inflight -= 1
                self.idle += 1

    def _send(self, conn, i, t_start):
        headers = {SERVICE_HEADER: f"{self.service[i]:.3f}"}
        t0 = time.perf_counter()
        self.lag[i] = (time.monotonic() - (t_start + self.offsets[i])) * 1000
        try:
            status, h, _, resent = conn.request("GET", self.path, headers)
        except Exception as e:  # noqa: BLE001 - every failure is a lost request, by kind
            self.kind[i] = classify(e)
            return
        self.latency[i] = (time.perf_counter() - t0) * 1000
        self.status[i] = status
        if resent:
            with self.lock:
                self.resent += 1
        if not 200 <= status < 300:
            self.kind[i] = f"http_{status}"
            return
        q = h.get(QUEUE_HEADER)
        b = h.get(BILLED_HEADER)
        try:
            self.queue[i] = float(q) if q is not None else None
        except ValueError:
            self.queue[i] = None
        try:
            self.billed[i] = float(b) if b is not None else None
        except ValueError:
            self.billed[i] = None
        self.instance[i] = h.get(INSTANCE_HEADER) or None

    def _spawn(self):
        """One more worker; called with the lock held."""
        self.workers += 1
        t = threading.Thread(target=self._worker, daemon=True)
        self.threads.append(t)
        t.start()

    def run(self):
        """Sends every request at its time; returns (seconds from the start to the last answer, stopped_early)."""
        a = self.a
        n = len(self.offsets)
        # Workers started up front, so that a burst does not wait for threads to start; more are
        # started on demand, up to --max-inflight.
        with self.cond:
            for _ in range(min(a.workers, a.max_inflight)):
                self._spawn()
                self.idle += 1
        t_start = time.monotonic() + 0.5
        deadline = t_start + a.max_seconds
        stopped = False
        next_report = t_start + 5
        for i in range(n):
            due = t_start + self.offsets[i]
            while True:
                now = time.monotonic()
                if now >= due:
                    break
                time.sleep(min(due - now, 0.05))
            if now >= deadline:
                for j in range(i, n):
                    self.kind[j] = "unsent"
                stopped = True
                log(f"--max-seconds {a.max_seconds:g} reached: {n - i} of {n} requests not sent")
                break
            with self.cond:
                if self.idle > 0:
                    self.idle -= 1
                elif self.workers < a.max_inflight:
                    self._spawn()
                else:
                    self.kind[i] = "not_sent"
                    continue
                self.inflight += 1
                self.peak_inflight = max(self.peak_inflight, self.inflight)
                self.jobs.append((i, t_start))
                self.cond.notify()
            if now >= next_report:
                next_report = now + 5
                log(f"{i + 1}/{n} sent, {self.inflight} in flight, {self.workers} workers, {now - t_start:.1f} s")
        # Wait for the answers, within the same deadline.
        with self.cond:
            self.stop = True
            self.cond.notify_all()
        for t in self.threads:
            t.join(max(0.0, deadline - time.monotonic()))
        alive = sum(t.is_alive() for t in self.threads)
        if alive:
            stopped = True
            log(f"--max-seconds {a.max_seconds:g} reached with {alive} requests still waiting for an answer")
            with self.lock:
                for i in range(n):
                    if self.kind[i] is None and self.latency[i] is None:
                        self.kind[i] = "unfinished"
        return time.monotonic() - t_start, stopped


def warm_up(host, port, path, threads, count, seconds, service_ms):
    """Closed loop: `threads` connections send `count` requests of `service_ms` each, for at most
    `seconds`; not counted. Returns (requests answered, errors)."""
    left = [count]
    done = [0, 0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def loop():
        c = Conn(host, port, 10)
        while time.monotonic() < deadline:
            with lock:
                if left[0] <= 0:
                    break
                left[0] -= 1
            try:
                status, _, _, _ = c.request("GET", path, {SERVICE_HEADER: str(service_ms)})
                ok = status == 200
            except Exception:  # noqa: BLE001
                ok = False
            with lock:
                done[0 if ok else 1] += 1
        c.close()

    ts = [threading.Thread(target=loop, daemon=True) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(max(0.0, deadline - time.monotonic()) + 11)
    return done[0], done[1]


def shares_of(values):
    """id -> share of the total; max relative deviation from the mean share (|s - 1/M| * M)."""
    total = sum(values.values())
    m = len(values)
    if m == 0 or total <= 0:
        return {k: None for k in values}, None
    sh = {k: v / total for k, v in values.items()}
    return sh, max(abs(s - 1 / m) * m for s in sh.values())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trace", required=True)
    ap.add_argument("--offset", type=int, default=0, help="first row of the window (0 = the first data row)")
    ap.add_argument("--requests", type=int, default=1500, help="rows in the window")
    ap.add_argument("--instances", type=int, default=4, help="N, the instances the load is scaled to")
    ap.add_argument("--utilisation", type=float, default=0.7)
    ap.add_argument("--arrivals", choices=("trace", "poisson"), default="trace",
                    help="trace: the rows' timestamps, scaled; poisson: the same mean rate, exponential gaps")
    ap.add_argument("--seed", type=int, default=1, help="seed of the Poisson arrivals")
    ap.add_argument("--model", default="5,0.002,1.0", help="A,B,C of service_ms = A + B*ContextTokens + C*GeneratedTokens")
    ap.add_argument("--plan", action="store_true", help="print the window, model and scale as JSON, send nothing")
    ap.add_argument("--server", help="http://127.0.0.1:PORT")
    ap.add_argument("--function", help="function name")
    ap.add_argument("--policy", default="", help="recorded in the output")
    ap.add_argument("--max-seconds", type=float, default=180, help="the replay (sending and waiting for answers) stops after this long")
    ap.add_argument("--timeout", type=float, default=60, help="client timeout per request (socket operations), seconds")
    ap.add_argument("--max-inflight", type=int, default=512, help="most requests in flight; one more is not sent and counts as lost")
    ap.add_argument("--warmup-only", type=float, default=0, metavar="SECONDS",
                    help="only send 0 ms requests on 8 connections for SECONDS (closed loop), print a count, and exit")
    ap.add_argument("--workers", type=int, default=512, help="sending threads started before the replay (more start on demand, up to --max-inflight)")
    ap.add_argument("--warmup", type=int, default=100, help="requests before the replay (1 ms each, closed loop), not counted")
    a = ap.parse_args()

    try:
        a.model = tuple(float(x) for x in a.model.split(","))
        if len(a.model) != 3 or any(not math.isfinite(x) or x < 0 for x in a.model):
            raise ValueError
    except ValueError:
        ap.error("--model takes three non-negative numbers A,B,C")
    if a.offset < 0 or not 2 <= a.requests <= 100000:
        ap.error("--offset must be >= 0 and --requests 2..100000")
    if not 1 <= a.instances <= 1000:
        ap.error("--instances must be 1..1000")
    if not 0 < a.utilisation <= 2:
        ap.error("--utilisation must be in (0, 2]")
    if not (0 < a.max_seconds <= 3600 and 0 < a.timeout <= 600 and 1 <= a.max_inflight <= 2000 and 0 <= a.warmup <= 100000
            and 0 <= a.workers <= 2000 and 0 <= a.warmup_only <= 600):
        ap.error("--max-seconds 0..3600, --timeout 0..600, --max-inflight 1..2000, --warmup 0..100000, --workers 0..2000, --warmup-only 0..600")

    p = plan(a)
    fig = dict(p["figures"])
    if a.plan:
        print(json.dumps(fig), flush=True)
        return
    if not a.server or not a.function:
        ap.error("--server and --function are needed unless --plan is given")

    sys.setswitchinterval(0.001)  # the sending thread should not wait long for the GIL
    threading.stack_size(512 * 1024)
    u = urllib.parse.urlparse(a.server)
    host, port = u.hostname, u.port
    path = f"/fn/{urllib.parse.quote(a.function)}/"
    fig["policy"] = a.policy
    fig["function"] = a.function

    if a.warmup_only:
        # Load the gateway for a while before anything is measured: its JIT is still compiling
        # the request path during the first seconds of load (see bench/README.md, gateway).
        n_ok, n_err = warm_up(host, port, path, 8, 10**9, a.warmup_only, 0)
        print(json.dumps({"server_warmup_s": a.warmup_only, "server_warmup_requests": n_ok,
                          "server_warmup_errors": n_err}), flush=True)
        return
    _, warm_errors = warm_up(host, port, path, a.instances, a.warmup, 60, 1) if a.warmup > 0 else (0, 0)
    fig["warmup"] = a.warmup
    fig["warmup_errors"] = warm_errors
    before = snapshot(host, port, a.function)
    log(f"{a.function}: replaying {len(p['offsets'])} requests over {fig['replay_span_s']} s "
        f"({len(before)} instances, warm-up errors: {warm_errors})")

    r = Replay(a, host, port, path, p["offsets"], p["service"])
    elapsed, stopped = r.run()
    time.sleep(0.2)  # let the server finish its bookkeeping of the last answers
    after = snapshot(host, port, a.function)

    n = len(p["offsets"])
    ok = [i for i in range(n) if r.kind[i] is None and r.status[i] is not None]
    lost_kinds = {}
    for k in r.kind:
        if k is not None:
            lost_kinds[k] = lost_kinds.get(k, 0) + 1
    lat = [r.latency[i] for i in ok]
    have_queue = [r.queue[i] for i in ok if r.queue[i] is not None]
    if have_queue:
        queue = have_queue
        queue_source = QUEUE_HEADER
    else:
        # The server does not send the header: estimate the wait as latency minus the active time it
        # billed (taking the slot to the function's answer), so it also holds the gateway's own time.
        queue = [max(0.0, r.latency[i] - r.billed[i]) for i in ok if r.billed[i] is not None]
        queue_source = f"estimate: latency - {BILLED_HEADER}"
    lags = [x for x in r.lag if x is not None]

    fig.update({
        "sent": sum(1 for k in r.kind if k not in ("not_sent", "unsent")),
        "ok": len(ok),
        "lost": n - len(ok),
        "lost_kinds": lost_kinds,
        "stopped_early": stopped,
        "elapsed_s": rnd(elapsed, 2),
        "resent": r.resent,
        "peak_inflight": r.peak_inflight,
        "workers": r.workers,
        "send_lag_p50_ms": rnd(pct(lags, 50), 2),
        "send_lag_p99_ms": rnd(pct(lags, 99), 2),
        "send_lag_max_ms": rnd(max(lags) if lags else None, 2),
        "latency_p50_ms": rnd(pct(lat, 50), 2),
        "latency_p90_ms": rnd(pct(lat, 90), 2),
        "latency_p99_ms": rnd(pct(lat, 99), 2),
        "latency_mean_ms": rnd(sum(lat) / len(lat) if lat else None, 2),
        "queue_source": queue_source,
        "queue_p50_ms": rnd(pct(queue, 50), 2),
        "queue_p90_ms": rnd(pct(queue, 90), 2),
        "queue_p99_ms": rnd(pct(queue, 99), 2),
        "queue_mean_ms": rnd(sum(queue) / len(queue) if queue else None, 2),
        "queued_share": rnd(sum(1 for q in queue if q >= 1.0) / len(queue) if queue else None, 4),
    })

    # Busy shares. Instances: every live one before or after, and any an answer named.
    ids = sorted(set(before) | set(after) | {x for x in r.instance if x})
    have_busy = all(after.get(i, {}).get("busyMs") is not None and before.get(i, {"busyMs": 0}).get("busyMs") is not None
                    for i in ids) and bool(ids)
    billed_by = {i: 0.0 for i in ids}
    served_by = {i: 0 for i in ids}
    for j in ok:
        if r.instance[j]:
            served_by[r.instance[j]] = served_by.get(r.instance[j], 0) + 1
            if r.billed[j] is not None:
                billed_by[r.instance[j]] = billed_by.get(r.instance[j], 0.0) + r.billed[j]
    completed = {i: after.get(i, {}).get("completed", 0) - before.get(i, {}).get("completed", 0) for i in ids}
    if have_busy:
        busy = {i: after[i]["busyMs"] - (before.get(i, {}).get("busyMs") or 0) for i in ids}
        share_source = "busyMs"
    elif any(billed_by.values()):
        busy = billed_by
        share_source = f"client: sum of {BILLED_HEADER} per instance (the server has no busyMs)"
    else:
        busy = completed
        share_source = "completed requests (the server has no busyMs)"
    shares, max_dev = shares_of(busy)
    completed_shares, completed_dev = shares_of(completed)
    span_ms = (fig["replay_span_s"] or 0) * 1000
    fig.update({
        "share_source": share_source,
        "max_share_dev": rnd(max_dev, 4),
        "completed_max_share_dev": rnd(completed_dev, 4),
        "busy_utilisation": rnd(sum(busy.values()) / (len(ids) * span_ms), 4)
        if share_source != "completed requests (the server has no busyMs)" and ids and span_ms > 0 and not stopped else None,
        "instances_seen": len(ids),
        "instance_figures": [
            {
                "id": i,
                "kind": (after.get(i) or before.get(i) or {}).get("kind"),
                "state": (after.get(i) or {}).get("state", "gone"),
                "busy": rnd(busy.get(i), 1),
                "share": rnd(shares.get(i), 4),
                "completed": completed.get(i),
                "completed_share": rnd(completed_shares.get(i), 4),
                "served_seen": served_by.get(i, 0),
            }
            for i in ids
        ],
    })
    log(f"{a.function}: {len(ok)}/{n} answered 2xx in {elapsed:.1f} s; lost {n - len(ok)} {lost_kinds or ''}")
    print(json.dumps(fig), flush=True)


if __name__ == "__main__":
    main()
