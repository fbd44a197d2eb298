#!/usr/bin/env python3
"""Reads what the fuzz targets wrote (STASIS_FUZZ_REPORT) and prints the fuzz benchmark's report.

Each target wrote TARGET.json at its end: cases, shrink steps, seconds, the count of each answer label
("400 InvalidJson", "SpecException", ...) and FsCheck's failure message if the property broke. A
TARGET.current without TARGET.json means the process died inside that case: a crash, with the input.
The last line printed is one JSON object with every figure.
"""

import argparse
import json
import os
import re
import sys

TARGETS = ["s.yaml", "provision-rules", "cli-provision-file", "cli-policy-files", "cron-at",
           "api-functions", "api-provision", "api-reads", "api-any"]


def failure_parts(message):
    """FsCheck's message -> (tests until the failure, shrinks, the shrunk input, the exception's first line)."""
    head = re.search(r"Falsifiable, after (\d+) tests? \((\d+) shrinks?\)", message)
    shrunk = re.search(r"\nShrunk:\n(.*?)\nwith exception:\n", message, re.S) \
        or re.search(r"\nOriginal:\n(.*?)\nwith exception:\n", message, re.S)
    exception = re.search(r"\nwith exception:\n([^\n]*)", message)
    return (int(head.group(1)) if head else None, int(head.group(2)) if head else None,
            shrunk.group(1).strip() if shrunk else message[:2000],
            exception.group(1).strip() if exception else "")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--report", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--cases-per-target", type=int, required=True)
    p.add_argument("--targets", type=int, required=True)
    p.add_argument("--elapsed", type=int, required=True)
    p.add_argument("--cpus", type=int, required=True)
    p.add_argument("--load-before", default="null")
    p.add_argument("--load-after", default="null")
    a = p.parse_args()

    results, crashes, missing = {}, {}, []
    for target in TARGETS:
        path = os.path.join(a.report, target + ".json")
        current = os.path.join(a.report, target + ".current")
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                results[target] = json.load(f)
        elif os.path.exists(current):
            with open(current, encoding="utf-8", errors="replace") as f:
                crashes[target] = f.read()
        else:
            missing.append(target)

    print(f"Fuzz benchmark: {a.cases_per_target} cases per target, {len(TARGETS)} targets "
          f"({a.cpus} CPUs, load before: {a.load_before}, after: {a.load_after})")
    print()
    print(f"{'target':<20}{'cases':>8}{'seconds':>10}{'cases/s':>10}  result")
    total_cases, total_seconds = 0, 0.0
    for target in TARGETS:
        r = results.get(target)
        if r is None:
            print(f"{target:<20}{'-':>8}{'-':>10}{'-':>10}  {'CRASHED' if target in crashes else 'did not run'}")
            continue
        total_cases += r["cases"]
        total_seconds += r["seconds"]
        rate = r["cases"] / r["seconds"] if r["seconds"] > 0 else 0
        print(f"{target:<20}{r['cases']:>8}{r['seconds']:>10.1f}{rate:>10.1f}  {'FAILED' if r.get('failure') else 'ok'}")
    print(f"{'total':<20}{total_cases:>8}{total_seconds:>10.1f}")

    print()
    print("Answers (label: count):")
    by_status, by_code = {}, {}
    for target in TARGETS:
        r = results.get(target)
        if r is None:
            continue
        answers = r.get("answers", {})
        print(f"  {target}: " + ", ".join(f"{k} {v}" for k, v in answers.items()))
        if target.startswith("api-"):
            for label, count in answers.items():
                status, _, code = label.partition(" ")
                by_status[status] = by_status.get(status, 0) + count
                code = code or "(success)"
                by_code[code] = by_code.get(code, 0) + count
    print()
    print("Control API answers by status: " + ", ".join(f"{k} {v}" for k, v in sorted(by_status.items())))
    print("Control API answers by error code: " + ", ".join(f"{k} {v}" for k, v in sorted(by_code.items(), key=lambda kv: -kv[1])))

    failures = []
    for target in TARGETS:
        r = results.get(target)
        if r is not None and r.get("failure"):
            tests, shrinks, shrunk, exception = failure_parts(r["failure"])
            failures.append({"target": target, "after_tests": tests, "shrinks": shrinks, "input": shrunk, "exception": exception,
                             "five_xx": bool(re.search(r"answered 5\d\d", exception))})
    five_xx = sum(1 for f in failures if f["five_xx"])
    print()
    print(f"Failures: {len(failures)} (5xx: {five_xx})   (target 0: {'ok' if not failures else 'MISSED'})")
    for f in failures:
        print(f"  {f['target']}: after {f['after_tests']} cases, shrunk in {f['shrinks']} steps")
        print(f"    exception: {f['exception']}")
        print("    input: " + f["input"].replace("\n", "\n           "))
    print(f"Crashes: {len(crashes)}   (target 0: {'ok' if not crashes else 'MISSED'})")
    for target, text in crashes.items():
        print(f"  {target}: the test process died inside this case (not shrunk):")
        print("    " + text[:3000].replace("\n", "\n    "))
    if missing:
        print(f"Targets that did not run: {', '.join(missing)}")
        for name in ("parsers", "api"):
            log = os.path.join(a.work, name + ".log")
            if os.path.exists(log):
                with open(log, encoding="utf-8", errors="replace") as f:
                    lines = f.read().splitlines()
                print(f"  last lines of the {name} test run:")
                for line in lines[-15:]:
                    print("    " + line)
    print(f"Elapsed: {a.elapsed} s (build excluded)")

    def number(text):
        try:
            return float(text)
        except ValueError:
            return None

    print(json.dumps({
        "bench": "fuzz",
        "cases": total_cases,
        "cases_per_target": a.cases_per_target,
        "targets": {t: {"cases": r["cases"], "seconds": r["seconds"], "failed": bool(r.get("failure")), "answers": r.get("answers", {})}
                    for t, r in results.items()},
        "api_by_status": by_status,
        "api_by_code": by_code,
        "failures": len(failures),
        "five_xx": five_xx,
        "crashes": len(crashes),
        "missing_targets": len(missing),
        "failure_details": failures,
        "crash_inputs": {t: text[:3000] for t, text in crashes.items()},
        "elapsed_s": a.elapsed,
        "test_seconds": round(total_seconds, 3),
        "cpus": a.cpus,
        "load_before": number(a.load_before),
        "load_after": number(a.load_after),
    }, separators=(",", ":")))


if __name__ == "__main__":
    sys.exit(main())
