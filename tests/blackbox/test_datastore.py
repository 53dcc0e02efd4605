"""The datastore through ckanapi: an uploaded CSV is ingested by the
server's job workers, then answers datastore_search, datastore_search_sql,
datastore_info and the dump URL; API tables take create/upsert/delete."""

import pytest
import requests
from ckanapi import NotFound, ValidationError

from conftest import wait_loaded

CSV = (
    "район;заклад;учнів;бюджет;відкрито\n"
    "Подільський;Школа №1;420;1 200,50;01.09.1985\n"
    "Шевченківський;Ліцей «Інтелект»;380;980,25;15.03.2001\n"
    "Подільський;Гімназія №3;510;2 040,00;30.08.1999\n"
)


def upload(srv, ds, tmp_path, name, text, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    with open(p, "rb") as f:
        return srv.admin.action.resource_create(package_id=ds["id"], name=name, upload=f)


def test_uploaded_csv_is_searchable(srv, make_dataset, tmp_path):
    ds = make_dataset()
    res = upload(srv, ds, tmp_path, "заклади.csv", CSV, encoding="cp1251")
    shown, info = wait_loaded(srv.admin, res["id"])
    assert shown["datastore_active"] is True
    assert info["datastore_status"]["status"] == "done"
    assert shown == srv.admin.action.package_show(id=ds["id"])["resources"][0]

    anon = srv.anon
    r = anon.action.datastore_search(resource_id=res["id"])
    assert r["total"] == 3
    types = {f["id"]: f["type"] for f in r["fields"]}
    assert types == {"_id": "int", "район": "text", "заклад": "text", "учнів": "int",
                     "бюджет": "numeric", "відкрито": "date"}
    assert r["records"][0]["бюджет"] == 1200.5
    assert r["records"][0]["відкрито"] == "1985-09-01"

    r = anon.action.datastore_search(resource_id=res["id"], filters={"район": "Подільський"},
                                     sort="учнів desc", fields=["заклад"], limit=1)
    assert r["records"] == [{"заклад": "Гімназія №3"}]
    assert r["total"] == 2
    assert "offset=1" in r["_links"]["next"]

    r = anon.action.datastore_search(resource_id=res["id"], q="школи")
    assert [x["заклад"] for x in r["records"]] == ["Школа №1"]

    r = anon.call_action("datastore_search", {"resource_id": res["id"], "records_format": "csv",
                                              "fields": "район,учнів", "sort": "_id"})
    assert r["records"].splitlines()[0] == "Подільський,420"

    sql = f'SELECT "район", SUM("учнів") AS s FROM "{res["id"]}" GROUP BY "район" ORDER BY s DESC'
    r = anon.action.datastore_search_sql(sql=sql)
    assert r["records"] == [{"район": "Подільський", "s": 930}, {"район": "Шевченківський", "s": 380}]
    for bad in ["SELECT * FROM users", f'DELETE FROM "{res["id"]}"', "PRAGMA table_info(users)",
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c"]:
        with pytest.raises(ValidationError):
            anon.action.datastore_search_sql(sql=bad)

    info = anon.action.datastore_info(id=res["id"])
    assert info["meta"]["count"] == 3
    assert info["report"]["encoding"] == "windows-1251"

    dump = requests.get(srv.url(f"/datastore/dump/{res['id']}"), params={"bom": "true", "fields": "заклад"})
    assert dump.status_code == 200
    assert dump.content.decode("utf-8") == "\ufeffзаклад\nШкола №1\nЛіцей «Інтелект»\nГімназія №3\n"


def test_private_table_is_not_found(srv, make_dataset, tmp_path):
    ds = make_dataset(private=True)
    res = upload(srv, ds, tmp_path, "s.csv", "a,b\n1,таємниця\n")
    wait_loaded(srv.admin, res["id"])
    assert srv.admin.action.datastore_search(resource_id=res["id"])["total"] == 1
    for ck in (srv.anon, srv.outsider):
        with pytest.raises(NotFound):
            ck.action.datastore_search(resource_id=res["id"])
        with pytest.raises(ValidationError):
            ck.action.datastore_search_sql(sql=f'SELECT * FROM "{res["id"]}"')
    assert requests.get(srv.url(f"/datastore/dump/{res['id']}")).status_code == 404


def test_api_table_create_upsert_delete(srv, make_dataset):
    ds = make_dataset()
    created = srv.admin.action.datastore_create(
        resource={"package_id": ds["id"], "name": "Показники"},
        fields=[{"id": "код", "type": "text"}, {"id": "значення", "type": "int"}],
        primary_key=["код"],
        records=[{"код": "A", "значення": 1}, {"код": "B", "значення": 2}],
    )
    rid = created["resource_id"]
    srv.admin.action.datastore_upsert(resource_id=rid, records=[{"код": "B", "значення": 20}, {"код": "C", "значення": 3}])
    r = srv.anon.action.datastore_search(resource_id=rid, sort="код")
    assert [(x["код"], x["значення"]) for x in r["records"]] == [("A", 1), ("B", 20), ("C", 3)]
    with pytest.raises(ValidationError):
        srv.admin.action.datastore_upsert(resource_id=rid, method="update", records=[{"код": "Z", "значення": 0}])
    with pytest.raises(Exception):
        srv.outsider.action.datastore_upsert(resource_id=rid, records=[{"код": "D", "значення": 4}])
    srv.admin.action.datastore_records_delete(resource_id=rid, filters={"код": "A"})
    assert srv.anon.action.datastore_search(resource_id=rid)["total"] == 2
    srv.admin.action.datastore_delete(resource_id=rid)
    with pytest.raises(NotFound):
        srv.anon.action.datastore_search(resource_id=rid)


def test_aggregate_groups_like_the_chart(srv, make_dataset, tmp_path):
    ds = make_dataset()
    res = upload(srv, ds, tmp_path, "агрегат.csv", CSV)
    wait_loaded(srv.admin, res["id"])
    r = srv.anon.action.datastore_aggregate(
        resource_id=res["id"], group_by=["район"],
        aggregates=[{"function": "count"}, {"function": "sum", "field": "учнів"},
                    {"function": "avg", "field": "бюджет", "as": "середній"}],
        sort="sum_учнів desc", include_total=True)
    assert [f["id"] for f in r["fields"]] == ["район", "count", "sum_учнів", "середній"]
    assert r["records"] == [
        {"район": "Подільський", "count": 2, "sum_учнів": 930, "середній": 1620.25},
        {"район": "Шевченківський", "count": 1, "sum_учнів": 380, "середній": 980.25},
    ]
    assert r["total"] == 2
    r = srv.anon.action.datastore_aggregate(resource_id=res["id"], q="школою",
                                            aggregates="max:відкрито")
    assert r["records"] == [{"max_відкрито": "1985-09-01"}]
    with pytest.raises(ValidationError):
        srv.anon.action.datastore_aggregate(resource_id=res["id"], aggregates="sum:район")


@pytest.fixture
def file_server(tmp_path):
    """Serves tmp_path/files on a loopback port (the server fetches linked
    files from 127.0.0.1 only in this suite)."""
    import functools
    import http.server
    import threading

    root = tmp_path / "files"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_linked_csv_is_fetched_and_loaded(srv, make_dataset, file_server):
    root, base = file_server
    (root / "schools.csv").write_bytes(CSV.encode("cp1251"))
    ds = make_dataset()
    res = srv.admin.action.resource_create(package_id=ds["id"], name="Заклади",
                                           url=f"{base}/schools.csv", format="CSV")
    shown, info = wait_loaded(srv.admin, res["id"])
    assert info["datastore_status"]["status"] == "done", info
    assert shown["datastore_active"] is True
    assert shown["url"] == f"{base}/schools.csv"
    r = srv.anon.action.datastore_search(resource_id=res["id"], filters={"район": "Подільський"})
    assert r["total"] == 2
    # A link that answers 404: the reason is shown, the table stays.
    srv.admin.action.resource_patch(id=res["id"], url=f"{base}/missing.csv")
    shown, info = wait_loaded(srv.admin, res["id"])
    assert info["datastore_status"]["status"] == "error"
    assert "404" in info["datastore_status"]["message"]
    assert srv.anon.action.datastore_search(resource_id=res["id"])["total"] == 3
    # Over the suite's 1 MB upload limit.
    (root / "big.csv").write_bytes(b"a,b\n" + b"1,2\n" * 300_000)
    srv.admin.action.resource_patch(id=res["id"], url=f"{base}/big.csv")
    shown, info = wait_loaded(srv.admin, res["id"])
    assert "larger than the limit of 1 MB" in info["datastore_status"]["message"]
