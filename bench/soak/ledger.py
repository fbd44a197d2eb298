#!/usr/bin/env python3
"""Soak benchmark, after the server stopped: checks the meter's ledger in the SQLite store, the bill the
server gave for the run, and the function's log.

Used by bench/soak/run.sh. Standard library only. Checks, for the one function:

- intervals: no two meter intervals of an instance overlap, none is empty or reversed, none is left open
  (meter_open is empty after a clean stop);
- lifetimes: each instance's intervals lie within [started_at, stopped_at] of the instances table
  (within --tolerance-ms), its idle + active time is at most that lifetime, and every instance is stopped;
- bill: the bill's total equals the sum of its functions and of its instances, and each instance's idle and
  active seconds equal those of its intervals clipped to the bill's period [--from, --to);
- log: every request id of a 2xx answer (--ids) has its "FC Invoke Start RequestId:" line in the log.

Prints one JSON object with the figures and the problems found (at most 20 of each kind).
"""

import argparse
import datetime
import json
import sqlite3
import sys
from decimal import Decimal

US = 1_000_000


def us(text):
    """An ISO 8601 time (the store's "O" format, 7 fractional digits) -> microseconds since the epoch."""
    t = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if t.tzinfo is None:
        t = t.replace(tzinfo=datetime.timezone.utc)
    return round(t.timestamp() * US)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--db", required=True)
    p.add_argument("--function", required=True)
    p.add_argument("--bill", required=True)
    p.add_argument("--from", dest="start", required=True)
    p.add_argument("--to", dest="end", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--ids", required=True)
    p.add_argument("--tolerance-ms", type=float, default=50.0)
    a = p.parse_args()
    tol = round(a.tolerance_ms * 1000)
    problems = {"overlaps": [], "empty": [], "open": [], "outside_lifetime": [], "over_lifetime": [], "not_stopped": [],
                "bill_sum": [], "bill_instance": [], "missing_log_ids": []}

    db = sqlite3.connect(f"file:{a.db}?mode=ro", uri=True)
    intervals = {}
    for iid, state, s, e in db.execute(
            "SELECT instance_id, state, start_us, end_us FROM meter_intervals WHERE function_name = ? ORDER BY instance_id, start_us, end_us",
            (a.function,)):
        intervals.setdefault(iid, []).append((state, s, e))
    open_rows = db.execute("SELECT instance_id FROM meter_open WHERE function_name = ?", (a.function,)).fetchall()
    problems["open"] = [r[0] for r in open_rows]
    lifetimes = {iid: (started, stopped) for iid, started, stopped in db.execute(
        "SELECT id, started_at, stopped_at FROM instances WHERE function_name = ?", (a.function,))}
    db.close()

    count = 0
    for iid, rows in intervals.items():
        count += len(rows)
        for state, s, e in rows:
            if e <= s:
                problems["empty"].append({"instance": iid, "start_us": s, "end_us": e})
        for (_, s0, e0), (_, s1, e1) in zip(rows, rows[1:]):
            if s1 < e0:
                problems["overlaps"].append({"instance": iid, "first": [s0, e0], "second": [s1, e1]})
        started, stopped = lifetimes.get(iid, (None, None))
        if started is None:
            problems["outside_lifetime"].append({"instance": iid, "why": "not in the instances table"})
            continue
        if stopped is None:
            problems["not_stopped"].append(iid)
            continue
        begin, end = us(started), us(stopped)
        first, last = min(s for _, s, _ in rows), max(e for _, _, e in rows)
        if first < begin - tol or last > end + tol:
            problems["outside_lifetime"].append({"instance": iid, "intervals": [first, last], "lifetime": [begin, end]})
        total = sum(e - s for _, s, e in rows)
        if total > end - begin + tol:
            problems["over_lifetime"].append({"instance": iid, "metered_s": total / US, "lifetime_s": (end - begin) / US})

    with open(a.bill, encoding="utf-8") as f:
        bill = json.load(f, parse_float=Decimal, parse_int=Decimal)
    instance_rows = [i for fn in bill.get("functions", []) for i in fn.get("instances", [])]
    for key in ("costUsd", "cu", "idleSeconds", "activeSeconds"):
        total = bill["total"][key]
        by_function = sum((fn[key] for fn in bill.get("functions", [])), Decimal(0))
        by_instance = sum((i[key] for i in instance_rows), Decimal(0))
        if not (total == by_function == by_instance):
            problems["bill_sum"].append({"field": key, "total": str(total), "functions": str(by_function), "instances": str(by_instance)})
    start, end = us(a.start), us(a.end)
    for row in instance_rows:
        rows = intervals.get(row["instanceId"], [])
        clipped = {"idle": 0, "active": 0}
        for state, s, e in rows:
            s, e = max(s, start), min(e, end)
            if e > s:
                clipped[state] += e - s
        for state, key in (("idle", "idleSeconds"), ("active", "activeSeconds")):
            mine = Decimal(clipped[state]) / US
            if abs(mine - row[key]) > Decimal("0.001"):
                problems["bill_instance"].append({"instance": row["instanceId"], "field": key, "bill": str(row[key]), "ledger": str(mine)})
    billed = {row["instanceId"] for row in instance_rows}
    for iid, rows in intervals.items():
        if iid not in billed and any(min(e, end) > max(s, start) for _, s, e in rows):
            problems["bill_instance"].append({"instance": iid, "field": "row", "bill": "missing", "ledger": "has time in the period"})

    logged = set()
    marker = "FC Invoke Start RequestId: "
    with open(a.log, encoding="utf-8", errors="replace") as f:
        for line in f:
            at = line.find(marker)
            if at >= 0:
                logged.add(line[at + len(marker):].strip())
    with open(a.ids, encoding="ascii") as f:
        ids = [line.strip() for line in f if line.strip()]
    missing = [rid for rid in ids if rid not in logged]
    problems["missing_log_ids"] = missing

    found = {k: len(v) for k, v in problems.items()}
    print(json.dumps({
        "instances": len(intervals),
        "intervals": count,
        "bill_instances": len(instance_rows),
        "bill_total_usd": str(bill["total"]["costUsd"]),
        "bill_idle_s": str(bill["total"]["idleSeconds"]),
        "bill_active_s": str(bill["total"]["activeSeconds"]),
        "ok_ids": len(ids),
        "logged_ids": len(logged),
        "problems": found,
        "consistent": sum(found.values()) == 0,
        "problem_samples": {k: v[:20] for k, v in problems.items() if v},
    }, separators=(",", ":"), default=str))


if __name__ == "__main__":
    sys.exit(main())
