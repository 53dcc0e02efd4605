#!/usr/bin/env python3
"""misto through HTTP, as a client sees it (scripts/bench-datastore.sh).

    misto.py setup   BASE TOKEN SHAPE                 → prints the dataset id
    misto.py ingest  BASE TOKEN PKG META SYSTEM PID RSSLOG   → prints the resource id
    misto.py queries BASE RID META SYSTEM [PID]
    misto.py dump    BASE RID META SYSTEM WORKDIR

`ingest` uploads the CSV with resource_create (multipart `upload`, sent by
curl from disk) and times upload → table answers: datastore_info polled
every 50 ms until the ingest is done, then datastore_search must count every
row. The server's memory comes from rss.py's log (peak VmRSS in that window)
and /proc (VmHWM at the end; the server is fresh, so that is the ingest's
peak), then VmRSS again after 10 s idle.

`queries` checks each answer against what the generator computed (counts,
sums, the largest amount), then runs wrk on: (a) datastore_search with the
filter, the sort and limit 100; (a') the same through datastore_search_sql;
(b) datastore_aggregate, count and sum per group over all rows; (c) the same
group-by through datastore_search_sql. Anonymous GETs, as a reuser's.

`dump` fetches /datastore/dump/{id} as CSV (MB/s, rows counted) and as
Parquet (read back with pyarrow; a 400 is reported as such).
Standard library, plus pyarrow for the Parquet check.
"""

import json
import os
import subprocess
import sys
import time

import wrk
from common import (error_text, fmt_rate, http, load_meta, mb, now, proc_status, qs,
                    record, rss_peak_between, say)

ORG = "bench-org"
EDRPOU = "37508596"  # a valid EDRPOU (check digit), as the black-box suite uses


def action(base, name):
    return f"{base}/api/3/action/{name}"


def call(base, name, body, token):
    status, ans = http("POST", action(base, name), body, token)
    if status != 200 or not isinstance(ans, dict) or not ans.get("success"):
        raise SystemExit(f"{name} failed: HTTP {status} {error_text(ans)}")
    return ans["result"]


def setup(base, token, shape):
    status, ans = http("POST", action(base, "organization_show"), {"id": ORG}, token)
    if status != 200:
        call(base, "organization_create", {
            "name": ORG, "title": "Департамент фінансів (бенчмарк)",
            "edrpou": EDRPOU, "kind": "executive_body"}, token)
    pkg = call(base, "package_create", {
        "name": f"bench-{shape}-{os.getpid()}", "title": f"Бенчмарк: {shape}",
        "owner_org": ORG}, token)
    print(pkg["id"])


def ingest(base, token, pkg, meta_path, system, pid, rsslog):
    meta = load_meta(meta_path)
    shape, rows, path = meta["shape"], meta["rows"], meta["file"]
    timeout = float(os.environ.get("BENCH_INGEST_TIMEOUT_S", "1800"))
    t0 = now()
    cmd = ["curl", "-sS", "-X", "POST", "-H", f"Authorization: {token}",
           "-F", f"package_id={pkg}", "-F", f"name={shape}.csv", "-F", "format=CSV",
           "-F", f"upload=@{path};filename={shape}.csv;type=text/csv",
           "-w", "\n%{http_code}", action(base, "resource_create")]
    p = subprocess.run(cmd, capture_output=True, text=True)
    t_up = now()
    body, _, code = p.stdout.rpartition("\n")
    try:
        ans = json.loads(body)
    except ValueError:
        ans = body
    if p.returncode != 0 or code != "200" or not isinstance(ans, dict) or not ans.get("success"):
        record(shape, system, "ingest", None, "rows/s",
               f"upload failed: curl {p.returncode}, HTTP {code}: {error_text(ans)} {p.stderr[:200]}", ok=False)
        sys.exit(1)
    rid = ans["result"]["id"]
    hwm0 = proc_status(pid).get("VmHWM", 0)
    state, info = None, None
    last = ""
    while now() - t0 < timeout:
        status, a = http("GET", action(base, "datastore_info") + "?" + qs({"id": rid}))
        if status == 200 and isinstance(a, dict) and a.get("success"):
            info = a["result"]
            st = info.get("datastore_status") or {}
            state = st.get("status")
            if state in ("done", "error"):
                break
            prog = st.get("progress") or {}
            line = f"{state} {prog.get('done', '?')}/{prog.get('total', '?')}"
            if line != last and os.environ.get("BENCH_VERBOSE"):
                say(f"    {line}")
            last = line
        time.sleep(0.05)
    if state != "done":
        msg = (info or {}).get("datastore_status", {}).get("message") if info else None
        record(shape, system, "ingest", None, "rows/s",
               f"ingest did not finish ({state}): {msg or 'timeout'}", ok=False)
        print(rid)
        return
    status, a = http("GET", action(base, "datastore_search") + "?" + qs({"resource_id": rid, "limit": 1}))
    t1 = now()
    total = a.get("result", {}).get("total") if isinstance(a, dict) else None
    hwm = proc_status(pid).get("VmHWM", 0)
    peak = rss_peak_between(rsslog, t0, t1)
    # VmHWM is the process's lifetime peak: when it grew during the ingest
    # that is the ingest's peak (samples can miss a spike); when it did not,
    # the peak came before (start-up) and the samples are the ingest's.
    ingest_peak = max(peak, hwm if hwm > hwm0 else 0)
    secs = t1 - t0
    ok = total == rows
    record(shape, system, "ingest", rows / secs if ok else None, "rows/s",
           f"{fmt_rate(rows / secs)} rows/s ({rows:,} rows, {meta['bytes'] / 1e6:.1f} MB in {secs:.2f} s;"
           f" upload {t_up - t0:.2f} s)" + ("" if ok else f" — but datastore_search counts {total}"),
           ok=ok, seconds=secs)
    record(shape, system, "rss_ingest", mb(ingest_peak), "MB",
           f"{mb(ingest_peak):.0f} MB (VmHWM {mb(hwm0):.0f} MB after the upload, {mb(hwm):.0f} MB"
           f" when the table answers; VmRSS sampled every 50 ms peaked at {mb(peak):.0f} MB)")
    # What the reader made of the file: the types of the columns.
    got = {f["id"]: f.get("type") for f in info.get("fields", []) if f.get("id") != "_id"}
    want = meta["types"]
    bad = [f"{c}: {got.get(c)} (want {t})" for c, t in want.items() if got.get(c) != t]
    extra = [c for c in got if c not in want]
    record(shape, system, "types", 0 if not bad else len(bad), "",
           "all as expected" if not bad and not extra else
           "; ".join(bad + [f"unexpected column {c}" for c in extra]), ok=not bad and not extra)
    idle = float(os.environ.get("BENCH_IDLE_S", "10"))
    time.sleep(idle)
    st = proc_status(pid)
    record(shape, system, "rss_idle", mb(st.get("VmRSS", 0)), "MB",
           f"{mb(st.get('VmRSS', 0)):.0f} MB (VmRSS {idle:.0f} s after)")
    print(rid)


def urls(base, rid, meta):
    fc, fv, sc = meta["filter_col"], meta["filter_val"], meta["sort_col"]
    gc, sm = meta["group_col"], meta["sum_col"]
    search = action(base, "datastore_search") + "?" + qs({
        "resource_id": rid,
        "filters": json.dumps({fc: fv}, ensure_ascii=False),
        # A JSON list: a CKAN client's way to name a column whose name
        # has a comma (CKAN splits only a plain string on commas).
        "sort": json.dumps([f"{sc} desc"], ensure_ascii=False),
        "limit": 100,
    })
    aggregate = action(base, "datastore_aggregate") + "?" + qs({
        "resource_id": rid, "group_by": gc,
        "aggregates": json.dumps([{"function": "count"}, {"function": "sum", "field": sm, "as": "s"}],
                                 ensure_ascii=False),
    })
    q = lambda c: '"' + c.replace('"', '""') + '"'  # noqa: E731
    lit = "'" + fv.replace("'", "''") + "'"
    search_sql = action(base, "datastore_search_sql") + "?" + qs({
        "sql": f"SELECT * FROM {q(rid)} WHERE {q(fc)} = {lit} ORDER BY {q(sc)} DESC LIMIT 100"})
    group_sql = action(base, "datastore_search_sql") + "?" + qs({
        "sql": f"SELECT {q(gc)}, COUNT(*) AS n, SUM({q(sm)}) AS s FROM {q(rid)} GROUP BY {q(gc)}"})
    return {"search": search, "search_sql": search_sql, "aggregate": aggregate, "sql_groupby": group_sql}


def close(a, b):
    return a is not None and abs(float(a) - float(b)) <= max(0.011, abs(float(b)) * 1e-9)


def check_top(records, meta, key):
    """Problems of a filtered, sorted, limited answer."""
    fc, fv, sc = meta["filter_col"], meta["filter_val"], meta["sort_col"]
    out = []
    want = min(100, meta["filter_count"])
    if len(records) != want:
        out.append(f"{key}: {len(records)} records, want {want}")
    if records:
        if not close(records[0].get(sc), meta["top_sorted"]):
            out.append(f"{key}: first {sc} = {records[0].get(sc)!r}, want {meta['top_sorted']}")
        vals = [r.get(sc) for r in records]
        if any(v is None for v in vals) or vals != sorted(vals, reverse=True):
            out.append(f"{key}: not sorted by {sc} desc")
        if any(r.get(fc) != fv for r in records):
            out.append(f"{key}: a record outside {fc} = {fv}")
    return out


def check_groups(records, meta, key, count_key, sum_key):
    gc = meta["group_col"]
    got = {r.get(gc): (r.get(count_key), r.get(sum_key)) for r in records}
    out = []
    for g, (n, s) in meta["groups"].items():
        if g not in got:
            out.append(f"{key}: group {g} missing")
            continue
        gn, gs = got[g]
        if gn != n:
            out.append(f"{key}: {g} count {gn}, want {n}")
        if gs is None or abs(float(gs) - s) > max(0.5, abs(s) * 1e-9):
            out.append(f"{key}: {g} sum {gs}, want {s:.2f}")
    if len(got) != len(meta["groups"]):
        out.append(f"{key}: {len(got)} groups, want {len(meta['groups'])}")
    return out


def queries(base, rid, meta_path, system, pid=None):
    meta = load_meta(meta_path)
    shape = meta["shape"]
    u = urls(base, rid, meta)
    problems, runnable = [], {}
    for key, url in u.items():
        t = now()
        status, ans = http("GET", url)
        first = now() - t
        if status != 200 or not isinstance(ans, dict) or not ans.get("success"):
            why = f"HTTP {status} {error_text(ans)}"
            if key == "search" and status == 409 and "," in meta["sort_col"]:
                why += (f" — the sort column's name has a comma and misto splits every sort item"
                        f" on ',' (CKAN splits only a plain string, not the items of a list)")
            problems.append(f"{key}: refused (HTTP {status})")
            record(shape, system, key, None, "ms", f"refused: {why}", ok=False)
            continue
        res = ans["result"]
        recs = res.get("records", [])
        if key == "search":
            if res.get("total") != meta["filter_count"]:
                problems.append(f"search: total {res.get('total')}, want {meta['filter_count']}")
            problems += check_top(recs, meta, key)
        elif key == "search_sql":
            problems += check_top(recs, meta, key)
        elif key == "aggregate":
            problems += check_groups(recs, meta, key, "count", "s")
        else:
            problems += check_groups(recs, meta, key, "n", "s")
        say(f"    {key}: first answer in {first * 1000:.0f} ms")
        runnable[key] = url
    record(shape, system, "checks", len(problems), "",
           "every answer as expected" if not problems else "; ".join(problems)[:600],
           ok=not problems)
    w = wrk.settings()
    sql_conns = int(os.environ.get("BENCH_SQL_CONNS", "2"))
    for key, url in runnable.items():
        conns = w["conns"]
        if key in ("search_sql", "sql_groupby"):
            # misto runs at most 2 SQL queries per caller at once (every
            # anonymous caller is one) and answers 429 beyond.
            conns = min(conns, sql_conns)
        wrk.run(shape, system, key, url, conns, w["threads"], w["duration"])
    if pid:
        st = proc_status(int(pid))
        record(shape, system, "rss_after", mb(st.get("VmRSS", 0)), "MB",
               f"{mb(st.get('VmRSS', 0)):.0f} MB (VmRSS; VmHWM so far {mb(st.get('VmHWM', 0)):.0f} MB)")


def dump(base, rid, meta_path, system, workdir):
    meta = load_meta(meta_path)
    shape, rows = meta["shape"], meta["rows"]
    out = os.path.join(workdir, f"dump-{shape}.csv")
    url = f"{base}/datastore/dump/{rid}"
    p = subprocess.run(["curl", "-sS", "-o", out, "-w", "%{http_code} %{size_download} %{time_total}", url],
                       capture_output=True, text=True)
    code, size, secs = (p.stdout.split() + ["0", "0", "0"])[:3]
    size, secs = int(size), float(secs)
    if code == "200":
        lines = 0
        with open(out, "rb") as f:
            while chunk := f.read(1 << 20):
                lines += chunk.count(b"\n")
        ok = lines - 1 == rows
        rate = size / 1e6 / secs if secs else 0
        record(shape, system, "dump_csv", rate, "MB/s",
               f"{rate:.1f} MB/s ({size / 1e6:.1f} MB in {secs:.2f} s, {lines - 1:,} rows)"
               + ("" if ok else f" — want {rows:,} rows"), ok=ok)
    else:
        with open(out, "rb") as f:
            body = f.read(300).decode("utf-8", "replace")
        record(shape, system, "dump_csv", None, "MB/s", f"HTTP {code}: {body}", ok=False)
    os.remove(out)

    out = os.path.join(workdir, f"dump-{shape}.parquet")
    p = subprocess.run(["curl", "-sS", "-o", out, "-w", "%{http_code} %{size_download} %{time_total}",
                        url + "?format=parquet"], capture_output=True, text=True)
    code, size, secs = (p.stdout.split() + ["0", "0", "0"])[:3]
    size, secs = int(size), float(secs)
    if code != "200":
        with open(out, "rb") as f:
            body = f.read(400).decode("utf-8", "replace")
        record(shape, system, "dump_parquet", None, "MB/s",
               f"not available: HTTP {code} {body.strip()}", ok=False)
        os.remove(out)
        return
    try:
        import pyarrow.parquet as pq
        t = now()
        table = pq.read_table(out)
        read_s = now() - t
        n = table.num_rows
        schema = ", ".join(f"{f.name}:{f.type}" for f in table.schema)[:300]
        ok = n == rows
        rate = size / 1e6 / secs if secs else 0
        record(shape, system, "dump_parquet", rate, "MB/s",
               f"{rate:.1f} MB/s ({size / 1e6:.1f} MB in {secs:.2f} s); pyarrow reads {n:,} rows"
               f" in {read_s:.2f} s" + (" (matches)" if ok else f" — want {rows:,}"),
               ok=ok, schema=schema)
        say(f"    parquet schema: {schema}")
    except Exception as e:  # pyarrow refusing the file is the finding
        record(shape, system, "dump_parquet", None, "MB/s",
               f"HTTP 200, {size / 1e6:.1f} MB, but pyarrow cannot read it: {e}"[:400], ok=False)
    os.remove(out)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "setup":
        setup(*args)
    elif cmd == "ingest":
        base, token, pkg, meta, system, pid, rsslog = args
        ingest(base, token, pkg, meta, system, int(pid), rsslog)
    elif cmd == "queries":
        queries(*args)
    elif cmd == "dump":
        dump(*args)
    elif cmd == "urls":
        base, rid, meta = args
        print(json.dumps(urls(base, rid, load_meta(meta)), indent=1))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
