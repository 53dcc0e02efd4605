"""What ckanext-harvest's CKAN harvester does to a remote portal (ckan.md §3.1).

Gather: GET /api/3/action/package_search?rows=100&start=N&sort=id asc[&fq=…]
until the first empty page; it gives up if two consecutive raw bodies are
identical, drops duplicate ids, and treats every result as the full
package_show dict. Incremental runs add
fq=metadata_modified:[<gather_started − 1h, isoformat>Z TO *].
"""

import datetime as dt
import re
import time

import pytest
import requests

from conftest import CKAN_DATE, UA

N_DATASETS = 125


def harvest(srv, fq=None, token=None):
    """CKANHarvester._search_for_datasets, step by step."""
    base_url = srv.base + "/api/3/action/package_search"
    params = {"rows": 100, "start": 0, "sort": "id asc"}
    if fq:
        params["fq"] = fq
    headers = {"User-Agent": UA}
    if token:
        headers["Authorization"] = token
    pkg_dicts = []
    ids = set()
    previous_content = None
    pages = 0
    while True:
        r = requests.get(base_url, params=params, headers=headers, timeout=60)
        assert r.status_code == 200, r.text
        content = r.content
        assert content != previous_content, "The paging doesn't seem to work"
        previous_content = content
        body = r.json()
        assert body["success"] is True
        page = body["result"]["results"]
        if not page:
            break
        pages += 1
        for d in page:
            assert d["id"] not in ids, f"dataset {d['name']} returned twice"
            ids.add(d["id"])
            pkg_dicts.append(d)
        params["start"] += 100
        assert pages < 100, "paging does not end"
    return pkg_dicts, pages


@pytest.fixture(scope="module")
def harvest_corpus(srv):
    import uuid

    uid = uuid.uuid4().hex[:8]
    ck = srv.admin
    org = ck.action.organization_create(name=f"harvest-{uid}", title="Міська рада для збирача", edrpou="37508596")
    made = []
    for i in range(N_DATASETS):
        made.append(ck.action.package_create(
            name=f"h-{uid}-{i:03d}", owner_org=org["name"],
            title=f"Набір для збирача № {i}", notes="Перевірка посторінкового збирання.",
            tags=[{"name": "збирач"}], groups=[{"name": "derzhava"}],
            update_frequency="once a month",
            extras=[{"key": "harvest_seq", "value": str(i)}],
            resources=[{"url": f"https://city.gov.ua/h/{i}.csv", "format": "CSV", "name": f"Файл {i}"}],
        ))
    # a private dataset and a draft must not be harvested anonymously
    hidden = [
        ck.action.package_create(name=f"h-{uid}-private", owner_org=org["name"], private=True),
        ck.action.package_create(name=f"h-{uid}-draft", owner_org=org["name"], state="draft"),
    ]
    return {"org": org, "made": made, "hidden": hidden, "uid": uid}


def test_full_gather_sees_every_public_dataset_once(srv, harvest_corpus):
    got, pages = harvest(srv)
    public = set(srv.anon.action.package_list())
    assert len(public) >= N_DATASETS
    assert {d["name"] for d in got} == public
    assert len(got) == len(public)
    assert pages == -(-len(public) // 100)
    # sorted by id across pages
    ids = [d["id"] for d in got]
    assert ids == sorted(ids)
    hidden = {d["name"] for d in harvest_corpus["hidden"]}
    assert not hidden & {d["name"] for d in got}


def test_gather_results_are_full_package_dicts(srv, harvest_corpus):
    fq = f"organization:{harvest_corpus['org']['name']}"
    got, pages = harvest(srv, fq=fq)
    assert pages == 2
    assert len(got) == N_DATASETS
    by_name = {d["name"]: d for d in got}
    for made in harvest_corpus["made"]:
        d = by_name[made["name"]]
        assert d == srv.anon.action.package_show(id=made["id"])
        for key in ("id", "name", "type", "tags", "groups", "owner_org", "extras", "resources",
                    "metadata_modified", "organization"):
            assert key in d, key
        assert re.match(CKAN_DATE, d["metadata_modified"])
        assert d["type"] == "dataset"
        assert [t["name"] for t in d["tags"]] == ["збирач"]
        assert [g["name"] for g in d["groups"]] == ["derzhava"]
        assert {"key": "harvest_seq", "value": made["extras"][0]["value"]} in d["extras"]
        assert len(d["resources"]) == 1 and d["resources"][0]["format"] == "CSV"


def test_group_and_org_filters_as_the_harvester_builds_them(srv, harvest_corpus):
    org = harvest_corpus["org"]["name"]
    got, _ = harvest(srv, fq=f"organization:{org} OR organization:no-such-org-{harvest_corpus['uid']}")
    assert len(got) == N_DATASETS
    got, _ = harvest(srv, fq=f"groups:derzhava organization:{org}")
    assert len(got) == N_DATASETS
    got, _ = harvest(srv, fq=f"-organization:{org}")
    assert not any(d["owner_org"] == harvest_corpus["org"]["id"] for d in got)


def test_incremental_gather(srv, harvest_corpus):
    org = harvest_corpus["org"]["name"]
    # the previous job: the harvester remembers when its gather started
    time.sleep(0.01)
    gather_started = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    time.sleep(0.01)
    changed = harvest_corpus["made"][:3]
    for d in changed:
        srv.admin.action.package_patch(id=d["id"], notes="Змінено після збирання")

    # exactly what ckanext-harvest sends (one hour of slack, microseconds, Z)
    since = (gather_started - dt.timedelta(hours=1)).isoformat()
    got, _ = harvest(srv, fq=f"organization:{org} metadata_modified:[{since}Z TO *]")
    assert len(got) == N_DATASETS  # all of them were made within the hour

    # without the slack: only the changed ones
    since = gather_started.isoformat()
    got, _ = harvest(srv, fq=f"organization:{org} metadata_modified:[{since}Z TO *]")
    assert sorted(d["id"] for d in got) == sorted(d["id"] for d in changed)
    for d in got:
        assert d["notes"] == "Змінено після збирання"
        assert d["metadata_modified"] > since  # ckanext-harvest compares as strings

    # nothing changed since now
    later = (dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) + dt.timedelta(seconds=1)).isoformat()
    got, pages = harvest(srv, fq=f"organization:{org} metadata_modified:[{later}Z TO *]")
    assert got == [] and pages == 0


def test_package_list(srv, harvest_corpus):
    names = srv.anon.action.package_list()
    assert names == sorted(names)
    mine = sorted(d["name"] for d in harvest_corpus["made"])
    assert set(mine) <= set(names)
    assert not {d["name"] for d in harvest_corpus["hidden"]} & set(names)
    assert srv.anon.action.package_list(limit=5) == names[:5]
    assert srv.anon.action.package_list(limit=5, offset=5) == names[5:10]
    resp = srv.get("package_list")
    assert resp.status_code == 200 and resp.json()["result"] == names


def test_current_package_list_with_resources(srv, harvest_corpus):
    ck = srv.anon.action
    first = ck.current_package_list_with_resources(limit=5)
    assert len(first) == 5
    for d in first:
        assert "resources" in d and "metadata_modified" in d
    mods = [d["metadata_modified"] for d in first]
    assert mods == sorted(mods, reverse=True)  # most recently modified first
    second = ck.current_package_list_with_resources(limit=5, offset=5)
    assert not {d["id"] for d in first} & {d["id"] for d in second}
    page2 = ck.current_package_list_with_resources(limit=5, page=2)
    assert [d["id"] for d in page2] == [d["id"] for d in second]
    hidden = {d["name"] for d in harvest_corpus["hidden"]}
    every = ck.current_package_list_with_resources(limit=1000)
    assert not hidden & {d["name"] for d in every}
