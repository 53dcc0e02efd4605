"""package_search: Ukrainian full text, fielded q, fq forms, dates, sorts, facets."""

import datetime as dt
import re
import time

import pytest
from ckanapi import SearchQueryError, ValidationError

from conftest import CKAN_DATE, error_of


def names(result):
    return sorted(d["name"] for d in result["results"])


@pytest.fixture
def corpus(srv, make_org, uid):
    """Two organizations with a few datasets each (names are unique per test)."""
    a = make_org(f"a-{uid}", title=f"Департамент фінансів {uid}")
    b = make_org(f"b-{uid}", title=f"Департамент транспорту {uid}")
    ck = srv.admin
    mk = ck.action.package_create
    ds = {}
    ds["budget"] = mk(
        name=f"budget-{uid}", owner_org=a["name"], title="Звіт про виконання бюджету міста",
        notes="Щомісячний звіт.", tags=[{"name": f"бюджет-{uid}"}, {"name": "звітність"}],
        groups=[{"name": "finansy"}], update_frequency="once a month",
        resources=[{"url": "https://city.gov.ua/budget.csv", "format": "CSV"}],
    )
    ds["spending"] = mk(
        name=f"spending-{uid}", owner_org=a["name"], title="Бюджетні видатки за 2024 рік",
        notes="Видатки за функціональною класифікацією.", tags=[{"name": f"бюджет-{uid}"}],
        groups=[{"name": "finansy"}, {"name": "podatky"}], update_frequency="once a quarter",
        resources=[{"url": "https://city.gov.ua/spending.xlsx", "format": "XLSX"},
                   {"url": "https://city.gov.ua/spending.csv", "format": "CSV"}],
    )
    ds["trees"] = mk(
        name=f"trees-{uid}", owner_org=a["name"], title="Реєстр зелених насаджень",
        notes="Дерева на вулицях міста.", tags=[{"name": "зелені насадження"}],
        groups=[{"name": "ekolohiia"}], update_frequency="once a year", license_id="cc-zero",
        resources=[{"url": "https://city.gov.ua/trees.geojson", "format": "GeoJSON"}],
    )
    ds["routes"] = mk(
        name=f"routes-{uid}", owner_org=b["name"], title="Маршрути громадського транспорту",
        tags=[{"name": "транспорт"}], groups=[{"name": "transport"}], update_frequency="once a month",
        resources=[{"url": "https://city.gov.ua/routes.csv", "format": "CSV"}],
    )
    return {"a": a, "b": b, "ds": ds, "uid": uid}


def in_org(c, which="a"):
    return f"organization:{c[which]['name']}"


def test_ukrainian_word_forms(srv, corpus):
    c = corpus
    r = srv.anon.action.package_search(q="бюджет", fq=in_org(c))
    assert names(r) == sorted([c["ds"]["budget"]["name"], c["ds"]["spending"]["name"]])
    assert r["count"] == 2
    r = srv.anon.action.package_search(q="бюджетних", fq=in_org(c))
    assert c["ds"]["budget"]["name"] in names(r)
    r = srv.anon.action.package_search(q="насадження", fq=in_org(c))
    assert names(r) == [c["ds"]["trees"]["name"]]
    r = srv.anon.action.package_search(q="метрополітен", fq=in_org(c))
    assert r["count"] == 0 and r["results"] == []


def test_search_results_are_full_dicts(srv, corpus):
    r = srv.anon.action.package_search(fq=in_org(corpus, "b"))
    (d,) = r["results"]
    shown = srv.anon.action.package_show(id=d["id"])
    assert d == shown


def test_fielded_q(srv, corpus):
    c, u = corpus, corpus["uid"]
    r = srv.anon.action.package_search(q=f"tags:бюджет-{u}")
    assert names(r) == sorted([c["ds"]["budget"]["name"], c["ds"]["spending"]["name"]])
    r = srv.anon.action.package_search(q="res_format:CSV", fq=in_org(c))
    assert names(r) == sorted([c["ds"]["budget"]["name"], c["ds"]["spending"]["name"]])
    r = srv.anon.action.package_search(q=f"organization:{c['b']['name']}")
    assert names(r) == [c["ds"]["routes"]["name"]]
    r = srv.anon.action.package_search(q='tags:"зелені насадження"', fq=in_org(c))
    assert names(r) == [c["ds"]["trees"]["name"]]


def test_fq_forms(srv, corpus):
    c = corpus
    a, b = c["a"]["name"], c["b"]["name"]
    all4 = sorted(d["name"] for d in c["ds"].values())
    a3 = sorted(c["ds"][k]["name"] for k in ("budget", "spending", "trees"))
    ck = srv.anon.action

    r = ck.package_search(fq=f"organization:{a} OR organization:{b}", rows=100)
    assert names(r) == all4
    # the harvester's exclude filter, over the whole portal
    r = ck.package_search(fq=f"-organization:{a}", rows=1000)
    got = {d["name"] for d in r["results"]}
    assert c["ds"]["routes"]["name"] in got
    assert not got & set(a3)
    r = ck.package_search(fq=f'organization:"{a}"')
    assert names(r) == a3
    r = ck.package_search(fq=f"+organization:{a} +groups:podatky")
    assert names(r) == [c["ds"]["spending"]["name"]]
    r = ck.package_search(fq=f"+organization:{a} -groups:finansy")
    assert names(r) == [c["ds"]["trees"]["name"]]
    r = ck.package_search(fq=f"organization:{a} groups:finansy")
    assert names(r) == sorted([c["ds"]["budget"]["name"], c["ds"]["spending"]["name"]])
    r = ck.package_search(fq=f"(organization:{a} OR organization:{b}) AND res_format:CSV")
    assert names(r) == sorted([c["ds"][k]["name"] for k in ("budget", "spending", "routes")])
    r = ck.package_search(fq=f'organization:{a} update_frequency:"once a month"')
    assert names(r) == [c["ds"]["budget"]["name"]]
    r = ck.package_search(fq=f"organization:{a} license_id:cc-zero")
    assert names(r) == [c["ds"]["trees"]["name"]]
    r = ck.package_search(fq=f"organization:{a}", fq_list=["groups:finansy", "res_format:XLSX"])
    assert names(r) == [c["ds"]["spending"]["name"]]


def test_fq_with_plus_over_get(srv, corpus):
    """A literal + in a GET query string (sent as %2B) is the MUST operator."""
    a = corpus["a"]["name"]
    resp = srv.get("package_search", {"fq": f"+organization:{a} +groups:podatky"})
    assert resp.status_code == 200, resp.text
    assert [d["name"] for d in resp.json()["result"]["results"]] == [corpus["ds"]["spending"]["name"]]


def utc_iso(t):
    return t.astimezone(dt.timezone.utc).replace(tzinfo=None).isoformat()


def test_metadata_modified_ranges(srv, corpus):
    c = corpus
    fq_org = in_org(c)
    ck = srv.anon.action
    newest = max(c["ds"][k]["metadata_modified"] for k in ("budget", "spending", "trees"))
    assert re.match(CKAN_DATE, newest)
    hour_ago = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)
    with_us = utc_iso(hour_ago.replace(microsecond=123456))
    without_us = utc_iso(hour_ago.replace(microsecond=0))
    assert "." not in without_us
    for start in (with_us, without_us):
        r = ck.package_search(fq=f"{fq_org} metadata_modified:[{start}Z TO *]")
        assert r["count"] == 3, start
    future = utc_iso(dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1))
    r = ck.package_search(fq=f"{fq_org} metadata_modified:[{future}Z TO *]")
    assert r["count"] == 0
    r = ck.package_search(fq=f"{fq_org} metadata_modified:[* TO {with_us}Z]")
    assert r["count"] == 0
    r = ck.package_search(fq=f"{fq_org} metadata_modified:[NOW-1DAY TO NOW]")
    assert r["count"] == 3
    r = ck.package_search(fq=f"{fq_org} metadata_modified:[{with_us}Z TO NOW]")
    assert r["count"] == 3
    r = ck.package_search(fq=f"{fq_org} metadata_modified:[* TO NOW-1DAY]")
    assert r["count"] == 0
    # the exact value of the newest dataset is inside an inclusive range
    r = ck.package_search(fq=f"{fq_org} metadata_modified:[{newest}Z TO *]")
    assert r["count"] >= 1
    assert newest in [d["metadata_modified"] for d in r["results"]]


def test_sorts(srv, corpus):
    c = corpus
    fq = f"organization:{c['a']['name']} OR organization:{c['b']['name']}"
    ck = srv.anon.action
    r = ck.package_search(fq=fq, sort="name asc")
    assert [d["name"] for d in r["results"]] == sorted(d["name"] for d in c["ds"].values())
    assert r["sort"] == "name asc"
    r = ck.package_search(fq=fq, sort="name desc")
    assert [d["name"] for d in r["results"]] == sorted((d["name"] for d in c["ds"].values()), reverse=True)
    r = ck.package_search(fq=fq, sort="id asc")
    assert [d["id"] for d in r["results"]] == sorted(d["id"] for d in c["ds"].values())
    # touch the oldest so that it becomes the newest
    srv.admin.action.package_patch(id=c["ds"]["budget"]["id"], notes="оновлено")
    r = ck.package_search(fq=fq, sort="metadata_modified desc")
    mods = [d["metadata_modified"] for d in r["results"]]
    assert mods == sorted(mods, reverse=True)
    assert r["results"][0]["name"] == c["ds"]["budget"]["name"]
    r = ck.package_search(fq=fq, sort="metadata_modified asc")
    assert r["results"][-1]["name"] == c["ds"]["budget"]["name"]
    with pytest.raises(SearchQueryError):
        ck.package_search(fq=fq, sort="no_such_field asc")


def test_paging_rows_start(srv, corpus):
    fq = f"organization:{corpus['a']['name']}"
    ck = srv.anon.action
    whole = [d["name"] for d in ck.package_search(fq=fq, sort="name asc")["results"]]
    pages = [ck.package_search(fq=fq, sort="name asc", rows=1, start=i) for i in range(4)]
    assert [p["count"] for p in pages] == [3, 3, 3, 3]
    assert [d["name"] for p in pages for d in p["results"]] == whole
    assert pages[3]["results"] == []
    assert ck.package_search(fq=fq, rows=0)["results"] == []


FACETS = '["organization","groups","tags","res_format","license_id","update_frequency"]'


def test_facets(srv, corpus):
    c, u = corpus, corpus["uid"]
    a = c["a"]["name"]
    r = srv.anon.action.package_search(fq=f"organization:{a}", **{"facet.field": FACETS})
    assert set(r["facets"]) == {"organization", "groups", "tags", "res_format", "license_id", "update_frequency"}
    assert set(r["search_facets"]) == set(r["facets"])
    f = r["facets"]
    assert f["organization"] == {a: 3}
    assert f["groups"] == {"finansy": 2, "podatky": 1, "ekolohiia": 1}
    assert f["tags"] == {f"бюджет-{u}": 2, "звітність": 1, "зелені насадження": 1}
    assert f["res_format"] == {"CSV": 2, "XLSX": 1, "GeoJSON": 1}
    assert f["license_id"] == {"cc-by-4.0": 2, "cc-zero": 1}
    assert f["update_frequency"] == {"once a month": 1, "once a quarter": 1, "once a year": 1}

    sf = r["search_facets"]
    for field, block in sf.items():
        assert block["title"] == field
        assert {i["name"]: i["count"] for i in block["items"]} == f[field]
        for item in block["items"]:
            assert set(item) >= {"name", "display_name", "count"}
    org_item = sf["organization"]["items"][0]
    assert org_item["display_name"] == c["a"]["title"]
    groups = {i["name"]: i["display_name"] for i in sf["groups"]["items"]}
    assert groups["finansy"] == "Фінанси"


def test_facet_limit_and_mincount(srv, corpus):
    a = corpus["a"]["name"]
    ck = srv.anon.action
    r = ck.package_search(fq=f"organization:{a}", **{"facet.field": FACETS, "facet.limit": 1})
    for field in ("groups", "tags", "res_format", "license_id", "update_frequency"):
        assert len(r["facets"][field]) == 1, field
        assert len(r["search_facets"][field]["items"]) == 1, field
    assert r["facets"]["groups"] == {"finansy": 2}
    assert r["facets"]["res_format"] == {"CSV": 2}
    r = ck.package_search(fq=f"organization:{a}", **{"facet.field": FACETS, "facet.mincount": 2})
    assert r["facets"]["groups"] == {"finansy": 2}
    assert r["facets"]["update_frequency"] == {}
    assert r["facets"]["license_id"] == {"cc-by-4.0": 2}
    r = ck.package_search(fq=f"organization:{a}", **{"facet.field": FACETS, "facet.limit": -1})
    assert len(r["facets"]["tags"]) == 3


def test_facets_over_get_and_defaults(srv, corpus):
    a = corpus["a"]["name"]
    resp = srv.get("package_search", {"fq": f"organization:{a}", "facet.field": '["groups"]', "rows": "0"})
    assert resp.status_code == 200, resp.text
    res = resp.json()["result"]
    assert res["count"] == 3 and res["results"] == []
    assert res["facets"]["groups"] == {"finansy": 2, "podatky": 1, "ekolohiia": 1}
    # without facet.field both keys are still there
    r = srv.anon.action.package_search(fq=f"organization:{a}")
    assert "facets" in r and "search_facets" in r


def test_fl_returns_plain_lists(srv, corpus):
    fq = f"organization:{corpus['b']['name']}"
    r = srv.anon.action.package_search(fq=fq, fl="name")
    assert r["results"] == [corpus["ds"]["routes"]["name"]]
    r = srv.anon.action.package_search(fq=fq, fl="id")
    assert r["results"] == [corpus["ds"]["routes"]["id"]]


def test_rows_over_1000_is_rejected(srv):
    with pytest.raises((ValidationError, SearchQueryError)):
        srv.anon.action.package_search(rows=1001)
    r = srv.post("package_search", {"rows": 5000})
    assert r.status_code in (400, 409)
    err = error_of(r)
    assert err["__type"] in ("Validation Error", "Search Query Error")
    assert srv.anon.action.package_search(rows=1000)["count"] >= 0


def test_unknown_parameter_is_400_search_query_error(srv):
    r = srv.post("package_search", {"q": "бюджет", "bogus_param": "1"})
    assert r.status_code == 400
    err = error_of(r)
    assert err["__type"] == "Search Query Error"
    assert "bogus_param" in err["message"]
    with pytest.raises(SearchQueryError):
        srv.anon.action.package_search(q="x", not_a_param=1)
    r = srv.get("package_search", {"q": "x", "nope": "1"})
    assert r.status_code == 400


def test_invalid_query_syntax_is_a_clear_error(srv):
    r = srv.post("package_search", {"fq": "metadata_modified:[not-a-date TO *]"})
    assert r.status_code in (400, 409)
    assert error_of(r)["__type"] in ("Search Query Error", "Search Error")
    r = srv.post("package_search", {"q": "(unbalanced"})
    assert r.status_code in (200, 400, 409)
    assert r.status_code != 500


def test_default_sort_and_empty_q(srv, corpus):
    fq = f"organization:{corpus['a']['name']}"
    for q in (None, "", "*:*"):
        params = {"fq": fq}
        if q is not None:
            params["q"] = q
        r = srv.anon.action.package_search(**params)
        assert r["count"] == 3, q
        assert r["sort"] == "score desc, metadata_modified desc"
    # most recently modified first when all scores are equal
    time.sleep(0.01)
    srv.admin.action.package_patch(id=corpus["ds"]["trees"]["id"], notes="свіже")
    r = srv.anon.action.package_search(fq=fq)
    assert r["results"][0]["name"] == corpus["ds"]["trees"]["name"]
