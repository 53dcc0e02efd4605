"""Organization → dataset → resources → update/patch → delete, through ckanapi."""

import hashlib
import re
import urllib.parse

import pytest
import requests
from ckanapi import NotFound, ValidationError

from conftest import CKAN_DATE, EDRPOU, wait_loaded

CSV_TEXT = (
    "район,рік,видатки_грн\n"
    "Шевченківський,2024,1250000.50\n"
    "Подільський,2024,980000.00\n"
    "Дарницький,2024,1100000.75\n"
)

PASSPORT = {
    "title": "Виконання бюджету міста за 2024 рік",
    "notes": "Щомісячні дані про виконання міського бюджету: доходи та видатки за кодами бюджетної класифікації.",
    "tags": [{"name": "бюджет"}, {"name": "видатки"}, {"name": "фінанси"}],
    "groups": [{"name": "finansy"}],
    "update_frequency": "once a month",
    "purpose_of_collecting_information": "Закон України «Про доступ до публічної інформації», постанова КМУ № 835",
    "language": "ua",
    "maintainer": "Іваненко Іван Іванович",
    "maintainer_email": "opendata@city.gov.ua",
    "resolution_835_item": "OMS-01",
    "spatial_katottg": "UA71100000000000000",
    "title_en": "City budget execution, 2024",
    "notes_en": "Monthly data on the execution of the city budget.",
    "temporal_start": "2024-01-01",
    "temporal_end": "2024-12-31",
}


def write(tmp_path, name, data):
    p = tmp_path / name
    p.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return p


def test_organization_create_show_list(srv, uid):
    name = f"org-{uid}"
    created = srv.admin.action.organization_create(
        name=name,
        title="Виконавчий комітет Черкаської міської ради",
        edrpou=EDRPOU,
        kind="executive_body",
        description="Виконавчий орган міської ради",
    )
    assert created["name"] == name
    assert created["is_organization"] is True
    assert created["type"] == "organization"
    shown = srv.anon.action.organization_show(id=name)
    assert shown["id"] == created["id"]
    assert shown["title"] == "Виконавчий комітет Черкаської міської ради"
    assert shown["edrpou"] == EDRPOU
    assert shown["kind"] == "executive_body"
    assert shown["package_count"] == 0
    assert re.match(CKAN_DATE, shown["created"])
    assert srv.anon.action.organization_show(id=created["id"])["name"] == name
    assert name in srv.anon.action.organization_list()
    full = srv.anon.action.organization_list(all_fields=True, organizations=[name])
    assert [o["name"] for o in full] == [name]


def test_package_create_with_full_passport(srv, org, uid):
    name = f"budget-{uid}"
    created = srv.admin.action.package_create(name=name, owner_org=org["name"], **PASSPORT)
    shown = srv.anon.action.package_show(id=name)
    for d in (created, shown):
        assert d["name"] == name
        assert d["title"] == PASSPORT["title"]
        assert d["notes"] == PASSPORT["notes"]
        assert sorted(t["name"] for t in d["tags"]) == ["бюджет", "видатки", "фінанси"]
        assert d["num_tags"] == 3
        assert [g["name"] for g in d["groups"]] == ["finansy"]
        assert d["groups"][0]["title"] == "Фінанси"
        # data.gov.ua keys, top level with their exact values
        assert d["update_frequency"] == "once a month"
        assert d["purpose_of_collecting_information"] == PASSPORT["purpose_of_collecting_information"]
        assert d["language"] == "ua"
        assert sorted(d["tag_string"].split(",")) == ["бюджет", "видатки", "фінанси"]
        assert d["maintainer"] == PASSPORT["maintainer"]
        assert d["maintainer_email"] == PASSPORT["maintainer_email"]
        assert d["resolution_835_item"] == "OMS-01"
        assert d["spatial_katottg"] == "UA71100000000000000"
        assert d["title_en"] == PASSPORT["title_en"]
        assert d["notes_en"] == PASSPORT["notes_en"]
        assert d["temporal_start"] == "2024-01-01"
        assert d["temporal_end"] == "2024-12-31"
        assert d["license_id"] == "cc-by-4.0"
        assert d["license_title"]
        assert d["isopen"] is True
        assert d["private"] is False
        assert d["state"] == "active"
        assert d["type"] == "dataset"
        assert d["owner_org"] == org["id"]
        assert d["organization"]["name"] == org["name"]
        assert d["resources"] == [] and d["num_resources"] == 0
        assert re.match(CKAN_DATE, d["metadata_created"]), d["metadata_created"]
        assert re.match(CKAN_DATE, d["metadata_modified"]), d["metadata_modified"]
    assert shown["id"] == created["id"]
    assert shown["metadata_modified"] == created["metadata_modified"]
    assert srv.anon.action.package_show(id=created["id"])["name"] == name
    assert srv.anon.action.organization_show(id=org["name"])["package_count"] == 1


def test_passport_fields_given_as_extras(srv, org, uid):
    """data.gov.ua clients send their fields as extras; they come back top level."""
    d = srv.admin.action.package_create(
        name=f"extras-{uid}", owner_org=org["name"], title="Реєстр дитячих майданчиків",
        extras=[
            {"key": "update_frequency", "value": "once a year"},
            {"key": "purpose_of_collecting_information", "value": "Рішення міської ради"},
            {"key": "source_system", "value": "ЄДЕССБ"},
        ],
    )
    assert d["update_frequency"] == "once a year"
    assert d["purpose_of_collecting_information"] == "Рішення міської ради"
    assert {"key": "source_system", "value": "ЄДЕССБ"} in d["extras"]


def upload_csv(srv, tmp_path, package_id, filename="budget-2024.csv", **fields):
    path = write(tmp_path, filename, CSV_TEXT)
    with open(path, "rb") as f:
        res = srv.admin.action.resource_create(package_id=package_id, upload=f, **fields)
    return res, path.read_bytes()


def test_resource_upload_and_download(srv, make_dataset, tmp_path):
    ds = make_dataset()
    res, data = upload_csv(srv, tmp_path, ds["id"], name="Видатки за районами", format="CSV",
                           description="CSV, UTF-8, роздільник — кома")
    expected_url = f"{srv.base}/dataset/{ds['id']}/resource/{res['id']}/download/budget-2024.csv"
    assert res["url"] == expected_url
    assert res["url_type"] == "upload"
    assert res["package_id"] == ds["id"]
    assert res["name"] == "Видатки за районами"
    assert res["format"] == "CSV"
    assert res["size"] == len(data)
    assert res["hash"] == hashlib.sha256(data).hexdigest()
    assert res["mimetype"] == "text/csv"
    assert re.match(CKAN_DATE, res["created"])

    # The upload starts a datastore ingest that marks the resource
    # datastore_active; compare the two views once it has ended.
    wait_loaded(srv.anon, res["id"])
    pkg = srv.anon.action.package_show(id=ds["id"])
    assert pkg["num_resources"] == 1
    assert pkg["resources"][0]["id"] == res["id"]
    assert pkg["resources"][0]["url"] == expected_url
    # resource_show is the resource exactly as embedded in package_show
    assert srv.anon.action.resource_show(id=res["id"]) == pkg["resources"][0]

    r = requests.get(res["url"], timeout=30)
    assert r.status_code == 200
    assert r.content == data
    assert r.headers["Content-Type"].split(";")[0].strip() == "text/csv"
    assert r.headers["Content-Disposition"].startswith("attachment")
    assert "budget-2024.csv" in r.headers["Content-Disposition"]
    assert int(r.headers["Content-Length"]) == len(data)


def test_uploaded_html_downloads_as_octet_stream_attachment(srv, make_dataset, tmp_path):
    ds = make_dataset()
    html = "<html><body><script>alert('xss')</script>Звіт</body></html>"
    path = write(tmp_path, "report.html", html)
    with open(path, "rb") as f:
        res = srv.admin.action.resource_create(package_id=ds["id"], upload=f)
    assert res["url"].endswith("/download/report.html")
    r = requests.get(res["url"], timeout=30)
    assert r.status_code == 200
    assert r.content == html.encode("utf-8")
    assert r.headers["Content-Type"].split(";")[0].strip() == "application/octet-stream"
    assert r.headers["Content-Disposition"].startswith("attachment")


def test_upload_with_ukrainian_file_name(srv, make_dataset, tmp_path):
    ds = make_dataset()
    res, data = upload_csv(srv, tmp_path, ds["id"], filename="бюджет 2024.csv")
    prefix = f"{srv.base}/dataset/{ds['id']}/resource/{res['id']}/download/"
    assert res["url"].startswith(prefix)
    assert urllib.parse.unquote(res["url"][len(prefix):]) == "бюджет 2024.csv"
    r = requests.get(res["url"], timeout=30)
    assert r.status_code == 200 and r.content == data
    assert r.headers["Content-Disposition"].startswith("attachment")


def test_resource_update_patch_delete(srv, make_dataset, tmp_path):
    ds = make_dataset()
    link = srv.admin.action.resource_create(
        package_id=ds["id"], url="https://city.gov.ua/files/reestr.xlsx",
        name="Реєстр", description="Стара версія", format="XLSX",
    )
    assert link["url"] == "https://city.gov.ua/files/reestr.xlsx"
    assert link["url_type"] in (None, "")

    upd = srv.admin.action.resource_update(
        id=link["id"], url="https://city.gov.ua/files/reestr-2024.xlsx", name="Реєстр 2024", format="XLSX",
    )
    assert upd["id"] == link["id"]
    assert upd["url"] == "https://city.gov.ua/files/reestr-2024.xlsx"
    assert upd["name"] == "Реєстр 2024"
    assert upd["description"] == ""  # full replace: omitted description is cleared

    patched = srv.admin.action.resource_patch(id=link["id"], description="Нова версія")
    assert patched["description"] == "Нова версія"
    assert patched["name"] == "Реєстр 2024"
    assert patched["url"] == "https://city.gov.ua/files/reestr-2024.xlsx"
    assert patched["format"] == "XLSX"

    up, data = upload_csv(srv, tmp_path, ds["id"])
    p2 = srv.admin.action.resource_patch(id=up["id"], name="Перейменований файл")
    assert p2["name"] == "Перейменований файл"
    assert p2["url_type"] == "upload" and p2["url"] == up["url"]
    assert p2["size"] == len(data) and p2["hash"] == up["hash"]
    assert requests.get(p2["url"], timeout=30).content == data

    srv.admin.action.resource_delete(id=link["id"])
    with pytest.raises(NotFound):
        srv.admin.action.resource_show(id=link["id"])
    pkg = srv.admin.action.package_show(id=ds["id"])
    assert [r["id"] for r in pkg["resources"]] == [up["id"]]
    assert pkg["num_resources"] == 1


def test_resource_patch_keeps_upload_with_ukrainian_file_name(srv, make_dataset, tmp_path):
    """resource_patch merges the shown resource, whose url is the (percent-
    encoded) download URL: the upload must survive."""
    ds = make_dataset()
    up, data = upload_csv(srv, tmp_path, ds["id"], filename="видатки.csv")
    p = srv.admin.action.resource_patch(id=up["id"], description="Оновлений опис")
    assert p["url_type"] == "upload"
    assert p["url"] == up["url"]
    r = requests.get(p["url"], timeout=30)
    assert r.status_code == 200 and r.content == data


def test_show_update_round_trip_keeps_everything(srv, make_dataset, tmp_path):
    """The ckanapi idiom: package_show, edit one key, package_update the whole dict."""
    ds = make_dataset(**PASSPORT)
    up, data = upload_csv(srv, tmp_path, ds["id"])
    link = srv.admin.action.resource_create(package_id=ds["id"], url="https://city.gov.ua/a.json", format="JSON")
    d = srv.admin.action.package_show(id=ds["id"])
    d["title"] = "Новий заголовок"
    out = srv.admin.action.package_update(**d)
    assert out["title"] == "Новий заголовок"
    for k in ("notes", "update_frequency", "purpose_of_collecting_information", "language",
              "maintainer", "maintainer_email", "resolution_835_item", "spatial_katottg", "license_id"):
        assert out[k] == d[k], k
    assert sorted(t["name"] for t in out["tags"]) == sorted(t["name"] for t in d["tags"])
    assert [g["name"] for g in out["groups"]] == ["finansy"]
    assert [r["id"] for r in out["resources"]] == [up["id"], link["id"]]
    r0 = out["resources"][0]
    assert r0["url_type"] == "upload" and r0["url"] == up["url"] and r0["hash"] == up["hash"]
    assert requests.get(r0["url"], timeout=30).content == data


def test_show_update_round_trip_keeps_upload_with_ukrainian_file_name(srv, make_dataset, tmp_path):
    ds = make_dataset()
    up, data = upload_csv(srv, tmp_path, ds["id"], filename="звіт про видатки.csv")
    d = srv.admin.action.package_show(id=ds["id"])
    d["notes"] = "Оновлено"
    out = srv.admin.action.package_update(**d)
    r0 = out["resources"][0]
    assert r0["id"] == up["id"]
    assert r0["url_type"] == "upload", r0
    assert r0["url"] == up["url"]
    r = requests.get(r0["url"], timeout=30)
    assert r.status_code == 200 and r.content == data


def test_package_update_is_a_full_replace(srv, make_dataset, org):
    ds = make_dataset(
        **PASSPORT,
        resources=[{"url": "https://city.gov.ua/a.csv", "name": "А"}, {"url": "https://city.gov.ua/b.csv", "name": "Б"}],
    )
    assert ds["num_resources"] == 2
    out = srv.admin.action.package_update(id=ds["id"], name=ds["name"], owner_org=org["name"],
                                          title="Лише заголовок")
    assert out["id"] == ds["id"]
    assert out["title"] == "Лише заголовок"
    assert out["resources"] == [] and out["num_resources"] == 0  # omitted resources are removed
    assert out["tags"] == [] and out["groups"] == []
    assert out["maintainer"] in (None, "")
    assert out["update_frequency"] in (None, "")
    shown = srv.anon.action.package_show(id=ds["name"])
    assert shown["resources"] == [] and shown["title"] == "Лише заголовок"


def test_package_patch_changes_one_field(srv, make_dataset):
    ds = make_dataset(**PASSPORT, resources=[{"url": "https://city.gov.ua/a.csv", "name": "А", "format": "CSV"}])
    out = srv.admin.action.package_patch(id=ds["id"], notes="Інший опис")
    assert out["notes"] == "Інший опис"
    for k in ("title", "update_frequency", "purpose_of_collecting_information", "maintainer",
              "resolution_835_item", "spatial_katottg", "license_id", "name", "owner_org"):
        assert out[k] == ds[k], k
    assert sorted(t["name"] for t in out["tags"]) == sorted(t["name"] for t in ds["tags"])
    assert [g["name"] for g in out["groups"]] == ["finansy"]
    assert [r["id"] for r in out["resources"]] == [ds["resources"][0]["id"]]
    assert out["metadata_modified"] > ds["metadata_modified"]
    assert out["metadata_created"] == ds["metadata_created"]


def test_package_patch_keeps_data_updated(srv, make_dataset):
    """data.gov.ua's "дата актуальності даних": set once, it must survive a
    patch of another field (and a show → update round trip)."""
    ds = make_dataset(update_frequency="once a month", data_updated="2024-06-01T00:00:00")
    assert ds["data_last_updated"] == "2024-06-01T00:00:00.000000"
    assert ds["overdue"] is True
    out = srv.admin.action.package_patch(id=ds["id"], notes="Інший опис")
    assert out["data_last_updated"] == "2024-06-01T00:00:00.000000"
    assert out["next_update_due"] == ds["next_update_due"]
    assert out["overdue"] is True
    shown = srv.admin.action.package_show(id=ds["id"])
    shown["title"] = "Нова назва"
    out = srv.admin.action.package_update(**shown)
    assert out["data_last_updated"] == "2024-06-01T00:00:00.000000"


def test_package_delete(srv, make_dataset, org):
    ds = make_dataset(title="Набір на видалення")
    assert srv.admin.action.package_delete(id=ds["id"]) is None
    with pytest.raises(NotFound):
        srv.anon.action.package_show(id=ds["id"])
    with pytest.raises(NotFound):
        srv.outsider.action.package_show(id=ds["name"])
    still = srv.admin.action.package_show(id=ds["id"])
    assert still["state"] == "deleted"
    assert ds["name"] not in srv.anon.action.package_list()
    r = srv.anon.action.package_search(fq=f"organization:{org['name']}")
    assert r["count"] == 0 and r["results"] == []
    r = srv.anon.action.package_search(fq=f"organization:{org['name']}", include_deleted=True)
    assert r["count"] == 0 and r["results"] == []  # deleted datasets are not public
    r = srv.admin.action.package_search(fq=f"organization:{org['name']}", include_deleted=True)
    assert [d["name"] for d in r["results"]] == [ds["name"]]
    assert srv.anon.action.organization_show(id=org["name"])["package_count"] == 0
    with pytest.raises(NotFound):
        srv.anon.action.package_activity_list(id=ds["id"])


def test_package_activity_list(srv, make_dataset):
    ds = make_dataset(title="Перша назва")
    srv.admin.action.package_patch(id=ds["id"], title="Друга назва")
    acts = srv.anon.action.package_activity_list(id=ds["id"])
    types = [a["activity_type"] for a in acts]
    assert types[0] == "changed package"  # newest first
    assert types[-1] == "new package"
    for a in acts:
        assert a["object_id"] == ds["id"]
        assert re.match(CKAN_DATE, a["timestamp"])
    assert acts[0]["data"]["package"]["title"] == "Друга назва"
    assert srv.anon.action.package_activity_list(id=ds["name"]) == acts


def test_update_unknown_dataset_is_not_found(srv):
    with pytest.raises(NotFound):
        srv.admin.action.package_patch(id="no-such-dataset-xyz", title="x")


def test_resource_create_needs_url_or_upload(srv, make_dataset):
    ds = make_dataset()
    with pytest.raises(ValidationError) as e:
        srv.admin.action.resource_create(package_id=ds["id"], name="порожній")
    assert "url" in e.value.error_dict


def test_resource_update_with_new_upload(srv, make_dataset, tmp_path):
    ds = make_dataset()
    up, old = upload_csv(srv, tmp_path, ds["id"])
    assert re.match(CKAN_DATE, up["last_modified"])
    new = "район,рік\nОболонський,2025\n".encode("utf-8")
    path = write(tmp_path, "budget-2025.csv", new)
    with open(path, "rb") as f:
        upd = srv.admin.action.resource_update(id=up["id"], upload=f, name="Нова версія")
    assert upd["id"] == up["id"]
    assert upd["url"] == f"{srv.base}/dataset/{ds['id']}/resource/{up['id']}/download/budget-2025.csv"
    assert upd["size"] == len(new)
    assert upd["hash"] == hashlib.sha256(new).hexdigest()
    assert upd["last_modified"] >= up["last_modified"]
    r = requests.get(upd["url"], timeout=30)
    assert r.status_code == 200 and r.content == new


def test_download_by_dataset_name_and_bare_url(srv, make_dataset, tmp_path):
    ds = make_dataset()
    up, data = upload_csv(srv, tmp_path, ds["id"])
    by_name = f"{srv.base}/dataset/{ds['name']}/resource/{up['id']}/download/budget-2024.csv"
    assert requests.get(by_name, timeout=30).content == data
    bare = f"{srv.base}/dataset/{ds['id']}/resource/{up['id']}/download"
    r = requests.get(bare, timeout=30)
    assert r.status_code == 200 and r.content == data
    other = make_dataset()
    wrong = f"{srv.base}/dataset/{other['id']}/resource/{up['id']}/download/budget-2024.csv"
    assert requests.get(wrong, timeout=30).status_code == 404


def test_organization_patch_keeps_other_fields(srv, make_org):
    o = make_org(description="Стара назва відділу", email="rada@city.gov.ua")
    p = srv.admin.action.organization_patch(id=o["id"], description="Новий опис")
    assert p["description"] == "Новий опис"
    for k in ("name", "title", "edrpou", "kind", "email"):
        assert p[k] == o[k], k
    assert srv.anon.action.organization_show(id=o["name"])["description"] == "Новий опис"
