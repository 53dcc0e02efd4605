#!/usr/bin/env python3
"""Runs wrk on one URL and records p50/p99 latency and req/s.

    wrk.py SHAPE SYSTEM KEY URL [--conns 8] [--threads 2] [--duration 10s]
           [--note TEXT]

wrk runs with --latency and scripts/bench/wrk_stats.lua: the script's
WRKJSON line gives the exact percentiles from wrk's histogram; the text
report ("Latency Distribution", "Requests/sec", "Non-2xx or 3xx
responses") is parsed too, as a fallback and a cross-check. A run in which
any request failed (non-2xx, socket errors, timeouts) is recorded as not
ok, with the count, because its latencies are not those of real answers.

    wrk.py --parse FILE    prints what the parser reads from a saved report
"""

import argparse
import json
import os
import re
import subprocess

from common import fmt_ms, record, say

HERE = os.path.dirname(os.path.abspath(__file__))
UNITS_US = {"us": 1.0, "ms": 1e3, "s": 1e6, "m": 60e6, "h": 3600e6}


def to_us(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text.strip())
    if not m:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(m.group(1)) * UNITS_US[m.group(2)]


def parse(out):
    """The figures of one wrk report: p50/p90/p99 (µs), req/s, requests,
    non-2xx and socket errors; from WRKJSON when present, else the text."""
    res = {}
    for line in out.splitlines():
        if line.startswith("WRKJSON "):
            j = json.loads(line[len("WRKJSON "):])
            secs = j["duration_us"] / 1e6
            res.update(p50=j["p50"], p90=j["p90"], p99=j["p99"], max=j["max"],
                       requests=int(j["requests"]), non2xx=int(j["status"]),
                       socket_errors=int(j["connect"] + j["read"] + j["write"]),
                       timeouts=int(j["timeout"]),
                       rps=j["requests"] / secs if secs else 0.0, source="lua")
    text = {}
    for m in re.finditer(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", out, re.M):
        text[f"p{m.group(1)}"] = to_us(m.group(2))
    m = re.search(r"^Requests/sec:\s+([\d.]+)", out, re.M)
    if m:
        text["rps"] = float(m.group(1))
    m = re.search(r"(\d+) requests in ([\d.]+\w+), ", out)
    if m:
        text["requests"] = int(m.group(1))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    text["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    text["socket_errors"] = sum(int(m.group(k)) for k in (1, 2, 3)) if m else 0
    text["timeouts"] = int(m.group(4)) if m else 0
    if "p50" not in res:
        res.update(text, source="text")
    else:
        res["text"] = text
    return res


def run(shape, system, key, url, conns=8, threads=2, duration="10s", note=""):
    """Runs wrk on `url` and records the figures as `key` of `system`."""
    threads = max(1, min(threads, conns))
    cmd = [os.environ.get("WRK", "wrk"), f"-c{conns}", f"-t{threads}", f"-d{duration}",
           "--latency", "--timeout", "30s", "-s", os.path.join(HERE, "wrk_stats.lua"), url]
    p = subprocess.run(cmd, capture_output=True, text=True)
    log = os.environ.get("BENCH_WRK_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(f"### {shape} {system} {key}\n$ {' '.join(cmd)}\n{p.stdout}{p.stderr}\n")
    if p.returncode != 0:
        record(shape, system, key, None, "ms", f"wrk failed: {p.stderr.strip()[:200]}", ok=False)
        return None
    r = parse(p.stdout)
    if "p50" not in r:
        record(shape, system, key, None, "ms", "wrk printed no latency figures", ok=False)
        return None
    bad = r.get("non2xx", 0) + r.get("socket_errors", 0) + r.get("timeouts", 0)
    text = (f"p50 {fmt_ms(r['p50'])}, p99 {fmt_ms(r['p99'])}, {r['rps']:,.1f} req/s"
            f" (-c{conns}, {r['requests']:,} req)")
    if bad:
        text += (f" — {r.get('non2xx', 0)} non-2xx, {r.get('socket_errors', 0)} socket errors,"
                 f" {r.get('timeouts', 0)} timeouts: NOT VALID")
    record(shape, system, key, r["p50"] / 1000, "ms", text, ok=not bad, note=note,
           p99_ms=r["p99"] / 1000, rps=r["rps"], requests=r["requests"], conns=conns)
    if r.get("text") and abs(r["text"].get("p50", r["p50"]) - r["p50"]) > max(0.1 * r["p50"], 50):
        say(f"    note: wrk's text p50 {r['text']['p50']:.0f} µs vs its histogram {r['p50']:.0f} µs")
    return r


def settings():
    """wrk's settings from the environment the bench script exports."""
    return {
        "conns": int(os.environ.get("BENCH_WRK_CONNS", "8")),
        "threads": int(os.environ.get("BENCH_WRK_THREADS", "2")),
        "duration": os.environ.get("BENCH_WRK_DURATION", "10s"),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("shape", nargs="?")
    ap.add_argument("system", nargs="?")
    ap.add_argument("key", nargs="?")
    ap.add_argument("url", nargs="?")
    ap.add_argument("--conns", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--duration", default="10s")
    ap.add_argument("--note", default="")
    ap.add_argument("--parse")
    a = ap.parse_args()
    if a.parse:
        with open(a.parse, encoding="utf-8") as f:
            print(json.dumps(parse(f.read()), indent=1))
        return
    run(a.shape, a.system, a.key, a.url, a.conns, a.threads, a.duration, a.note)


if __name__ == "__main__":
    main()
