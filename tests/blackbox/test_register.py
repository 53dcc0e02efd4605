"""The dataset register and Resolution 835 compliance from outside: the
register and compliance exports downloaded over HTTP and opened with
openpyxl and the csv module (the Ministry's register columns, the audit
entries, each item's status), the register published as a dataset through
ckanapi, and a new 835 list imported with ckanapi's multipart upload."""

import csv
import io
import os
import time

import openpyxl
import pytest
import requests
from ckanapi import NotAuthorized, ValidationError

from conftest import EDRPOU, UA

MINISTRY_COLUMNS = [
    "identifier", "title", "description", "accrualPeriodicity", "keyword", "purpose",
    "landingPage", "distributionFormat", "publisherName", "publisherIdentifier",
    "contactPointFn", "contactPointHasEmail",
]
COMPLIANCE_COLUMNS = [
    "item", "name_uk", "name_en", "category", "status", "datasets", "dataset_urls",
    "overdue_datasets", "publishers",
]
REFERENCE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "resolution-835-datasets.csv")


def download(srv, path):
    r = requests.get(srv.url(path), headers={"User-Agent": UA}, timeout=60)
    assert r.status_code == 200, (path, r.status_code, r.text[:300])
    return r


def sheet_rows(content):
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


def csv_rows(text):
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def register_org(srv, make_org, make_dataset, uid):
    org = make_org(uid)
    make_dataset(
        name=f"schools-{uid}", title="Заклади освіти", owner_org=org["name"],
        update_frequency="once a year", tags=["освіта", "школи"],
        maintainer="Петренко П. П.", maintainer_email="edu@example.org",
        resolution_835_item="OMS-26", purpose_of_collecting_information="Закон України «Про освіту»",
    )
    srv.admin.action.register_entry_create(
        organization=org["name"], title="Черга в дитячі садки", location="ІС «Електронна черга»",
        format="XLSX", status="planned", target_date="2027-03-01", update_frequency="once a month",
        responsible="Коваль К. К.", responsible_email="koval@example.org",
    )
    srv.admin.action.register_entry_create(
        organization=org["name"], title="Медичні картки учнів", location="Паперовий архів",
        status="not_to_publish", reason="Інформація з обмеженим доступом",
    )
    return org


def test_register_exports_have_the_ministry_columns_and_the_audit_entries(srv, register_org, uid):
    name = register_org["name"]
    rows = sheet_rows(download(srv, f"/register.xlsx?organization={name}").content)
    header = rows[0]
    assert header[:12] == MINISTRY_COLUMNS
    assert header[12:] == ["status", "location", "targetDate", "reason", "resolution835Item"]
    by_title = {r[1]: dict(zip(header, r)) for r in rows[1:]}
    assert set(by_title) == {"Заклади освіти", "Черга в дитячі садки", "Медичні картки учнів"}
    school = by_title["Заклади освіти"]
    assert school["accrualPeriodicity"] == "Щороку"
    assert school["keyword"] == "освіта,школи"
    assert school["purpose"] == "Закон України «Про освіту»"
    assert school["landingPage"] == srv.url(f"/dataset/schools-{uid}")
    assert school["publisherIdentifier"] == EDRPOU
    assert school["publisherName"] == register_org["title"]
    assert school["contactPointFn"] == "Петренко П. П."
    assert school["contactPointHasEmail"] == "edu@example.org"
    assert school["status"] == "published"
    assert school["resolution835Item"] == "OMS-26"
    queue = by_title["Черга в дитячі садки"]
    assert queue["status"] == "planned" and queue["targetDate"] == "2027-03-01"
    assert queue["location"] == "ІС «Електронна черга»"
    assert queue["distributionFormat"] == "XLSX"
    assert queue["accrualPeriodicity"] == "Щомісяця"
    assert queue["contactPointHasEmail"] == "koval@example.org"
    cards = by_title["Медичні картки учнів"]
    assert cards["status"] == "not_to_publish"
    assert cards["reason"] == "Інформація з обмеженим доступом"

    # The CSV has the same rows and columns.
    r = download(srv, f"/register.csv?organization={name}")
    assert r.headers["Content-Type"].startswith("text/csv")
    assert f"register-{name}.csv" in r.headers["Content-Disposition"]
    rows_csv = csv_rows(r.content.decode("utf-8"))
    assert rows_csv[0] == header
    assert sorted(r[1] for r in rows_csv[1:]) == sorted(by_title)

    # The JSON and the API say the same.
    listed = srv.anon.action.register_list(organization=name)
    assert [r["title"] for r in listed] == [r[1] for r in rows[1:]]
    # The council's register holds this publisher's rows too.
    council = sheet_rows(download(srv, "/register.xlsx").content)
    assert {"Заклади освіти", "Черга в дитячі садки"} <= {r[1] for r in council[1:]}


def test_compliance_exports_list_every_item(srv, register_org, uid):
    name = register_org["name"]
    rows = sheet_rows(download(srv, f"/compliance.xlsx?organization={name}").content)
    assert rows[0] == COMPLIANCE_COLUMNS
    assert len(rows) == 1 + 73
    by_item = {r[0]: dict(zip(COMPLIANCE_COLUMNS, r)) for r in rows[1:]}
    oms26 = by_item["OMS-26"]
    assert oms26["status"] == "fulfilled"
    assert oms26["datasets"] == f"schools-{uid}"
    assert oms26["dataset_urls"] == srv.url(f"/dataset/schools-{uid}")
    assert oms26["publishers"] == register_org["title"]
    assert oms26["name_uk"] == "Території обслуговування загальноосвітніх навчальних закладів"
    assert by_item["OMS-01"]["status"] == "missing"
    assert by_item["OMS-01"]["datasets"] == ""

    r = download(srv, f"/compliance.csv?organization={name}")
    assert f"compliance-{name}.csv" in r.headers["Content-Disposition"]
    rows_csv = csv_rows(r.content.decode("utf-8"))
    assert rows_csv == rows

    shown = srv.anon.action.compliance_show(organization=name)
    assert shown["fulfilled"] == 1 and shown["total"] == 73


def test_register_published_as_a_dataset(srv, register_org):
    with pytest.raises(NotAuthorized):
        srv.outsider.action.register_publish(organization=register_org["name"])
    d = srv.admin.action.register_publish(organization=register_org["name"])
    assert d["resolution_835_item"] == "ALL-06"
    assert [r["format"] for r in d["resources"]] == ["CSV", "JSON", "XLSX"]
    # Each resource is the live register: its XLSX opens with the Ministry's columns.
    xlsx = next(r for r in d["resources"] if r["format"] == "XLSX")
    rows = sheet_rows(download(srv, xlsx["url"][len(srv.base):]).content)
    assert rows[0][:12] == MINISTRY_COLUMNS
    assert "Реєстр наборів даних" in {r[1] for r in rows[1:]}
    again = srv.admin.action.register_publish()
    assert again["id"] == d["id"]
    shown = srv.anon.action.package_show(id=d["name"])
    assert shown["organization"]["name"] == register_org["name"]


def test_a_new_resolution_835_list_is_imported_and_reset(srv, make_org, make_dataset, uid):
    with open(REFERENCE, "rb") as f:
        reference = f.read()
    extra = "OMS-58,Дані про укриття в закладах освіти,Shelters in schools,oms/safety,once a quarter\n"
    with pytest.raises(NotAuthorized):
        srv.outsider.action.resolution835_import(upload=("835.csv", io.BytesIO(reference)))
    with pytest.raises(ValidationError) as bad:
        srv.admin.action.resolution835_import(
            upload=("835.csv", io.BytesIO("number,name_uk\nA-1,Перше\nA-1,Друге\n".encode()))
        )
    assert bad.value.error_dict["upload"] == ["Line 3, column number: \"A-1\" is listed twice"]
    try:
        listed = srv.admin.action.resolution835_import(
            upload=("835.csv", io.BytesIO(reference + extra.encode()))
        )
        assert listed["source"] == "imported" and listed["count"] == 74
        org = make_org(f"n{uid}")
        make_dataset(name=f"shelters-{uid}", owner_org=org["name"], resolution_835_item="OMS-58",
                     update_frequency="once a quarter")
        rows = sheet_rows(download(srv, f"/compliance.xlsx?organization={org['name']}").content)
        assert len(rows) == 1 + 74
        last = dict(zip(COMPLIANCE_COLUMNS, rows[-1]))
        assert last["item"] == "OMS-58" and last["status"] == "fulfilled"
        assert last["datasets"] == f"shelters-{uid}"
    finally:
        reset = srv.admin.action.resolution835_import(reset=True)
    assert reset["source"] == "built-in" and reset["count"] == 73
    assert srv.anon.action.compliance_show()["total"] == 73


def test_cli_imports_the_list_while_the_server_runs(srv, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("number,name_uk\nX-1,\n", encoding="utf-8")
    with pytest.raises(RuntimeError) as failed:
        srv.cli("resolution835", "import", str(bad))
    assert "Line 2, column name_uk: missing value" in str(failed.value)
    good = tmp_path / "good.csv"
    # windows-1251, as spreadsheets often save it.
    good.write_bytes("number,name_uk\nX-1,Перший пункт\nX-2,Другий пункт\n".encode("cp1251"))
    try:
        out = srv.cli("resolution835", "import", str(good))
        assert out.splitlines() == ["X-1\tПерший пункт", "X-2\tДругий пункт"]
        # The running server picks the new list up with the catalog version.
        for _ in range(50):
            if srv.anon.action.resolution835_list()["count"] == 2:
                break
            time.sleep(0.1)
        assert srv.anon.action.resolution835_list()["items"][1]["name_uk"] == "Другий пункт"
    finally:
        srv.cli("resolution835", "reset")
    for _ in range(50):
        if srv.anon.action.resolution835_list()["count"] == 73:
            break
        time.sleep(0.1)
    assert srv.anon.action.resolution835_list()["source"] == "built-in"
