"""Two editors, one dataset: a stale show → update is refused, not lost."""

import io
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from ckanapi import ValidationError

from conftest import error_of


def test_stale_metadata_modified_is_refused(srv, make_dataset):
    ds = make_dataset(title="Початкова назва")
    first = srv.admin.action.package_show(id=ds["id"])
    second = srv.admin.action.package_show(id=ds["id"])
    assert first["metadata_modified"] == second["metadata_modified"]

    first["title"] = "Зміна першого редактора"
    saved = srv.admin.action.package_update(**first)
    assert saved["title"] == "Зміна першого редактора"
    assert saved["metadata_modified"] > first["metadata_modified"]

    second["notes"] = "Зміна другого редактора"
    with pytest.raises(ValidationError) as e:
        srv.admin.action.package_update(**second)
    assert "metadata_modified" in e.value.error_dict

    now = srv.admin.action.package_show(id=ds["id"])
    assert now["title"] == "Зміна першого редактора"
    assert now["notes"] != "Зміна другого редактора"

    # re-read, re-apply: accepted
    now["notes"] = "Зміна другого редактора"
    assert srv.admin.action.package_update(**now)["notes"] == "Зміна другого редактора"


def test_stale_update_is_http_409(srv, make_dataset):
    ds = make_dataset()
    stale = srv.admin.action.package_show(id=ds["id"])
    srv.admin.action.package_patch(id=ds["id"], notes="хтось інший")
    r = srv.post("package_update", stale, token=srv.admin_token)
    assert r.status_code == 409
    err = error_of(r)
    assert err["__type"] == "Validation Error"
    assert "metadata_modified" in err


def test_update_without_metadata_modified_is_last_writer_wins(srv, make_dataset, org):
    ds = make_dataset()
    srv.admin.action.package_patch(id=ds["id"], notes="перша")
    out = srv.admin.action.package_update(id=ds["id"], name=ds["name"], owner_org=org["name"], notes="друга")
    assert out["notes"] == "друга"


def parallel(fn, args, workers=8):
    with ThreadPoolExecutor(workers) as ex:
        return list(ex.map(fn, args))


def test_parallel_resource_create_loses_nothing(srv, make_dataset):
    """Clients that add files in parallel never read metadata_modified: none
    of their calls may fail with a conflict, and no resource may be lost."""
    ds = make_dataset()
    n = 16

    def add(i):
        if i % 2:
            # An upload: the slower path (the file is staged first).
            r = requests.post(
                srv.action_url("resource_create"),
                data={"package_id": ds["id"], "name": f"Файл {i}"},
                files={"upload": (f"f{i}.csv", io.BytesIO(f"a,b\n{i},2\n".encode()), "text/csv")},
                headers={"Authorization": srv.admin_token}, timeout=60)
        else:
            r = srv.post("resource_create", {"package_id": ds["id"], "url": f"https://city.gov.ua/f/{i}.csv",
                                             "name": f"Файл {i}"}, token=srv.admin_token)
        return r.status_code, r.text[:300]

    out = parallel(add, range(n), workers=n)
    assert [code for code, _ in out] == [200] * n, [t for c, t in out if c != 200]
    got = srv.admin.action.package_show(id=ds["id"])
    assert sorted(r["name"] for r in got["resources"]) == sorted(f"Файл {i}" for i in range(n))
    assert sorted(r["position"] for r in got["resources"]) == list(range(n))


def test_parallel_patches_of_different_fields_are_all_kept(srv, make_dataset):
    ds = make_dataset()
    fields = {
        "title": "Нова назва", "notes": "Новий опис", "maintainer": "Петренко П. П.",
        "maintainer_email": "petrenko@city.gov.ua", "author": "Відділ статистики",
        "author_email": "stat@city.gov.ua", "version": "2.0", "url": "https://city.gov.ua/data",
    }

    def patch(item):
        k, v = item
        r = srv.post("package_patch", {"id": ds["id"], k: v}, token=srv.admin_token)
        return r.status_code, r.text[:300]

    out = parallel(patch, fields.items(), workers=4)
    assert [code for code, _ in out] == [200] * len(fields), [t for c, t in out if c != 200]
    got = srv.admin.action.package_show(id=ds["id"])
    assert {k: got[k] for k in fields} == fields


def test_concurrent_stale_updates_one_wins(srv, make_dataset):
    """Two editors save the same version at the same moment: exactly one wins."""
    ds = make_dataset()
    base = srv.admin.action.package_show(id=ds["id"])

    def save(title):
        d = dict(base, title=title)
        return srv.post("package_update", d, token=srv.admin_token).status_code

    codes = parallel(save, ["Редактор А", "Редактор Б", "Редактор В", "Редактор Г"], workers=4)
    assert sorted(codes) == [200, 409, 409, 409], codes
    assert srv.admin.action.package_show(id=ds["id"])["title"] in {"Редактор А", "Редактор Б", "Редактор В", "Редактор Г"}
