#!/usr/bin/env python3
"""Autoscale benchmark client: a step load against one function with a target tracking policy, and
what the autoscaler did about it.

Used by bench/autoscale/run.sh. Standard library only.

The function sleeps --service-ms per request (header x-bench-service-ms) with instanceConcurrency 1,
so P0 provisioned instances serve P0 / service requests per second. The offered load is a fraction
of that capacity: rate = fraction x P0 / service. Phases, open loop:

  warm       --low  for --warm seconds
  step up    --high until `current` (GET .../provision) reaches the expected target, at most --up-max s
  hold       --high for --hold seconds more
  step down  --low  until `current` is back at the expected low target, at most --down-max s
  tail       --low  for --tail seconds

Arrivals are a Poisson process at the phase's rate (--arrivals poisson, seeded) or evenly spaced
(--arrivals even). Each request is sent at its time whatever happened to the earlier ones, by a pool
of threads with one kept-alive connection each; a request that finds --max-inflight requests
outstanding is not sent and counts as lost (not_sent).

A poller reads GET /api/v1/functions/NAME/provision every --poll-ms (time, target, current). At the
end it reads the decisions (GET .../provision/history), the instances (GET .../instances?all=true)
and the metric intervals (GET .../metrics), and prints a report, then one JSON object with every
figure as the last line of stdout. Progress goes to stderr.
"""

import argparse
import datetime
import http.client
import json
import math
import random
import re
import socket
import sys
import threading
import time
import urllib.parse

QUEUE_HEADER = "x-stasis-queue-ms"
INSTANCE_HEADER = "x-bench-instance"
SERVICE_HEADER = "x-bench-service-ms"
EPS = 1e-9  # as the server's rule: absorbs floating-point error before rounding up


def log(msg):
    print(f"# {msg}", file=sys.stderr, flush=True)


def pct(values, p):
    """Nearest-rank percentile; None when empty."""
    if not values:
        return None
    s = sorted(values)
    r = max(1, min(len(s), int(math.ceil(p / 100 * len(s) - 1e-9))))
    return s[r - 1]


def rnd(v, nd=2):
    return None if v is None else round(v, nd)


def parse_time(s):
    """ISO 8601 as the server writes it ('2026-03-10T10:00:00.1234567+00:00') -> Unix seconds."""
    if not s:
        return None
    m = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)?$", s)
    if not m:
        return None
    base = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S")
    tz = m.group(3) or "Z"
    off = 0 if tz == "Z" else (1 if tz[0] == "+" else -1) * (int(tz[1:3]) * 3600 + int(tz[4:6]) * 60)
    frac = float("0." + m.group(2)) if m.group(2) else 0.0
    return (base - datetime.datetime(1970, 1, 1)).total_seconds() - off + frac


# ---------------------------------------------------------------------------------------------
# The rule (docs/autoscaling.md), to know where the target should settle


def settle(start, busy, goal, lo, hi):
    """Targets the rule steps through from `start` instances when `busy` slots are in flight on
    average: scale out to ceil(T x m / goal) while m = min(1, busy / T) > goal, scale in (never
    above T) while m < goal; each within [lo, hi]. Returns the list of targets, the last one the
    fixed point."""
    seq = [start]
    t = start
    for _ in range(50):
        m = min(1.0, busy / t) if t > 0 else 1.0
        asked = int(math.ceil(t * m / goal - EPS))
        if m > goal:
            nxt = min(max(max(asked, t), lo), hi)
        elif m < goal:
            nxt = min(max(min(asked, t), lo), hi)
        else:
            nxt = t
        if nxt == t:
            break
        seq.append(nxt)
        t = nxt
    return seq


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

    def request(self, method, path, headers=None):
        """(status, headers, body)."""
        for attempt in range(2):
            if self.c is None:
                self.c = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
                self.used = False
            reused = self.used
            try:
                self.c.request(method, path, headers=headers or {})
                self.used = True
                r = self.c.getresponse()
                data = r.read()
                if r.will_close:
                    self.close()
                return r.status, r.headers, data
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


def classify(exc):
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "timeout"
    if isinstance(exc, ConnectionRefusedError):
        return "refused"
    if isinstance(exc, (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected)):
        return "reset"
    return "error"


# ---------------------------------------------------------------------------------------------
# Load and poller


class Load:
    """Open-loop sender: arrivals at the current rate (set_rate), handed to a pool of workers."""

    def __init__(self, a, host, port, path):
        self.a, self.host, self.port, self.path = a, host, port, path
        self.rng = random.Random(a.seed)
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.jobs = []
        self.idle = 0
        self.workers = 0
        self.inflight = 0
        self.peak_inflight = 0
        self.threads = []
        self.records = []  # dicts: t (wall, send), lag_ms, status, kind, latency_ms, queue_ms, instance
        self.epoch = None  # (start monotonic, rate per second), replaced at each step
        self.stop_sending = threading.Event()
        self.stop = False
        self.sender = None

    def set_rate(self, rate, start):
        self.epoch = (start, rate)

    def gap(self, rate):
        return self.rng.expovariate(rate) if self.a.arrivals == "poisson" else 1.0 / rate

    def _spawn(self):
        self.workers += 1
        t = threading.Thread(target=self._worker, daemon=True)
        self.threads.append(t)
        t.start()

    def _worker(self):
        conn = Conn(self.host, self.port, self.a.timeout)
        while True:
            with self.cond:
                while not self.jobs and not self.stop:
                    self.cond.wait()
                if not self.jobs:
                    conn.close()
                    return
                rec, due = self.jobs.pop(0)
            self._send(conn, rec, due)
            with self.cond:
                self.inflight -= 1
                self.idle += 1

    def _send(self, conn, rec, due):
        t0 = time.perf_counter()
        rec["lag_ms"] = (time.monotonic() - due) * 1000
        try:
            status, h, _ = conn.request("GET", self.path, {SERVICE_HEADER: str(self.a.service_ms)})
        except Exception as e:  # noqa: BLE001 - every failure is a lost request, by kind
            rec["kind"] = classify(e)
            return
        rec["latency_ms"] = (time.perf_counter() - t0) * 1000
        rec["status"] = status
        if not 200 <= status < 300:
            rec["kind"] = f"http_{status}"
            return
        try:
            rec["queue_ms"] = float(h.get(QUEUE_HEADER)) if h.get(QUEUE_HEADER) is not None else None
        except ValueError:
            rec["queue_ms"] = None
        rec["instance"] = h.get(INSTANCE_HEADER) or None

    def _send_loop(self, wall0, mono0):
        epoch = None
        due = None
        while not self.stop_sending.is_set():
            if self.epoch is not epoch:
                epoch = self.epoch
                due = epoch[0] + (self.gap(epoch[1]) if self.a.arrivals == "poisson" else 0.0)
            now = time.monotonic()
            if now < due:
                time.sleep(min(due - now, 0.01))
                continue
            rec = {"t": wall0 + (due - mono0), "kind": None, "latency_ms": None}
            with self.cond:
                self.records.append(rec)
                if self.idle > 0:
                    self.idle -= 1
                elif self.workers < self.a.max_inflight:
                    self._spawn()
                else:
                    rec["kind"] = "not_sent"
                    due += self.gap(epoch[1])
                    continue
                self.inflight += 1
                self.peak_inflight = max(self.peak_inflight, self.inflight)
                self.jobs.append((rec, due))
                self.cond.notify()
            due += self.gap(epoch[1])

    def start(self, wall0, mono0):
        with self.cond:
            for _ in range(min(self.a.workers, self.a.max_inflight)):
                self._spawn()
                self.idle += 1
        self.sender = threading.Thread(target=self._send_loop, args=(wall0, mono0), daemon=True)
        self.sender.start()

    def finish(self, seconds):
        """Stops sending, waits at most `seconds` for the answers; what is left counts as unfinished."""
        self.stop_sending.set()
        if self.sender is not None:
            self.sender.join(5)
        deadline = time.monotonic() + seconds
        with self.cond:
            self.stop = True
            self.cond.notify_all()
        for t in self.threads:
            t.join(max(0.0, deadline - time.monotonic()))
        with self.lock:
            for rec in self.records:
                if rec["kind"] is None and rec["latency_ms"] is None:
                    rec["kind"] = "unfinished"
        return sum(t.is_alive() for t in self.threads)


class Poller:
    """Reads the provision state every period: (wall time, target, current)."""

    def __init__(self, host, port, name, period):
        self.host, self.port, self.period = host, port, period
        self.path = f"/api/v1/functions/{urllib.parse.quote(name)}/provision"
        self.samples = []  # (t, target, current)
        self.errors = 0
        self.latest = None
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self):
        conn = Conn(self.host, self.port, 5)
        nxt = time.monotonic()
        while not self.stopping.is_set():
            t_send = time.time()
            try:
                status, _, body = conn.request("GET", self.path)
                t_back = time.time()
                if status == 200:
                    p = json.loads(body)
                    s = ((t_send + t_back) / 2, int(p.get("target", 0)), int(p.get("current", 0)))
                    self.samples.append(s)
                    self.latest = s
                else:
                    self.errors += 1
            except Exception:  # noqa: BLE001 - a missed poll is counted, not fatal
                self.errors += 1
                conn.close()
            nxt += self.period
            delay = nxt - time.monotonic()
            if delay < 0:
                nxt = time.monotonic()
                delay = 0
            self.stopping.wait(delay)
        conn.close()

    def start(self):
        self.thread.start()

    def stop(self):
        self.stopping.set()
        self.thread.join(5)


# ---------------------------------------------------------------------------------------------
# Figures


def lat_figures(recs):
    ok = [r["latency_ms"] for r in recs if r["kind"] is None and r["latency_ms"] is not None]
    lost = sum(1 for r in recs if r["kind"] is not None)
    return {
        "requests": len(recs),
        "lost": lost,
        "p50_ms": rnd(pct(ok, 50), 1),
        "p90_ms": rnd(pct(ok, 90), 1),
        "p99_ms": rnd(pct(ok, 99), 1),
        "max_ms": rnd(max(ok) if ok else None, 1),
    }


COUNT_RE = re.compile(r"([<>]) [0-9.]+ for (\d+) of (\d+) intervals")


def below_count(decision):
    """The run of intervals below target a decision reports ('< 0.50 for 7 of 15 intervals'), or 0."""
    for p in decision.get("proposals") or []:
        m = COUNT_RE.search(p.get("why") or "")
        if m and m.group(1) == "<":
            return int(m.group(2))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--server", required=True, help="http://127.0.0.1:PORT")
    ap.add_argument("--function", required=True)
    ap.add_argument("--p0", type=int, default=4, help="provisioned instances before the step (minCapacity)")
    ap.add_argument("--max-capacity", type=int, default=12, help="the policy's maxCapacity")
    ap.add_argument("--metric-target", type=float, default=0.5)
    ap.add_argument("--service-ms", type=float, default=100)
    ap.add_argument("--low", type=float, default=0.1, help="load before and after the step, fraction of P0's capacity")
    ap.add_argument("--high", type=float, default=0.9, help="load during the step, fraction of P0's capacity")
    ap.add_argument("--interval", type=float, default=1, help="the server's metrics interval, seconds")
    ap.add_argument("--scale-out-intervals", type=int, default=3)
    ap.add_argument("--scale-in-intervals", type=int, default=15)
    ap.add_argument("--warm", type=float, default=20)
    ap.add_argument("--up-max", type=float, default=60)
    ap.add_argument("--hold", type=float, default=30)
    ap.add_argument("--down-max", type=float, default=60)
    ap.add_argument("--tail", type=float, default=5)
    ap.add_argument("--arrivals", choices=("poisson", "even"), default="poisson")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--poll-ms", type=float, default=200)
    ap.add_argument("--timeout", type=float, default=30, help="client timeout per socket operation, seconds")
    ap.add_argument("--workers", type=int, default=64, help="sending threads started up front")
    ap.add_argument("--max-inflight", type=int, default=512)
    a = ap.parse_args()
    if not (1 <= a.p0 <= a.max_capacity <= 1000 and 0 < a.metric_target <= 1 and 1 <= a.service_ms <= 60000
            and 0 < a.low < a.high <= 2 and 0 < a.interval <= 3600 and a.scale_out_intervals >= 1
            and a.scale_in_intervals >= 1 and a.warm >= 0 and a.up_max > 0 and a.hold >= 0 and a.down_max > 0
            and a.tail >= 0 and 10 <= a.poll_ms <= 5000 and 0 < a.timeout <= 600
            and 0 <= a.workers <= 2000 and 1 <= a.max_inflight <= 2000):
        ap.error("an argument is out of range")

    sys.setswitchinterval(0.001)  # the sending thread should not wait long for the GIL
    threading.stack_size(512 * 1024)
    u = urllib.parse.urlparse(a.server)
    host, port = u.hostname, u.port
    name = a.function
    qname = urllib.parse.quote(name)
    path = f"/fn/{qname}/"

    S = a.service_ms / 1000
    rate_low = a.low * a.p0 / S
    rate_high = a.high * a.p0 / S
    goal = a.metric_target
    seq_up = settle(a.p0, a.high * a.p0, goal, a.p0, a.max_capacity)
    expected_high = seq_up[-1]
    seq_down = settle(expected_high, a.low * a.p0, goal, a.p0, a.max_capacity)
    expected_low = seq_down[-1]

    load = Load(a, host, port, path)
    poller = Poller(host, port, name, a.poll_ms / 1000)
    wall0, mono0 = time.time(), time.monotonic()

    def wall(mono):
        return wall0 + (mono - mono0)

    poller.start()
    mark = {}

    def step(label, rate):
        now = time.monotonic()
        mark[label] = wall(now)
        load.set_rate(rate, now)
        log(f"{label}: {rate:.2f} requests/s")

    def wait_until(cond, seconds, label):
        """Waits until cond(target, current) holds on a poll, or `seconds` pass. The time it held, or None."""
        end = time.monotonic() + seconds
        next_report = time.monotonic() + 5
        while time.monotonic() < end:
            s = poller.latest
            if s is not None and s[0] >= mark[label] and cond(s[1], s[2]):
                return s[0]
            if time.monotonic() >= next_report:
                next_report += 5
                log(f"{label}: target {s[1] if s else '?'}, current {s[2] if s else '?'}, "
                    f"{load.inflight} in flight, {time.time() - mark[label]:.0f} s")
            time.sleep(0.05)
        return None

    interrupted = False
    reached_up = reached_down = None
    try:
        step("warm", rate_low)
        load.start(wall0, mono0)
        time.sleep(a.warm)
        step("up", rate_high)
        reached_up = wait_until(lambda t, c: c >= expected_high, a.up_max, "up")
        mark["hold"] = wall(time.monotonic())
        log(f"hold: {a.hold:g} s at the same load (expected target {expected_high} "
            f"{'reached' if reached_up else 'NOT reached'})")
        time.sleep(a.hold)
        step("down", rate_low)
        reached_down = wait_until(lambda t, c: c <= expected_low and t <= expected_low, a.down_max, "down")
        mark["tail"] = wall(time.monotonic())
        log(f"tail: {a.tail:g} s")
        time.sleep(a.tail)
    except KeyboardInterrupt:
        interrupted = True
    mark["end"] = wall(time.monotonic())
    left = load.finish(a.timeout + 5)
    poller.stop()
    if interrupted:
        log("interrupted")
        raise SystemExit(130)

    # ---- read back what the server did
    hist = get_json(host, port, f"/api/v1/functions/{qname}/provision/history?limit=1000")  # the API's most
    hist = sorted((d for d in hist if isinstance(d, dict)), key=lambda d: parse_time(d.get("at")) or 0)
    history_complete = len(hist) < 1000 or (parse_time(hist[0].get("at")) or 0) < mark["warm"]
    if not history_complete:
        log("warning: the run has more than 1000 decisions; the earliest are missing from the history")
    insts = get_json(host, port, f"/api/v1/functions/{qname}/instances?all=true")
    since = int(mark["end"] - wall0 + 120)
    metrics = get_json(host, port, f"/api/v1/functions/{qname}/metrics?since={since}s")
    points = metrics.get("points") or []

    t_up, t_hold, t_down, t_tail, t_end = mark["up"], mark["hold"], mark["down"], mark["tail"], mark["end"]
    iv = a.interval

    # Decisions that changed the target, after the load began.
    changes = []
    for d in hist:
        at = parse_time(d.get("at"))
        prev = d.get("previousTarget")
        if at is None or at < mark["warm"] or prev is None or d.get("target") == prev:
            continue
        ie = parse_time(d.get("intervalEnd"))
        # The load a decision answers: that of the middle of the interval it weighed.
        ref = (ie - iv / 2) if ie is not None else at
        seg = "low-before" if ref < t_up else "high" if ref < t_down else "low-after"
        changes.append({
            "at": at, "rel_up": at - t_up, "rel_down": at - t_down, "from": prev, "to": d["target"],
            "current": d.get("current"), "pcu": d.get("provisionedConcurrencyUtilization"),
            "interval_end": ie, "segment": seg, "reason": d.get("reason"),
            "dir": 1 if d["target"] > prev else -1,
        })
    flips = 0
    flip_list = []
    for i in range(1, len(changes)):
        if changes[i]["dir"] != changes[i - 1]["dir"] and changes[i]["segment"] == changes[i - 1]["segment"]:
            flips += 1
            flip_list.append(i)
    wrong_dir = sum(1 for c in changes if (c["segment"] == "high" and c["dir"] < 0) or (c["segment"] != "high" and c["dir"] > 0))

    # Metric intervals by load segment (the whole interval inside it).
    def pts(lo, hi):
        out = []
        for p in points:
            s, e = parse_time(p.get("start")), parse_time(p.get("end"))
            if s is not None and e is not None and s >= lo and e <= hi:
                out.append(p)
        return out

    def mean_of(ps, key):
        v = [p[key] for p in ps if p.get(key) is not None]
        return sum(v) / len(v) if v else None

    # Scale-out decisions whose `current` differs from the ready count of the interval they weighed.
    by_end = {parse_time(p.get("end")): p for p in points}
    mismatched = []
    for c in changes:
        p = by_end.get(c["interval_end"])
        if c["dir"] > 0 and p is not None and p.get("provisionedCurrent") is not None and p["provisionedCurrent"] != c["current"]:
            mismatched.append({"at_s": rnd(c["rel_up"], 2), "current": c["current"], "interval_ready": p["provisionedCurrent"],
                               "pcu": rnd(c["pcu"], 3), "to": c["to"]})

    # Step up.
    up_change = next((c for c in changes if c["at"] >= t_up and c["dir"] > 0), None)
    first_target = up_change["to"] if up_change else None
    reach_first = None
    if first_target is not None:
        reach_first = next((s[0] for s in poller.samples if s[0] >= t_up and s[2] >= first_target), None)
    seen_targets = [s[1] for s in poller.samples if s[0] >= t_up] + [c["to"] for c in changes if c["at"] >= t_up]
    max_target = max(seen_targets, default=None)
    max_current = max((s[2] for s in poller.samples if s[0] >= t_up), default=None)

    # Instances: start-up of the provisioned ones the step added; stop time of those the step-down removed.
    infos = []
    for i in insts if isinstance(insts, list) else []:
        infos.append({
            "id": i.get("id"), "kind": i.get("kind"), "state": i.get("state"),
            "started": parse_time(i.get("startedAt")), "ready": parse_time(i.get("readyAt")),
            "stopped": parse_time(i.get("stoppedAt")),
        })
    added = [i for i in infos if i["kind"] == "provisioned" and i["started"] is not None and i["started"] >= t_up
             and i["started"] < t_down and i["ready"] is not None]
    startups = [i["ready"] - i["started"] for i in added]
    startup = max(startups) if startups else None
    before = [i for i in infos if i["kind"] == "provisioned" and i["started"] is not None and i["started"] < t_up
              and i["ready"] is not None]
    startup_initial = max((i["ready"] - i["started"] for i in before), default=None)
    on_demand = [i for i in infos if i["kind"] != "provisioned"]
    # Ready count from readyAt alone (no instance stopped during the step up): when the expected
    # number of provisioned instances was first ready, to the millisecond.
    ready_times = sorted(i["ready"] for i in infos if i["kind"] == "provisioned" and i["ready"] is not None
                         and (i["stopped"] is None or i["stopped"] > t_up))
    up_ready_exact = ready_times[expected_high - 1] if len(ready_times) >= expected_high else None
    if up_ready_exact is not None and up_ready_exact < t_up:
        up_ready_exact = None
    # When current reached the expected target: to the millisecond from readyAt when the polls
    # confirm it (a poll sees it up to --poll-ms plus a round trip later), else the first poll.
    exact_up = reached_up is not None and up_ready_exact is not None and up_ready_exact <= reached_up
    up_reach = up_ready_exact if exact_up else reached_up
    # Below the expected target again while the load is still high (after current first reached it).
    in_hold = [s for s in poller.samples if up_reach is not None and up_reach <= s[0] < t_down]
    min_target_hold = min((s[1] for s in in_hold), default=None)
    min_current_hold = min((s[2] for s in in_hold), default=None)
    # How long after its interval closed each decision was made (the sampler closes an interval, the
    # registry's 1 s tick weighs it).
    lags_dec = [parse_time(d.get("at")) - parse_time(d.get("intervalEnd")) for d in hist
                if d.get("intervalEnd") and parse_time(d.get("at")) is not None and parse_time(d.get("at")) >= mark["warm"]]
    # One step: sustained period + start-up + 1 interval. When the rule needs several steps to get
    # there (a load above the capacity saturates the metric at 1), each step pays both again.
    up_steps = max(1, len(seq_up) - 1)
    up_bound = up_steps * (a.scale_out_intervals * iv + (startup if startup is not None else 0)) + iv

    # Step down.
    down_change = next((c for c in changes if c["at"] >= t_down and c["dir"] < 0), None)
    # Current drops when the decision is made (draining instances no longer count), so the decision's
    # time is when current came back, when the polls confirm it.
    down_decided = next((c["at"] for c in changes if c["at"] >= t_down and c["to"] <= expected_low < c["from"]), None)
    exact_down = reached_down is not None and down_decided is not None and down_decided <= reached_down
    down_reach = down_decided if exact_down else reached_down
    stop_times = []
    if down_change is not None:
        for i in infos:
            if i["kind"] == "provisioned" and i["stopped"] is not None and i["stopped"] >= down_change["at"] - 0.01:
                stop_times.append(i["stopped"] - down_change["at"])
    stop_s = max(stop_times) if stop_times else None
    down_bound = a.scale_in_intervals * iv + (stop_s if stop_s is not None else 0) + iv
    last_before_down = [d for d in hist if (parse_time(d.get("at")) or 0) < t_down]
    below_at_down = below_count(last_before_down[-1]) if last_before_down else None

    # Latency by phase, by send time.
    t_reached = up_reach if up_reach is not None else t_hold
    t_back = down_reach if down_reach is not None else t_tail
    recs = load.records
    groups = {
        "warm": [r for r in recs if r["t"] < t_up],
        "step_up": [r for r in recs if t_up <= r["t"] < t_reached],
        "hold": [r for r in recs if t_reached <= r["t"] < t_down],
        "step_down": [r for r in recs if t_down <= r["t"] < t_back],
        "tail": [r for r in recs if r["t"] >= t_back],
    }
    lat = {k: lat_figures(v) for k, v in groups.items()}
    lost_kinds = {}
    for r in recs:
        if r["kind"] is not None:
            lost_kinds[r["kind"]] = lost_kinds.get(r["kind"], 0) + 1
    lags = [r["lag_ms"] for r in recs if r.get("lag_ms") is not None]

    p_warm = pts(mark["warm"] + iv, t_up)
    p_step = pts(t_up, (up_reach or t_hold))
    p_hold = pts((up_reach or t_hold) + iv, t_down)
    p_tail = pts((down_reach or t_tail) + iv, t_end)

    def rel(t, ref):
        return None if t is None or ref is None else rnd(t - ref, 2)

    fig = {
        "function": name,
        "p0": a.p0, "min_capacity": a.p0, "max_capacity": a.max_capacity, "metric_target": goal,
        "service_ms": a.service_ms, "low": a.low, "high": a.high, "arrivals": a.arrivals, "seed": a.seed,
        "rate_low_rps": rnd(rate_low, 2), "rate_high_rps": rnd(rate_high, 2),
        "interval_s": iv, "scale_out_intervals": a.scale_out_intervals, "scale_in_intervals": a.scale_in_intervals,
        "poll_ms": a.poll_ms,
        "expected_high_target": expected_high, "expected_high_steps": seq_up,
        "expected_low_target": expected_low, "expected_low_steps": seq_down,
        "phase_warm_s": rnd(t_up - mark["warm"], 1), "phase_up_s": rnd(t_hold - t_up, 1),
        "phase_hold_s": rnd(t_down - t_hold, 1), "phase_down_s": rnd(t_tail - t_down, 1),
        "phase_tail_s": rnd(t_end - t_tail, 1),
        # step up
        "up_target_changed_s": rel(up_change["at"] if up_change else None, t_up),
        "up_first_target": first_target,
        "up_first_reason": up_change["reason"] if up_change else None,
        "up_reached_first_target_s": rel(reach_first, t_up),
        "up_reached_s": rel(up_reach, t_up),
        "up_reached_source": "readyAt" if exact_up else "poll",
        "up_reached_poll_s": rel(reached_up, t_up),
        "startup_s": rnd(startup, 2),
        "startup_min_s": rnd(min(startups), 2) if startups else None,
        "startup_initial_s": rnd(startup_initial, 2),
        "instances_added": len(added),
        "up_bound_s": rnd(up_bound, 2),
        "up_within_bound": up_reach is not None and up_reach - t_up <= up_bound,
        # overshoot
        "max_target": max_target,
        "max_current": max_current,
        "target_overshoot": None if max_target is None else max_target - expected_high,
        "current_overshoot": None if max_current is None else max_current - expected_high,
        "min_target_hold": min_target_hold,
        "min_current_hold": min_current_hold,
        "target_undershoot": None if min_target_hold is None else max(0, expected_high - min_target_hold),
        "current_undershoot": None if min_current_hold is None else max(0, expected_high - min_current_hold),
        "decision_lag_mean_s": rnd(sum(lags_dec) / len(lags_dec), 3) if lags_dec else None,
        "decision_lag_max_s": rnd(max(lags_dec), 3) if lags_dec else None,
        # step down
        "down_target_changed_s": rel(down_change["at"] if down_change else None, t_down),
        "down_reason": down_change["reason"] if down_change else None,
        "down_below_count_at_step": below_at_down,
        "down_reached_s": rel(down_reach, t_down),
        "down_reached_source": "decision" if exact_down else "poll",
        "down_reached_poll_s": rel(reached_down, t_down),
        "stop_s": rnd(stop_s, 2),
        "down_bound_s": rnd(down_bound, 2),
        "down_within_bound": down_reach is not None and down_reach - t_down <= down_bound,
        # flips
        "target_changes": len(changes),
        "scale_outs": sum(1 for c in changes if c["dir"] > 0),
        "scale_ins": sum(1 for c in changes if c["dir"] < 0),
        "flips": flips,
        "wrong_direction_changes": wrong_dir,
        "changes": [{"at_s": rnd(c["rel_up"], 2), "segment": c["segment"], "from": c["from"], "to": c["to"],
                     "current": c["current"], "pcu": rnd(c["pcu"], 3), "reason": c["reason"]} for c in changes],
        "scale_out_current_mismatch": mismatched,
        # metric
        "pcu_warm_mean": rnd(mean_of(p_warm, "provisionedConcurrencyUtilization"), 3),
        "pcu_step_mean": rnd(mean_of(p_step, "provisionedConcurrencyUtilization"), 3),
        "pcu_hold_mean": rnd(mean_of(p_hold, "provisionedConcurrencyUtilization"), 3),
        "pcu_hold_max": rnd(max((p["provisionedConcurrencyUtilization"] for p in p_hold
                                 if p.get("provisionedConcurrencyUtilization") is not None), default=None), 3),
        "pcu_hold_above_target": sum(1 for p in p_hold if (p.get("provisionedConcurrencyUtilization") or 0) > goal),
        "hold_intervals": len(p_hold),
        "pcu_tail_mean": rnd(mean_of(p_tail, "provisionedConcurrencyUtilization"), 3),
        "inflight_hold_mean": rnd(mean_of(p_hold, "inFlightAverage"), 3),
        "samples_per_interval_mean": rnd(mean_of(points, "samples"), 2),
        # requests
        "latency": lat,
        "step_up_p90_ms": lat["step_up"]["p90_ms"],
        "requests": len(recs),
        "lost": sum(lost_kinds.values()),
        "lost_kinds": lost_kinds,
        "on_demand_instances": len(on_demand),
        "peak_inflight": load.peak_inflight,
        "send_lag_p99_ms": rnd(pct(lags, 99), 2),
        "history_complete": history_complete,
        "poll_errors": poller.errors,
        "polls": len(poller.samples),
        "unanswered_at_end": left,
    }

    # ---- report
    out = []
    w = out.append
    w(f"load: {a.arrivals} arrivals, {a.low:g} -> {a.high:g} -> {a.low:g} of {a.p0} instances x {a.service_ms:g} ms = "
      f"{rate_low:.1f} -> {rate_high:.1f} -> {rate_low:.1f} requests/s")
    w(f"policy: ProvisionedConcurrencyUtilization target {goal:g}, capacity {a.p0}-{a.max_capacity}; interval {iv:g} s, "
      f"scale out after {a.scale_out_intervals}, in after {a.scale_in_intervals}")
    w(f"expected: {' -> '.join(map(str, seq_up))} at {a.high:g} "
      f"(busy slots {a.high * a.p0:.2f}, PCU at {expected_high}: {a.high * a.p0 / expected_high:.3f}), "
      f"then {' -> '.join(map(str, seq_down))} at {a.low:g}")
    w(f"phases (s): warm {fig['phase_warm_s']}, step up {fig['phase_up_s']}, hold {fig['phase_hold_s']}, "
      f"step down {fig['phase_down_s']}, tail {fig['phase_tail_s']}")
    w("")
    w("target changes (seconds from the step up; segment = the load of the interval weighed):")
    if not changes:
        w("  none")
    for c in changes:
        w(f"  {c['rel_up']:7.2f}  {c['segment']:<10} {c['from']:>3} -> {c['to']:<3} current {c['current']}  {c['reason']}")
    w("")

    def s(v, unit=" s"):
        return "n/a" if v is None else f"{v}{unit}"

    w(f"step up:   target changed after {s(fig['up_target_changed_s'])} (to {first_target}); current reached "
      f"{expected_high} after {s(fig['up_reached_s'])} ({fig['up_reached_source']}; polls saw it after "
      f"{s(fig['up_reached_poll_s'])}, first target {first_target} after {s(fig['up_reached_first_target_s'])})")
    w(f"           instance start-up {s(fig['startup_s'])} (slowest of {len(added)} added; "
      f"fastest {s(fig['startup_min_s'])}; initial ones {s(fig['startup_initial_s'])})")
    w(f"           bound {f'{up_steps} x (' if up_steps > 1 else ''}{a.scale_out_intervals} x {iv:g} s + start-up"
      f"{')' if up_steps > 1 else ''} + {iv:g} s = {s(fig['up_bound_s'])}")
    w(f"step down: target changed after {s(fig['down_target_changed_s'])} ({below_at_down} of {a.scale_in_intervals} "
      f"intervals already below target at the step); current back at {expected_low} after {s(fig['down_reached_s'])} "
      f"({fig['down_reached_source']}; polls saw it after {s(fig['down_reached_poll_s'])})")
    w(f"           stop {s(fig['stop_s'])}; bound {a.scale_in_intervals} x {iv:g} s + stop + {iv:g} s = {s(fig['down_bound_s'])}")
    w(f"overshoot: max target {max_target} ({fig['target_overshoot']:+d}), max current {max_current} "
      f"({fig['current_overshoot']:+d}) against {expected_high}" if max_target is not None and max_current is not None
      else "overshoot: n/a")
    if min_target_hold is not None:
        w(f"           after reaching it, at the same load: lowest target {min_target_hold}, lowest current {min_current_hold}")
    w(f"flips:     {flips} (target changes {len(changes)}: {fig['scale_outs']} out, {fig['scale_ins']} in; "
      f"against the load's direction: {wrong_dir})")
    w(f"metric:    PCU mean warm {fig['pcu_warm_mean']}, step {fig['pcu_step_mean']}, hold {fig['pcu_hold_mean']} "
      f"(max {fig['pcu_hold_max']}, {fig['pcu_hold_above_target']} of {len(p_hold)} intervals above {goal:g}), "
      f"tail {fig['pcu_tail_mean']}; in flight in hold {fig['inflight_hold_mean']}; "
      f"{fig['samples_per_interval_mean']} samples per interval; decisions {fig['decision_lag_mean_s']} s "
      f"(max {fig['decision_lag_max_s']} s) after their interval closed")
    if mismatched:
        w(f"           scale-outs asked with a ready count other than the interval's: {json.dumps(mismatched)}")
    w("")
    w(f"{'phase':<10} {'requests':>8} {'lost':>5} {'p50':>8} {'p90':>8} {'p99':>8} {'max':>8}   (ms)")
    for k in ("warm", "step_up", "hold", "step_down", "tail"):
        f = lat[k]
        w(f"{k:<10} {f['requests']:>8} {f['lost']:>5} {s(f['p50_ms'], ''):>8} {s(f['p90_ms'], ''):>8} "
          f"{s(f['p99_ms'], ''):>8} {s(f['max_ms'], ''):>8}")
    w(f"lost {fig['lost']} {lost_kinds or ''}; on-demand instances started: {len(on_demand)}; "
      f"peak in flight {load.peak_inflight}; send lag p99 {fig['send_lag_p99_ms']} ms; "
      f"{len(poller.samples)} polls ({poller.errors} failed)")
    for line in out:
        print(line)
    print(json.dumps(fig), flush=True)


if __name__ == "__main__":
    main()
