#!/usr/bin/env python3
"""The bench's one table, from results.jsonl, with PASS/FAIL per target.

    report.py RESULTS.jsonl OUT.md [--info "text"]...

Rows are (shape, measure); columns are misto on SQLite and on PostgreSQL,
the peers, the target and the verdict of each misto run against it. The
issue's targets are stated for 1,000,000 rows on 2 cores: on other sizes
the verdicts are indicative only (the table says so).
"""

import json
import sys
from collections import OrderedDict

SYSTEMS = [("misto/sqlite", "misto SQLite"), ("misto/pg", "misto PostgreSQL"),
           ("duckdb", "DuckDB"), ("sqlite3", "sqlite3 CLI"), ("datasette", "datasette")]

# measure key → (label, target text, test, peer cells: system → key)
MEASURES = OrderedDict([
    ("ingest", ("upload → table answers", "≥ 500,000 rows/s", (">=", 500_000),
                {"duckdb": "ingest", "sqlite3": "ingest", "datasette": "prep"})),
    ("rss_ingest", ("server peak RSS during ingest", "< 300 MB", ("<", 300), {})),
    ("rss_idle", ("server RSS idle after ingest", "< 100 MB", ("<", 100), {})),
    ("types", ("column types inferred", "as generated", ("ok", None), {})),
    ("checks", ("answers (counts, sums, top row)", "as generated", ("ok", None),
                {"duckdb": "checks", "datasette": "checks"})),
    ("search", ("(a) filter + sort + limit 100: datastore_search", "p50 < 20 ms", ("<", 20),
                {"duckdb": "search", "datasette": "search"})),
    ("search_sql", ("(a') the same as datastore_search_sql", "—", None,
                    {"datasette": "search_sql"})),
    ("aggregate", ("(b) group-by all rows: datastore_aggregate", "p50 < 30 ms", ("<", 30),
                   {"duckdb": "aggregate", "datasette": "aggregate"})),
    ("sql_groupby", ("(c) group-by all rows: datastore_search_sql", "p50 < 30 ms", ("<", 30),
                     {"datasette": "aggregate"})),
    ("dump_csv", ("(d) full CSV dump", "≥ 100 MB/s", (">=", 100), {})),
    ("dump_parquet", ("(e) Parquet dump, read by pyarrow", "readable, rows match", ("ok", None), {})),
    ("rss_after", ("server RSS after the queries", "—", None, {})),
])


def verdict(rec, test):
    if test is None:
        return None
    if rec is None:
        return "—"
    if not rec.get("ok", True) or (test[0] != "ok" and rec.get("value") is None):
        return "FAIL"
    op, bound = test
    if op == "ok":
        return "PASS"
    v = rec["value"]
    return "PASS" if (v >= bound if op == ">=" else v < bound) else "FAIL"


def cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def main():
    src, out = sys.argv[1], sys.argv[2]
    info = [sys.argv[i + 1] for i, a in enumerate(sys.argv) if a == "--info"]
    recs = {}
    shapes = []
    with open(src, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            recs[(r["shape"], r["system"], r["key"])] = r
            if r["shape"] not in shapes:
                shapes.append(r["shape"])
    present = [(s, name) for s, name in SYSTEMS if any(k[1] == s for k in recs)]
    lines = ["# misto datastore bench", ""]
    lines += [f"- {x}" for x in info]
    lines.append("")
    head = ["shape", "measure"] + [name for _, name in present] + ["target", "verdict"]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "---|" * len(head))
    tally = {"PASS": 0, "FAIL": 0}
    failures = []
    for shape in shapes:
        for key, (label, target, test, peers) in MEASURES.items():
            cells, verdicts = [], []
            any_value = False
            for sysname, name in present:
                if sysname.startswith("misto/"):
                    r = recs.get((shape, sysname, key))
                else:
                    pk = peers.get(sysname)
                    r = recs.get((shape, sysname, pk)) if pk else None
                cells.append(cell(r["text"]) if r else "—")
                any_value = any_value or r is not None
                if sysname.startswith("misto/"):
                    v = verdict(r, test)
                    if v in tally:
                        tally[v] += 1
                        verdicts.append(f"{name.split()[1]} {v}")
                    if r is not None and not r.get("ok", True):
                        failures.append(f"{shape} · {name} · {label}: {r['text']}")
            if not any_value:
                continue
            lines.append("| " + " | ".join([shape, label] + cells + [target, ", ".join(verdicts) or "—"]) + " |")
    lines.append("")
    lines.append(f"**{tally['PASS']} PASS, {tally['FAIL']} FAIL** against the issue's targets (#13).")
    for (shape, system, key), r in recs.items():
        if not system.startswith("misto/") and not r.get("ok", True):
            failures.append(f"{shape} · {system} · {key}: {r['text']}")
    notes = []
    for (shape, system, key), r in recs.items():
        if r.get("note") and r["note"] not in [n for _, n in notes]:
            notes.append((f"{shape} · {system} · {key}", r["note"]))
    if notes:
        lines += ["", "Notes:", ""] + [f"- {where}: {cell(n)}" for where, n in notes]
    if failures:
        lines += ["", "Not valid or not working:", ""] + [f"- {cell(x)}" for x in failures]
    text = "\n".join(lines) + "\n"
    with open(out, "w", encoding="utf-8") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
