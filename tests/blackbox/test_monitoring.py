"""Quarterly monitoring from outside: a coordinator logs in, downloads the
monitoring table (XLSX and CSV) and the assessment cards (XLSX), and every
figure in them is checked with openpyxl against what `monitoring_show` and
`assessment_card_show` report. Others get no figures."""

import csv
import io
import re

import openpyxl
import requests

from conftest import error_of

ADMIN_PASSWORD = "Adm1n-pass-фраза"
UA = "misto-blackbox"


def login(srv, user="admin", password=ADMIN_PASSWORD):
    s = requests.Session()
    s.headers["User-Agent"] = UA
    page = s.get(srv.url("/login"), timeout=30)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    r = s.post(
        srv.url("/login"),
        data={"csrf": csrf, "next": "/monitoring", "user": user, "password": password},
        allow_redirects=False,
        timeout=30,
    )
    assert r.status_code == 303, r.text
    return s


def export_value(figures, column):
    v = figures[column]
    if v is None:
        return None
    if isinstance(v, float) and column.endswith(("_share", "_rate", "completeness")):
        return round(v, 4)
    return v


def stable(fetch, download, attempts=5):
    """The API's answer and a download made while it did not change (jobs
    of other tests may still be validating files in the background)."""
    def figures(answer):
        # When the live figures were computed changes on every call.
        return {k: v for k, v in answer.items() if k not in ("taken", "period_end")}

    for _ in range(attempts):
        before = fetch()
        got = download()
        if figures(fetch()) == figures(before):
            return before, got
    raise AssertionError("the figures kept changing")


def test_monitoring_exports_match_the_api(srv, make_org, make_dataset, uid):
    org = make_org(f"mon-{uid}")
    name = org["name"]
    make_dataset(
        f"mon-fresh-{uid}", owner_org=name, update_frequency="once a year",
        data_updated="2026-01-01", license_id="cc-by-4.0", resolution_835_item="ALL-01",
        notes="Перелік закладів міста з кодами ЄДРПОУ, датами відкриття та обсягами фінансування за рік.",
        tags=["заклади", "освіта", "фінансування"],
    )
    make_dataset(
        f"mon-stale-{uid}", owner_org=name, update_frequency="once a month",
        data_updated="2020-01-01", license_id="cc-by-4.0",
    )
    fb = srv.post("feedback_create", {
        "package_id": f"mon-stale-{uid}", "kind": "data_error",
        "message": "Дані не оновлювалися з 2020 року", "author_name": "Оксана",
        "author_email": f"oksana-{uid}@example.org",
    })
    assert fb.status_code == 200, fb.text
    srv.post("register_entry_create", {
        "organization": name, "title": "Черга в дитсадки", "location": "ІС «Черга»",
        "format": "XLSX", "status": "planned", "target_date": "2030-01-01",
        "update_frequency": "once a month",
    }, token=srv.admin_token).raise_for_status()

    # Coordinators only.
    r = srv.post("monitoring_show", {}, token=srv.outsider_token)
    assert r.status_code == 403
    assert error_of(r)["__type"] == "Authorization Error"
    assert srv.post("assessment_card_show", {}).status_code == 403
    anon = requests.get(srv.url("/monitoring.xlsx"), allow_redirects=False, timeout=30)
    assert anon.status_code == 303 and "/login" in anon.headers["location"]

    s = login(srv)

    def monitoring():
        return srv.admin.action.monitoring_show()

    m, (xlsx, text) = stable(monitoring, lambda: (
        s.get(srv.url("/monitoring.xlsx"), timeout=60),
        s.get(srv.url("/monitoring.csv"), timeout=60),
    ))
    quarter = m["quarter"]
    mine = next(p for p in m["publishers"] if p["name"] == name)
    f = mine["figures"]
    assert f["datasets"] == 2
    assert f["with_frequency"] == 2 and f["on_time"] == 1
    assert f["mandatory_fulfilled"] == 1 and f["mandatory_total"] == 1
    assert f["feedback_received"] == 1 and f["feedback_answered"] == 0
    assert f["register_entries"] == 3 and f["register_planned"] == 1

    # The XLSX table: a header row, the council, then every publisher.
    assert xlsx.status_code == 200
    assert xlsx.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    sheet = book["monitoring"]
    rows = list(sheet.iter_rows(values_only=True))
    head = list(rows[0])
    assert head[:5] == ["quarter", "scope", "rank", "name", "title"]
    columns = head[5:]
    assert len(rows) == 2 + len(m["publishers"])
    council = rows[1]
    assert council[0] == quarter and council[1] == "council"
    for i, col in enumerate(columns):
        assert council[5 + i] == export_value(m["council"], col), col
    row = next(r for r in rows[2:] if r[3] == name)
    assert row[1] == "publisher" and int(row[2]) == mine["rank"]
    for i, col in enumerate(columns):
        assert row[5 + i] == export_value(f, col), col

    # The CSV: the same columns and figures.
    assert text.status_code == 200
    table = list(csv.reader(io.StringIO(text.text)))
    assert table[0] == head
    line = next(r for r in table[1:] if r[3] == name)
    for i, col in enumerate(columns):
        want = export_value(f, col)
        got = line[5 + i]
        if want is None:
            assert got == "", col
        else:
            assert float(got) == want, col

    # The assessment card of the publisher: one sheet, each indicator with
    # its value and target as the API gives them.
    def card():
        return srv.admin.action.assessment_card_show(organization=name, quarter=quarter)

    c, one = stable(card, lambda: s.get(
        srv.url(f"/monitoring/card.xlsx?quarter={quarter}&organization={name}"), timeout=60))
    assert one.status_code == 200
    indicators = {i["id"]: i for i in c["publishers"][0]["indicators"]}
    book = openpyxl.load_workbook(io.BytesIO(one.content))
    assert book.sheetnames == [name[:28]]
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "Картка оцінки стану оприлюднення і оновлення відкритих даних"
    start = next(i for i, r in enumerate(rows) if r[0] == "id")
    assert list(rows[start][:7]) == ["id", "indicator", "value", "target", "met", "numerator", "denominator"]
    seen = set()
    for r in rows[start + 1:]:
        if r[0] is None:
            continue
        api = indicators[r[0]]
        seen.add(r[0])
        assert r[2] == api["value"], r
        assert r[3] == api["target"], r
        assert r[4] == api["met"], r
        assert r[5] == api["numerator"], r
        assert r[6] == api["denominator"], r
        assert r[7] and r[8], "formula and source are given"
    assert seen == set(indicators)
    assert indicators["on_time_share"]["value"] == 0.5
    assert indicators["on_time_share"]["met"] is False
    assert indicators["mandatory_fulfilled"]["met"] is True

    # Every card: the council's first, then one per publisher.
    everything = s.get(srv.url("/monitoring/card.xlsx"), timeout=60)
    book = openpyxl.load_workbook(io.BytesIO(everything.content))
    assert book.sheetnames[0] == "council"
    assert len(book.sheetnames) == 1 + len(srv.admin.action.monitoring_show()["publishers"])

    # The page itself, and the history on the public rating page.
    page = s.get(srv.url(f"/monitoring?quarter={quarter}"), timeout=60)
    assert page.status_code == 200 and name in page.text
    history = srv.anon.action.publisher_rating_history(organization=name)
    assert history[-1]["quarter"] == quarter and history[-1]["live"] is True
    assert [p["name"] for p in history[-1]["publishers"]] == [name]
