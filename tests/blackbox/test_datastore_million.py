"""A million-row city file through the doors a data reuser uses: uploaded
with resource_create, then datastore_search (a filter keeping a sixth of
the rows, a numeric sort), datastore_search with q, the group-by action,
datastore_search_sql and every dump format, each checked against figures
computed here from the generated file. The server is one of its own, so
its job worker is not shared with other tests."""

import csv
import io
import json
import random
import time

import pytest
import requests
from ckanapi import RemoteCKAN

ROWS = 1_000_000
DISTRICTS = ["Шевченківський", "Подільський", "Оболонський", "Дарницький", "Солом'янський", "Голосіївський"]
PURPOSES = ["Оплата послуг з прибирання; вивіз сміття", 'Ремонт даху ""Школа №5""', "Поточний ремонт доріг",
            "Закупівля медикаментів", "Електроенергія; опалення", "Харчування учнів"]


def amount_text(cents):
    whole, frac = divmod(cents, 100)
    return f"{whole:,}".replace(",", " ") + f",{frac:02d}"


def generate(path):
    """The file, and what the checks need: per district its row count and
    sum of amounts in cents; the largest amount of the first district."""
    rnd = random.Random(835)
    count = {d: 0 for d in DISTRICTS}
    total = {d: 0 for d in DISTRICTS}
    top = []
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("№;Дата платежу;Район;Отримувач;Код ЄДРПОУ;Призначення платежу;Сума, грн;Оплачено\n")
        buf = []
        for i in range(1, ROWS + 1):
            d = DISTRICTS[rnd.randrange(6)]
            cents = rnd.randrange(100, 50_000_000)
            count[d] += 1
            total[d] += cents
            if d == DISTRICTS[0]:
                top.append((cents, i))
            day, month, year = rnd.randrange(1, 29), rnd.randrange(1, 13), rnd.randrange(2019, 2027)
            purpose = PURPOSES[i % 6]
            if ";" in purpose or '"' in purpose:
                purpose = f'"{purpose}"'
            buf.append(f"{i};{day:02d}.{month:02d}.{year};{d};ТОВ «Підрядник {i % 997}»;"
                       f"{i % 100_000_000:08d};{purpose};{amount_text(cents)};{'так' if i % 3 else 'ні'}\n")
            if len(buf) == 10_000:
                f.write("".join(buf))
                buf.clear()
        f.write("".join(buf))
    top.sort(key=lambda t: (-t[0], t[1]))  # amount desc, then _id (the tie-breaker)
    return count, total, top[:100]


@pytest.fixture(scope="module")
def big_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("million") / "платежі.csv"
    return path, generate(path)


def test_a_million_rows_answer_every_door(fresh_server, big_file):
    path, (count, total, top) = big_file
    srv = fresh_server(env_overrides={"MISTO_MAX_UPLOAD_MB": "400"})
    admin = RemoteCKAN(srv.base, apikey=srv.admin_token)
    org = admin.action.organization_create(name="finance", title="Фінансове управління")
    ds = admin.action.package_create(name="payments", title="Платежі", owner_org=org["id"])
    started = time.monotonic()
    with open(path, "rb") as f:
        res = admin.action.resource_create(package_id=ds["id"], name="Платежі", upload=f)
    rid = res["id"]
    deadline = time.monotonic() + 600
    while True:
        info = admin.action.datastore_info(id=rid)
        status = info["datastore_status"]["status"]
        if status in ("done", "error"):
            break
        assert time.monotonic() < deadline, "not loaded in 600 s"
        time.sleep(0.5)
    assert status == "done", info["datastore_status"]
    print(f"upload → table answers: {time.monotonic() - started:.1f} s")
    assert info["meta"]["count"] == ROWS
    types = {f["id"]: f["type"] for f in info["fields"]}
    assert types.get("Дата платежу") == "date", types
    assert types["Сума, грн"] == "numeric"
    assert types["Оплачено"] == "bool"
    assert types["Код ЄДРПОУ"] == "text"

    anon = RemoteCKAN(srv.base)
    first = DISTRICTS[0]
    r = anon.action.datastore_search(resource_id=rid, filters={"Район": first}, sort='"Сума, грн" desc',
                                     limit=100, include_total=True)
    assert r["total"] == count[first]
    assert [x["_id"] for x in r["records"]] == [i for _, i in top]
    assert r["records"][0]["Сума, грн"] == pytest.approx(top[0][0] / 100)
    assert r["records"][0]["Код ЄДРПОУ"] == f"{top[0][1] % 100_000_000:08d}"

    # Another word form than the file's ("Підрядник"), and a number term.
    r = anon.action.datastore_search(resource_id=rid, q="підрядника 996", limit=5, include_total=True)
    assert r["total"] == sum(1 for i in range(1, ROWS + 1) if i % 997 == 996)
    assert all(x["Отримувач"] == "ТОВ «Підрядник 996»" for x in r["records"]), r["records"]

    groups = anon.call_action("datastore_aggregate", {"resource_id": rid, "group_by": ["Район"],
                                                      "aggregates": ["count", "sum:Сума, грн"]})
    got = {g["Район"]: g for g in groups["records"]}
    for d in DISTRICTS:
        assert got[d]["count"] == count[d]
        assert got[d]["sum_Сума, грн"] == pytest.approx(total[d] / 100, rel=1e-9)

    sql = (f'SELECT "Район", COUNT(*) AS n, SUM("Сума, грн") AS s FROM "{rid}" '
           f'WHERE "Оплачено" GROUP BY "Район" ORDER BY n DESC')
    r = anon.action.datastore_search_sql(sql=sql)
    assert len(r["records"]) == 6
    assert sum(x["n"] for x in r["records"]) == sum(1 for i in range(1, ROWS + 1) if i % 3)

    # Every dump format: the whole table as CSV and Parquet; the others
    # over the first district's rows.
    url = srv.base + f"/datastore/dump/{rid}"
    t = time.monotonic()
    with requests.get(url, stream=True, timeout=600) as resp:
        assert resp.status_code == 200
        lines = 0
        size = 0
        for chunk in resp.iter_content(1 << 20):
            lines += chunk.count(b"\n")
            size += len(chunk)
    print(f"CSV dump: {size / 1e6:.0f} MB in {time.monotonic() - t:.1f} s")
    assert lines == ROWS + 1

    import pyarrow.parquet as pq
    resp = requests.get(url, params={"format": "parquet"}, timeout=600)
    assert resp.status_code == 200, resp.text[:300]
    table = pq.read_table(io.BytesIO(resp.content))
    assert table.num_rows == ROWS
    assert table.column_names[0] == "_id"
    assert str(table.schema.field("Дата платежу").type) == "date32[day]"

    flt = json.dumps({"Район": DISTRICTS[5]})
    n = count[DISTRICTS[5]]
    resp = requests.get(url, params={"format": "tsv", "filters": flt}, timeout=600)
    assert resp.text.count("\n") == n + 1
    resp = requests.get(url, params={"format": "json", "filters": flt}, timeout=600)
    assert len(resp.json()["records"]) == n
    resp = requests.get(url, params={"format": "xlsx", "filters": flt, "limit": 20000}, timeout=600)
    assert resp.status_code == 200 and resp.content[:2] == b"PK"
    resp = requests.get(url, params={"format": "geojson", "filters": flt}, timeout=600)
    assert resp.status_code == 400  # the table has no coordinates, and says so
    assert "longitude" in resp.text
    rows = list(csv.reader(io.StringIO(requests.get(url, params={"filters": flt, "limit": 3}).text)))
    assert len(rows) == 4 and rows[0][0] == "_id" and rows[1][3] == DISTRICTS[5]
