#!/usr/bin/env python3
"""Writes a day of history for one function into a stopped Stasis server's SQLite store, as the server
itself would have written it: closed metrics intervals (with a row per instance) and the meter's
idle/active intervals of every instance. The console benchmark then measures pages over it.

    seed.py --db DATA/stasis.db --function NAME [--instances 100] [--hours 24] [--interval 60]

The load follows a daily curve (low at night, peak in the afternoon); each instance is active for
the share of each interval the load gives it and idle (frozen) for the rest.
"""

import argparse
import math
import random
import sqlite3
import sys
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True)
    ap.add_argument("--function", required=True)
    ap.add_argument("--instances", type=int, default=100)
    ap.add_argument("--hours", type=float, default=24)
    ap.add_argument("--interval", type=int, default=60, help="metrics interval, seconds (the server's --metrics-interval)")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if not (1 <= a.instances <= 10000 and 0 < a.hours <= 24 * 31 and 1 <= a.interval <= 3600):
        sys.exit("seed.py: need 1 <= --instances <= 10000, 0 < --hours <= 744, 1 <= --interval <= 3600")

    rng = random.Random(a.seed)
    step_us = a.interval * 1_000_000
    now_us = int(time.time() * 1_000_000)
    end_us = now_us - now_us % step_us - step_us  # the history ends before the server starts again
    count = int(a.hours * 3600 // a.interval)
    start_us = end_us - count * step_us
    ids = [f"{a.function}-seed{n:05d}" for n in range(a.instances)]

    db = sqlite3.connect(a.db)
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    missing = {"metric_points", "metric_instance_points", "meter_intervals"} - tables
    if missing:
        sys.exit(f"seed.py: {a.db} has no {', '.join(sorted(missing))}: start the server on it once first")

    points, instance_points, meter = [], [], []
    for k in range(count):
        s, e = start_us + k * step_us, start_us + (k + 1) * step_us
        hour = (s / 3_600_000_000) % 24
        load = 0.05 + 0.6 * max(0.0, math.sin((hour - 6) / 24 * 2 * math.pi)) + rng.uniform(0, 0.05)  # busy share
        invocations = int(load * a.instances * a.interval * 10)  # 100 ms requests
        p50 = 100 + rng.uniform(0, 10)
        busy = int(round(load * a.instances))
        points.append((a.function, s, e, invocations, rng.randint(0, 2), p50, p50 * 1.4, p50 * 2.2,
                       rng.uniform(0, 2), rng.uniform(2, 10), rng.uniform(10, 60), load * a.instances,
                       min(a.instances, busy + 5), load, load * 0.8, a.instances * 22 * 1024 * 1024, None,
                       a.instances, a.instances, 0, 0, busy, a.instances - busy, 0, a.interval))
        for n, iid in enumerate(ids):
            share = min(1.0, max(0.0, load + rng.uniform(-0.1, 0.1)))
            active_us = int(share * step_us)
            instance_points.append((a.function, iid, s, e, "provisioned", "frozen", 1, share, 1 if share > 0 else 0,
                                    share * 0.8, 22 * 1024 * 1024, None))
            if active_us > 0:
                meter.append((iid, a.function, "provisioned", "active", s, s + active_us, 1.0, 0.125, 0.0))
            if active_us < step_us:
                meter.append((iid, a.function, "provisioned", "idle", s + active_us, e, 1.0, 0.125, 0.0))

    with db:
        db.executemany("""INSERT INTO metric_points (function_name, start_us, end_us, invocations, errors,
            latency_p50_ms, latency_p90_ms, latency_p99_ms, queue_wait_p50_ms, queue_wait_p90_ms, queue_wait_p99_ms,
            in_flight_avg, in_flight_max, provisioned_util, cpu_util, memory_bytes, gpu_memory_util,
            provisioned_target, provisioned_current, instances_starting, instances_ready, instances_busy,
            instances_frozen, instances_draining, samples) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""", points)
        db.executemany("""INSERT INTO metric_instance_points (function_name, instance_id, start_us, end_us, kind, state,
            slots, in_flight_avg, in_flight_max, cpu_util, memory_bytes, gpu_memory_bytes) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)""", instance_points)
        db.executemany("""INSERT INTO meter_intervals (instance_id, function_name, kind, state, start_us, end_us,
            vcpu, memory_gb, gpu_memory_gb) VALUES (?,?,?,?,?,?,?,?,?)""", meter)
    db.close()
    print(f"seeded {a.function}: {len(points)} metric points, {len(instance_points)} instance points, "
          f"{len(meter)} meter intervals over {a.hours:g} h")


if __name__ == "__main__":
    main()
