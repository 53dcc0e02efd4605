"""What the bench helpers share: the results file, HTTP calls, RSS readings.

Every figure is one JSON line appended to $BENCH_RESULTS (results.jsonl in
the run's folder); report.py turns them into the final table.
Standard library only.
"""

import json
import os
import signal
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


def _terminated(signum, _frame):
    # The bench script stops its helpers with SIGTERM: as an exception, it
    # lets subprocess.run kill the helper's own child (wrk, curl) too.
    raise SystemExit(128 + signum)


signal.signal(signal.SIGTERM, _terminated)


def record(shape, system, key, value=None, unit="", text="", ok=True, **extra):
    """Appends one figure. `value` is the number the target is checked
    against (None when the step failed), `text` what the table shows."""
    path = os.environ.get("BENCH_RESULTS")
    line = {"shape": shape, "system": system, "key": key, "value": value,
            "unit": unit, "text": text, "ok": ok, **extra}
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")
    say(f"  [{system}] {key}: {text}")


def say(msg):
    print(msg, file=sys.stderr, flush=True)


def load_meta(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def qs(params):
    """A query string, every value percent-encoded as UTF-8."""
    return urllib.parse.urlencode(params, quote_via=urllib.parse.quote, safe="")


def http(method, url, body=None, token=None, timeout=120):
    """(status, parsed JSON or text) of one call; never raises on HTTP errors."""
    headers = {"User-Agent": "misto-bench/1.0"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = token
    req = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, raw = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode("utf-8", "replace")


def error_text(answer):
    """A short reading of a CKAN error envelope (or of whatever came back)."""
    if isinstance(answer, dict):
        err = answer.get("error", answer)
        return json.dumps(err, ensure_ascii=False)[:300]
    return str(answer)[:300]


def proc_status(pid):
    """{'VmRSS': kB, 'VmHWM': kB} of a running process (empty when gone)."""
    out = {}
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "VmHWM"):
                    out[k] = int(v.split()[0])
    except OSError:
        pass
    return out


def rss_peak_between(log, t0, t1):
    """The largest VmRSS (kB) that rss.py logged between two monotonic times."""
    peak = 0
    try:
        with open(log, encoding="ascii") as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3 and t0 <= float(parts[0]) <= t1:
                    peak = max(peak, int(parts[1]))
    except OSError:
        pass
    return peak


def mb(kb):
    return kb / 1024


def now():
    return time.monotonic()


def fmt_ms(us):
    ms = us / 1000
    return f"{ms:.1f} ms" if ms < 100 else f"{ms:,.0f} ms"


def fmt_rate(n):
    return f"{n:,.0f}"
