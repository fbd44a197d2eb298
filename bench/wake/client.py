#!/usr/bin/env python3
"""Wake benchmark client: interleaved invokes of a frozen (idle-mode) and a warm instance.

Used by bench/wake/run.sh. Sequential, one kept-alive connection per function, latency measured on
the client with perf_counter_ns. Before each idle request, and before each warm request, it waits
until the idle function's instance is Frozen again (instances API), so that both requests run with
no freeze work in the background and every idle request meets a frozen instance.

After the invokes it measures the CPU time of both instances (their pids and all descendants, from
/proc/PID/stat, plus the cgroup v2 cpu.stat usage_usec when readable) over a window in which the
idle one stays frozen. Prints one JSON object with every figure on stdout; progress on stderr.
"""

import argparse
import http.client
import json
import os
import sys
import time
import urllib.parse


def log(msg):
    print(f"# {msg}", file=sys.stderr, flush=True)


class Conn:
    """One kept-alive HTTP/1.1 connection, reopened after an error."""

    def __init__(self, host, port, timeout):
        self.host, self.port, self.timeout = host, port, timeout
        self.c = None

    def request(self, method, path, body=None, headers=None):
        for attempt in range(2):
            if self.c is None:
                self.c = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.c.request(method, path, body=body, headers=headers or {})
                r = self.c.getresponse()
                data = r.read()
                return r.status, r.headers, data
            except (OSError, http.client.HTTPException):
                self.c.close()
                self.c = None
                if attempt == 1:
                    raise
        raise RuntimeError("unreachable")


def pct(values, p):
    """Nearest-rank percentile; None when empty."""
    if not values:
        return None
    s = sorted(values)
    r = max(1, min(len(s), int(p / 100 * len(s) + 0.999999)))
    return s[r - 1]


def rnd(v, nd=1):
    return None if v is None else round(v, nd)


# ---------------------------------------------------------------------------------------------
# CPU time of a process tree and of its cgroup

CLK_TCK = os.sysconf("SC_CLK_TCK")


def read_stat(pid):
    """(ppid, utime+stime ticks) of a pid, or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
    except OSError:
        return None
    rest = s[s.rindex(")") + 2:].split()  # fields from 3 (state) on
    return int(rest[1]), int(rest[11]) + int(rest[12])


def tree(root):
    """root and all its descendants (a scan of /proc by parent pid)."""
    children = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = read_stat(int(name))
            if st:
                children.setdefault(st[0], []).append(int(name))
    out, todo = [], [root]
    while todo and len(out) < 10000:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def ticks(pids):
    total = 0
    for p in pids:
        st = read_stat(p)
        if st:
            total += st[1]
    return total


def cgroup2_mount():
    try:
        with open("/proc/mounts") as f:
            for line in f:
                parts = line.split()
                if len(parts) > 2 and parts[2] == "cgroup2":
                    return parts[1]
    except OSError:
        pass
    return None


def cgroup_cpu_file(pid):
    """The instance's cgroup v2 cpu.stat, or None when it cannot be read."""
    mount = cgroup2_mount()
    if not mount:
        return None
    try:
        with open(f"/proc/{pid}/cgroup") as f:
            for line in f:
                if line.startswith("0::"):
                    path = os.path.join(mount, line[3:].strip().lstrip("/"), "cpu.stat")
                    return path if path != os.path.join(mount, "cpu.stat") and os.path.exists(path) else None
    except OSError:
        pass
    return None


def cgroup_usage_usec(path):
    if not path:
        return None
    try:
        with open(path) as f:
            for line in f:
                k, v = line.split()
                if k == "usage_usec":
                    return int(v)
    except (OSError, ValueError):
        pass
    return None


# ---------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True, help="http://127.0.0.1:PORT")
    ap.add_argument("--idle", required=True, help="function in idle mode (frozen instance)")
    ap.add_argument("--warm", required=True, help="function with an always-warm instance")
    ap.add_argument("--body", required=True)
    ap.add_argument("--content-type", default="text/plain")
    ap.add_argument("-n", "--count", type=int, default=1000)
    ap.add_argument("--warmup", type=int, default=10, help="pairs before measuring, not counted")
    ap.add_argument("--max-seconds", type=float, default=300, help="stop the invokes after this long")
    ap.add_argument("--freeze-timeout-ms", type=float, default=2000, help="wait at most this long for the instance to freeze")
    ap.add_argument("--cpu-seconds", type=float, default=10)
    ap.add_argument("--timeout", type=float, default=60, help="per request")
    a = ap.parse_args()

    u = urllib.parse.urlparse(a.server)
    host, port = u.hostname, u.port
    with open(a.body, "rb") as f:
        body = f.read()
    hdrs = {"Content-Type": a.content_type}
    api = Conn(host, port, 10)
    conn = {"idle": Conn(host, port, a.timeout), "warm": Conn(host, port, a.timeout)}
    fn = {"idle": a.idle, "warm": a.warm}

    def instances(name):
        status, _, data = api.request("GET", f"/api/v1/functions/{name}/instances")
        return json.loads(data) if status == 200 else []

    def wait_frozen():
        """True once the idle function has a Frozen instance; False after the timeout."""
        deadline = time.monotonic() + a.freeze_timeout_ms / 1000
        polls = 0
        while polls < 100000:
            polls += 1
            if any(i.get("state") == "Frozen" for i in instances(a.idle)):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.0005)
        return False

    def invoke(which):
        t0 = time.perf_counter_ns()
        status, h, _ = conn[which].request("POST", f"/fn/{fn[which]}/invoke", body, hdrs)
        us = (time.perf_counter_ns() - t0) / 1000
        return status, us, (h.get("x-stasis-instance-state") or "").lower(), h.get("x-stasis-billed-active-ms")

    lat = {"idle": [], "warm": []}
    diffs, thawed_diffs = [], []
    states = {"idle": {}, "warm": {}}
    billed = {"idle": [], "warm": []}
    errors = 0
    not_frozen = 0
    pairs = 0
    stopped_early = False
    start = time.monotonic()
    total = a.warmup + a.count
    for k in range(total):
        if time.monotonic() - start > a.max_seconds:
            stopped_early = True
            log(f"stopping after {a.max_seconds:g} s: {pairs} of {a.count} pairs measured")
            break
        measured = k >= a.warmup
        frozen_before = wait_frozen()
        s1, us1, st1, b1 = invoke("idle")
        # Let the idle instance freeze again before the warm request, so that neither request
        # shares the machine with freeze work.
        wait_frozen()
        s2, us2, st2, b2 = invoke("warm")
        if not measured:
            continue
        pairs += 1
        if not frozen_before:
            not_frozen += 1
        if s1 != 200 or s2 != 200:
            errors += (s1 != 200) + (s2 != 200)
            continue
        lat["idle"].append(us1)
        lat["warm"].append(us2)
        diffs.append(us1 - us2)
        if st1 == "thawed":
            thawed_diffs.append(us1 - us2)
        for w, st, b in (("idle", st1, b1), ("warm", st2, b2)):
            states[w][st] = states[w].get(st, 0) + 1
            if b is not None and b.isdigit():
                billed[w].append(int(b))
        if pairs % 200 == 0:
            log(f"{pairs}/{a.count} pairs, {time.monotonic() - start:.1f} s")
    invoke_seconds = time.monotonic() - start

    ok = len(diffs)
    fig = {
        "pairs": pairs,
        "ok_pairs": ok,
        "errors": errors,
        "stopped_early": stopped_early,
        "invoke_seconds": round(invoke_seconds, 1),
        "not_frozen_before": not_frozen,
        "thawed": states["idle"].get("thawed", 0),
        "thawed_share": round(states["idle"].get("thawed", 0) / ok, 4) if ok else None,
        "idle_states": states["idle"],
        "warm_states": states["warm"],
    }
    for w in ("idle", "warm"):
        fig[f"{w}_p50_us"] = rnd(pct(lat[w], 50))
        fig[f"{w}_p99_us"] = rnd(pct(lat[w], 99))
        fig[f"{w}_mean_us"] = rnd(sum(lat[w]) / len(lat[w])) if lat[w] else None
        fig[f"{w}_billed_p50_ms"] = pct(billed[w], 50)
        fig[f"{w}_billed_p99_ms"] = pct(billed[w], 99)
    fig["diff_p50_us"] = rnd(pct(diffs, 50))
    fig["diff_p99_us"] = rnd(pct(diffs, 99))
    fig["p99_added_us"] = rnd(fig["idle_p99_us"] - fig["warm_p99_us"]) if ok else None
    fig["thawed_diff_p50_us"] = rnd(pct(thawed_diffs, 50))
    fig["thawed_diff_p99_us"] = rnd(pct(thawed_diffs, 99))

    # CPU time of both instances over one window while the idle one stays frozen.
    fig.update({"cpu_window_s": a.cpu_seconds, "idle_cpu_s": None, "warm_cpu_s": None,
                "idle_cgroup_cpu_s": None, "warm_cgroup_cpu_s": None, "idle_pids": None, "warm_pids": None,
                "idle_stayed_frozen": None})
    if a.cpu_seconds > 0:
        if not wait_frozen():
            log("the idle instance did not freeze before the CPU window")
        found = {}
        for w in ("idle", "warm"):
            inst = [i for i in instances(fn[w]) if i.get("pid")]
            if inst:
                found[w] = inst[0]
        if "idle" not in found or "warm" not in found:
            log("could not find the instances' pids; no CPU figures")
        else:
            pids = {w: tree(found[w]["pid"]) for w in found}
            cg = {w: cgroup_cpu_file(found[w]["pid"]) for w in found}
            before_t = {w: ticks(pids[w]) for w in found}
            before_c = {w: cgroup_usage_usec(cg[w]) for w in found}
            completed0 = found["idle"].get("completed")
            t0 = time.monotonic()
            # Check now and then that the idle one stays frozen (the API call touches the server only).
            stayed = True
            while time.monotonic() - t0 < a.cpu_seconds:
                time.sleep(min(1.0, max(0.0, a.cpu_seconds - (time.monotonic() - t0))))
                now = [i for i in instances(a.idle) if i.get("id") == found["idle"]["id"]]
                if not now or now[0].get("state") != "Frozen" or now[0].get("completed") != completed0:
                    stayed = False
            window = time.monotonic() - t0
            after_t = {w: ticks(pids[w]) for w in found}
            after_c = {w: cgroup_usage_usec(cg[w]) for w in found}
            fig["cpu_window_s"] = round(window, 2)
            fig["idle_stayed_frozen"] = stayed
            for w in found:
                fig[f"{w}_pids"] = len(pids[w])
                fig[f"{w}_cpu_s"] = round((after_t[w] - before_t[w]) / CLK_TCK, 3)
                if before_c[w] is not None and after_c[w] is not None:
                    fig[f"{w}_cgroup_cpu_s"] = round((after_c[w] - before_c[w]) / 1e6, 6)

    print(json.dumps(fig), flush=True)


if __name__ == "__main__":
    main()
