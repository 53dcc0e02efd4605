"""Machine-readable views from outside: DCAT-AP 3 validated by pyshacl
against the DCAT-AP 3.0.1 shapes (every page of the catalog, merged), every
RDF serialisation read by rdflib (following hydra:next) and by
ckanext-dcat's own parser with its DCAT-AP 2 and 3 profiles, the Data
Package checked by `frictionless validate`, sitemap and Atom feeds parsed
as XML, robots.txt and the pages' meta descriptions. Private datasets and
drafts appear in none of them.

The shapes are found through MISTO_DCAT_SHAPES, by default
<repo>/tests/fixtures/dcat-ap-3.0.1 (a copy kept in the repository).
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse
import xml.etree.ElementTree as ET

import pytest
import rdflib
import requests
from pyshacl import validate as shacl_validate
from rdflib.namespace import RDF

from conftest import REPO, UA

DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
DCTERMS = rdflib.Namespace("http://purl.org/dc/terms/")
HYDRA = rdflib.Namespace("http://www.w3.org/ns/hydra/core#")
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
SHAPES = os.environ.get("MISTO_DCAT_SHAPES") or os.path.join(
    REPO, "tests", "fixtures", "dcat-ap-3.0.1"
)
TRICKY = 'Бюджет "міста" <2024> & Co\\ \'лапки\'\nрядок'


def fetch(srv, path, **kw):
    r = requests.get(srv.url(path), headers={"User-Agent": UA}, timeout=60, **kw)
    return r


@pytest.fixture
def published(srv, make_org, make_dataset, uid):
    """A publisher with a rich public dataset (with an uploaded CSV), a
    plain public one, a private one and a draft."""
    org = make_org(uid, title=f"Департамент «Фінанси» & Ко {uid}", email="fin@misto.test")
    rich = make_dataset(
        f"dcat-rich-{uid}",
        owner_org=org["name"],
        title=TRICKY,
        title_en="City budget",
        notes="Опис з **Markdown** та <тегами> & символами",
        tags=[{"name": "бюджет"}, {"name": f"тег-{uid}"}, {"name": "об'єкти"}],
        groups=[{"name": "finansy"}, {"name": "transport"}],
        update_frequency="once a month",
        language="ua",
        maintainer="Петренко Олена",
        maintainer_email="petrenko@misto.test",
        purpose_of_collecting_information="Закон України «Про доступ до публічної інформації»",
        spatial_katottg="UA80000000000093317",
        temporal_start="2024-01-01",
        temporal_end="2024-12-31",
        license_id="cc-by-4.0",
    )
    csv = "рік,сума,дата,затверджено,код,назва\n2024,1200.50,2024-01-31,true,0012,Київ\n2023,99,2023-12-31,false,0013,\"Львів, центр\"\n"
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, encoding="utf-8") as f:
        f.write(csv)
        path = f.name
    try:
        with open(path, "rb") as fh:
            srv.admin.action.resource_create(package_id=rich["id"], name="Бюджет 2024.csv", upload=fh)
    finally:
        os.unlink(path)
    srv.admin.action.resource_create(
        package_id=rich["id"], name="Посилання", url="https://example.org/data.json", format="JSON"
    )
    plain = make_dataset(f"dcat-plain-{uid}", owner_org=org["name"], tags=[{"name": f"тег-{uid}"}])
    private = make_dataset(
        f"dcat-private-{uid}", owner_org=org["name"], private=True,
        title="ПРИХОВАНИЙ приватний", tags=[{"name": f"тег-{uid}"}],
    )
    draft = make_dataset(
        f"dcat-draft-{uid}", owner_org=org["name"], state="draft",
        title="ПРИХОВАНИЙ чернетка", tags=[{"name": f"тег-{uid}"}],
    )
    return {"org": org, "rich": rich, "plain": plain, "private": private, "draft": draft, "uid": uid}


def all_pages(srv, path, fmt):
    """Reads a catalog page by page through hydra:next; returns the merged
    graph, the pages' URLs and the total the server reports."""
    url = srv.url(path)
    merged = rdflib.Graph()
    seen, total = [], None
    while url:
        assert url not in seen, f"paging loops at {url}"
        seen.append(url)
        r = requests.get(url, headers={"User-Agent": UA}, timeout=60)
        assert r.status_code == 200, r.text
        g = rdflib.Graph()
        g.parse(data=r.content, format=fmt)
        merged += g
        nxt = None
        for node in g.subjects(RDF.type, HYDRA.PagedCollection):
            total = int(g.value(node, HYDRA.totalItems))
            assert int(g.value(node, HYDRA.itemsPerPage)) == 100
            n = g.value(node, HYDRA.next)
            nxt = str(n) if n is not None else None
        url = nxt
    return merged, seen, total


# The council's territory set in the site settings for the tests below.
TERRITORY = {
    "misto.katottg": "UA18040470010071716",
    "misto.place_name": "Житомирська міська територіальна громада",
    "misto.latitude": "50.2547",
    "misto.longitude": "28.6587",
}
OWN_KATOTTG = "UA80000000000093317"
EU_FREQUENCY = {
    "more than once a day": "CONT",
    "once a day": "DAILY",
    "once a week": "WEEKLY",
    "once a month": "MONTHLY",
    "once a quarter": "QUARTERLY",
    "once a half year": "BIANNUAL",
    "once a year": "ANNUAL",
    "immediately after making changes": "IRREG",
    "no longer updated": "NEVER",
}


@pytest.fixture
def territory(srv):
    """The territory in the site settings, as a sysadmin sets it through
    config_option_update; cleared afterwards."""
    saved = srv.admin.action.config_option_update(**TERRITORY)
    assert saved == TERRITORY
    assert srv.admin.action.config_option_show(key="misto.katottg") == TERRITORY["misto.katottg"]
    try:
        yield TERRITORY
    finally:
        srv.admin.action.config_option_update(**{k: "" for k in TERRITORY})


@pytest.fixture
def several_pages(srv, make_dataset, uid):
    """Enough public datasets for the catalog to have at least two pages."""
    g = rdflib.Graph()
    g.parse(data=fetch(srv, "/catalog.ttl").content, format="turtle")
    total = int(next(g.objects(None, HYDRA.totalItems)))
    for i in range(max(0, 101 - total)):
        make_dataset(f"pages-{uid}-{i:03}")


def test_catalog_conforms_to_dcat_ap_3_shapes(srv, published, territory, several_pages):
    r = fetch(srv, "/catalog.ttl")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/turtle")
    # Every page, merged as a harvester merges them: agents, licences and
    # vocabulary terms described on several pages must still conform.
    data, pages, total = all_pages(srv, "/catalog.ttl", "turtle")
    assert len(pages) >= 2 and total > 100
    shapes = rdflib.Graph()
    shapes.parse(os.path.join(SHAPES, "shapes.ttl"), format="turtle")
    shapes.parse(os.path.join(SHAPES, "range.ttl"), format="turtle")
    conforms, report, text = shacl_validate(data, shacl_graph=shapes)
    violations = list(report.subjects(RDF.type, rdflib.URIRef("http://www.w3.org/ns/shacl#ValidationResult")))
    assert conforms and len(violations) == 0, text
    catalog = rdflib.URIRef(srv.url("/catalog"))
    assert list(data.objects(catalog, DCTERMS.publisher)) == [rdflib.URIRef(srv.url("/catalog#publisher"))]
    assert not [o for o in data.objects(None, DCTERMS.publisher) if isinstance(o, rdflib.BNode)]
    assert not [o for o in data.objects(None, DCTERMS.creator) if isinstance(o, rdflib.BNode)]

    # The rich dataset with its passport mapped.
    ds = rdflib.URIRef(srv.url(f"/dataset/{published['rich']['id']}"))
    assert (ds, RDF.type, DCAT.Dataset) in data
    titles = {(str(t), t.language) for t in data.objects(ds, DCTERMS.title)}
    assert (TRICKY, "uk") in titles and ("City budget", "en") in titles
    themes = set(map(str, data.objects(ds, DCAT.theme)))
    assert themes == {
        "http://publications.europa.eu/resource/authority/data-theme/ECON",
        "http://publications.europa.eu/resource/authority/data-theme/TRAN",
    }
    assert str(data.value(ds, DCTERMS.accrualPeriodicity)).endswith("/frequency/MONTHLY")
    publisher = data.value(ds, DCTERMS.publisher)
    assert str(data.value(publisher, DCTERMS.identifier)) == "37508596"
    dists = list(data.objects(ds, DCAT.distribution))
    assert len(dists) == 2
    spdx = rdflib.Namespace("http://spdx.org/rdf/terms#")
    upload = [d for d in dists if data.value(d, spdx.checksum) is not None]
    assert len(upload) == 1
    assert data.value(upload[0], DCAT.downloadURL) is not None
    assert str(data.value(upload[0], DCTERMS["format"])).endswith("/file-type/CSV")


def test_every_serialisation_parses_and_pages(srv, published):
    graphs = {}
    for ext, fmt in [("ttl", "turtle"), ("rdf", "xml"), ("jsonld", "json-ld")]:
        g, pages, total = all_pages(srv, f"/catalog.{ext}", fmt)
        datasets = set(g.subjects(RDF.type, DCAT.Dataset))
        assert len(datasets) == total, (ext, len(datasets), total)
        graphs[ext] = g
        for key in ("rich", "plain"):
            assert rdflib.URIRef(srv.url(f"/dataset/{published[key]['id']}")) in datasets
        for key in ("private", "draft"):
            assert rdflib.URIRef(srv.url(f"/dataset/{published[key]['id']}")) not in datasets
        text = " ".join(str(o) for o in g.objects())
        assert "ПРИХОВАНИЙ" not in text
    # The same dataset descriptions whatever the syntax.
    ds = rdflib.URIRef(srv.url(f"/dataset/{published['rich']['id']}"))
    titles = [sorted(map(str, g.objects(ds, DCTERMS.title))) for g in graphs.values()]
    assert titles[0] == titles[1] == titles[2]


def test_hydra_paging_and_modified_since(srv, make_dataset, uid):
    before = fetch(srv, "/catalog.ttl?page=1")
    assert before.status_code == 200
    first = make_dataset(f"page-{uid}-000")
    since = first["metadata_modified"] + "Z"
    names = [first["name"]] + [make_dataset(f"page-{uid}-{i:03}")["name"] for i in range(1, 105)]
    path = "/catalog.ttl?modified_since=" + urllib.parse.quote(since)
    g, pages, total = all_pages(srv, path, "turtle")
    assert total == 105 and len(pages) == 2
    assert all("modified_since=" in p for p in pages)
    found = {str(o) for s in g.subjects(RDF.type, DCAT.Dataset) for o in g.objects(s, DCAT.landingPage)}
    assert {srv.url(f"/dataset/{n}") for n in names} <= found
    assert fetch(srv, path + "&page=3").status_code == 404
    assert fetch(srv, "/catalog.ttl?modified_since=not-a-date").status_code == 400
    assert fetch(srv, "/catalog.ttl?page=0").status_code == 400
    future = fetch(srv, "/catalog.jsonld?modified_since=2999-01-01")
    assert future.status_code == 200
    assert not [n for n in future.json()["@graph"] if str(DCAT.Dataset) in n.get("@type", [])]


def test_datapackage_passes_frictionless_validate(srv, published):
    rich = published["rich"]
    r = fetch(srv, f"/dataset/{rich['name']}/datapackage.json")
    assert r.status_code == 200, r.text
    package = r.json()
    csv = [res for res in package["resources"] if res.get("format") == "csv"]
    assert len(csv) == 1
    fields = [(f["name"], f["type"]) for f in csv[0]["schema"]["fields"]]
    assert fields == [
        ("рік", "integer"), ("сума", "number"), ("дата", "date"),
        ("затверджено", "boolean"), ("код", "string"), ("назва", "string"),
    ]
    # Validate the package of the CSV (the other resource links to example.org).
    package["resources"] = csv
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "datapackage.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(package, f, ensure_ascii=False)
        exe = os.path.join(os.path.dirname(sys.executable), "frictionless")
        out = subprocess.run(
            [exe, "validate", "--json", path], capture_output=True, text=True, timeout=120, cwd=tmp
        )
        report = json.loads(out.stdout)
        assert out.returncode == 0 and report["valid"], out.stdout[-4000:] + out.stderr[-2000:]
    for key in ("private", "draft"):
        assert fetch(srv, f"/dataset/{published[key]['name']}/datapackage.json").status_code == 404


def test_passport_json(srv, published):
    rich = published["rich"]
    r = fetch(srv, f"/dataset/{rich['name']}/passport.json")
    assert r.status_code == 200
    assert r.headers["content-disposition"].startswith("attachment")
    p = r.json()
    fields = {f["номер"]: f for f in p["паспорт"]}
    assert sorted(fields) == list(range(1, 16))
    assert fields[1]["значення"] == rich["id"]
    assert fields[2]["значення"] == TRICKY
    assert fields[10]["значення"] == "Щомісяця"
    assert fields[13]["значення"].endswith("/datapackage.json")
    assert p["розпорядник"]["код_ЄДРПОУ"] == "37508596"
    for key in ("private", "draft"):
        assert fetch(srv, f"/dataset/{published[key]['name']}/passport.json").status_code == 404


def test_sitemap_and_feeds_are_xml(srv, published):
    r = fetch(srv, "/sitemap.xml")
    assert r.status_code == 200
    root = ET.fromstring(r.content)
    if root.tag == SITEMAP + "sitemapindex":
        locs = []
        for sm in root.iter(SITEMAP + "loc"):
            locs += [u.text for u in ET.fromstring(requests.get(sm.text, timeout=60).content).iter(SITEMAP + "loc")]
    else:
        assert root.tag == SITEMAP + "urlset"
        locs = [u.text for u in root.iter(SITEMAP + "loc")]
    assert srv.url(f"/dataset/{published['rich']['name']}") in locs
    assert srv.url(f"/organization/{published['org']['name']}") in locs
    for key in ("private", "draft"):
        assert srv.url(f"/dataset/{published[key]['name']}") not in locs

    uid = published["uid"]
    feeds = [
        "/feeds/dataset.atom",
        f"/feeds/organization/{published['org']['name']}.atom",
        "/feeds/tag/" + urllib.parse.quote(f"тег-{uid}") + ".atom",
    ]
    for path in feeds:
        r = fetch(srv, path)
        assert r.status_code == 200, path
        assert r.headers["content-type"].startswith("application/atom+xml")
        feed = ET.fromstring(r.content)
        assert feed.tag == ATOM + "feed"
        for el in ("id", "title", "updated", "author"):
            assert feed.find(ATOM + el) is not None, (path, el)
        assert feed.find(ATOM + "link[@rel='self']").get("href") == srv.url(path)
        entries = feed.findall(ATOM + "entry")
        titles = [e.find(ATOM + "title").text for e in entries]
        assert TRICKY in titles, (path, titles)
        assert not any("ПРИХОВАНИЙ" in t for t in titles)
        for e in entries:
            for el in ("id", "title", "updated", "summary"):
                assert e.find(ATOM + el) is not None
            assert e.find(ATOM + "link[@rel='alternate']") is not None
        updated = [e.find(ATOM + "updated").text for e in entries]
        assert updated == sorted(updated, reverse=True)
    assert fetch(srv, "/feeds/organization/no-such-org.atom").status_code == 404


def test_datapackage_with_workbook_and_json_tables(srv, make_org, make_dataset, uid):
    """XLSX and JSON resources get table schemas from their datastore
    tables; the package of the workbook and a CSV passes `frictionless
    validate`, and the JSON file as served fits its schema."""
    import datetime

    import openpyxl

    org = make_org(f"xl{uid}")
    ds = make_dataset(f"dcat-xlsx-{uid}", owner_org=org["name"], title="Таблиці різних форматів")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Дані"
    ws.append(["рік", "сума", "дата", "дата текстом", "відкрито", "код", "назва"])
    ws.append([2024, 1200.5, datetime.date(2024, 1, 31), "31.01.2024", True, "0012", "Київ"])
    ws.append([2023, 99, datetime.date(2023, 12, 31), "31.12.2023", False, "0013", "Львів, центр"])
    with tempfile.TemporaryDirectory() as tmp:
        xlsx = os.path.join(tmp, "tables.xlsx")
        wb.save(xlsx)
        js = os.path.join(tmp, "parks.json")
        with open(js, "w", encoding="utf-8") as f:
            json.dump([{"назва": "Сквер", "площа": 1.5, "дерев": 12},
                       {"назва": "Парк", "площа": 20, "дерев": 340}], f, ensure_ascii=False)
        csv = os.path.join(tmp, "small.csv")
        with open(csv, "w", encoding="utf-8") as f:
            f.write("a,b\n1,x\n2,y\n")
        for path, fmt in ((xlsx, "XLSX"), (js, "JSON"), (csv, "CSV")):
            with open(path, "rb") as fh:
                srv.admin.action.resource_create(package_id=ds["id"], name=os.path.basename(path),
                                                 format=fmt, upload=fh)
    # The schemas come from the datastore: wait for the three ingests.
    deadline = time.monotonic() + 180
    while True:
        pkg = srv.anon.action.package_show(id=ds["id"])
        if all(r.get("datastore_active") for r in pkg["resources"]):
            break
        if time.monotonic() > deadline:
            jobs = srv.cli("jobs", "list", "--kind", "datastore_ingest", "--limit", "5")
            raise AssertionError(([(r["format"], r.get("datastore_active")) for r in pkg["resources"]], jobs))
        time.sleep(0.5)
    r = fetch(srv, f"/dataset/{ds['name']}/datapackage.json")
    assert r.status_code == 200, r.text
    package = r.json()
    by_format = {res["format"]: res for res in package["resources"]}
    assert set(by_format) == {"xlsx", "json", "csv"}
    for res in package["resources"]:
        assert res["profile"] == "tabular-data-resource", res
    xl = {f["name"]: f for f in by_format["xlsx"]["schema"]["fields"]}
    assert list(xl) == ["рік", "сума", "дата", "дата текстом", "відкрито", "код", "назва"]
    assert xl["рік"]["type"] == "integer"
    assert xl["сума"]["type"] == "number"
    assert xl["дата"]["type"] == "date" and xl["дата текстом"]["type"] == "date"
    assert xl["відкрито"]["type"] == "boolean"
    assert xl["код"]["type"] == "string" and xl["назва"]["type"] == "string"
    js_fields = [(f["name"], f["type"]) for f in by_format["json"]["schema"]["fields"]]
    assert js_fields == [("назва", "string"), ("площа", "number"), ("дерев", "integer")]
    # The JSON schema against the file as served (frictionless reads JSON
    # only with its optional `json` extra, which the suite does not pin).
    rows = fetch(srv, urllib.parse.urlparse(by_format["json"]["path"]).path).json()
    kinds = {"string": str, "number": (int, float), "integer": int}
    for row in rows:
        assert list(row) == [n for n, _ in js_fields]
        for name, kind in js_fields:
            assert isinstance(row[name], kinds[kind]), (name, row[name])
    # frictionless validates the CSV and the workbook from local copies of
    # the files as served (its workbook reader takes local paths only).
    package["resources"] = [by_format["xlsx"], by_format["csv"]]
    with tempfile.TemporaryDirectory() as tmp:
        for res in package["resources"]:
            body = fetch(srv, urllib.parse.urlparse(res["path"]).path).content
            local = f"{res['name']}.{res['format']}"
            with open(os.path.join(tmp, local), "wb") as f:
                f.write(body)
            res["path"] = local
        path = os.path.join(tmp, "datapackage.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(package, f, ensure_ascii=False)
        exe = os.path.join(os.path.dirname(sys.executable), "frictionless")
        out = subprocess.run(
            [exe, "validate", "--json", path], capture_output=True, text=True, timeout=180, cwd=tmp
        )
        report = json.loads(out.stdout)
        assert out.returncode == 0 and report["valid"], out.stdout[-6000:] + out.stderr[-2000:]
        assert len(report["tasks"]) == 2


# ---- ckanext-dcat's parser ---------------------------------------------------


def ckan_expected_licence(pkg):
    """The licence id ckanext-dcat should find in CKAN's register: it reads
    the distributions' licences only."""
    if not [r for r in pkg["resources"] if r.get("state", "active") == "active"]:
        return ""
    lic = pkg.get("license_id") or ""
    return {"cc-by-4.0": "cc-by", "notspecified": ""}.get(lic, lic)


def public_packages(srv):
    """Every public dataset as package_show shapes it, by id."""
    out, start = {}, 0
    while True:
        r = srv.anon.action.package_search(rows=1000, start=start, include_private=False)
        for p in r["results"]:
            out[p["id"]] = p
        start += len(r["results"])
        if not r["results"] or start >= r["count"]:
            return out


def extras(d):
    return {e["key"]: e["value"] for e in d.get("extras", [])}


def same_instant(a, b):
    import datetime

    def parse(v):
        t = datetime.datetime.fromisoformat(v.replace("Z", "+00:00"))
        return t if t.tzinfo else t.replace(tzinfo=datetime.timezone.utc)

    return parse(a) == parse(b)


def ckanext_dcat_datasets(srv, ext, fmt, profile):
    """Every page of /catalog.{ext} through ckanext-dcat's RDFParser (as its
    harvester reads them, page by page): the dataset dicts by URI."""
    # Imported here: the ckan package is heavy and only these tests need it.
    from ckanext.dcat.processors import RDFParser

    url, seen, out = srv.url(f"/catalog.{ext}"), [], {}
    while url:
        assert url not in seen, url
        seen.append(url)
        r = requests.get(url, headers={"User-Agent": UA}, timeout=60)
        assert r.status_code == 200, r.text
        parser = RDFParser(profiles=[profile])
        parser.parse(r.content, _format=fmt)
        for d in parser.datasets():
            uri = extras(d)["uri"]
            assert uri not in out, (uri, url)
            out[uri] = d
        url = parser.next_page()
    return out, seen


@pytest.mark.parametrize("locale", ["uk", "en"])
@pytest.mark.parametrize("profile", ["euro_dcat_ap_3", "euro_dcat_ap_2"])
def test_ckanext_dcat_reads_every_dataset_of_every_page(
    srv, published, territory, several_pages, make_dataset, monkeypatch, profile, locale
):
    # The harvesting CKAN's default language picks among the titles: a
    # Ukrainian portal (data.gov.ua) keeps the Ukrainian ones, a CKAN left
    # at its default English takes the English title where there is one.
    from ckantoolkit import config

    monkeypatch.setitem(config, "ckan.locale_default", locale)
    uid = published["uid"]
    org = published["org"]
    # Datasets for the cases the fixture lacks: the territory's coverage
    # (no own code), another licence, a licence CKAN knows by title only.
    city = make_dataset(
        f"dcat-city-{uid}", owner_org=org["name"], license_id="odc-odbl",
        update_frequency="once a year", notes="Набір на всю громаду",
    )
    other = make_dataset(f"dcat-other-{uid}", owner_org=org["name"], license_id="other-open")
    for d in (city, other):
        srv.admin.action.resource_create(
            package_id=d["id"], name="Посилання", url="https://example.org/table.csv", format="CSV"
        )
    packages = public_packages(srv)
    lon, lat = float(TERRITORY["misto.longitude"]), float(TERRITORY["misto.latitude"])

    for ext, fmt in [("ttl", "turtle"), ("rdf", "xml"), ("jsonld", "json-ld")]:
        parsed, pages = ckanext_dcat_datasets(srv, ext, fmt, profile)
        assert len(pages) >= 2, pages
        assert {srv.url(f"/dataset/{i}") for i in packages} == set(parsed), ext
        for pid, pkg in packages.items():
            d = parsed[srv.url(f"/dataset/{pid}")]
            x = extras(d)
            where = (ext, profile, locale, pkg["name"])
            want = pkg.get("title_en") if locale == "en" and pkg.get("title_en") else pkg["title"]
            assert d["title"] == want, where
            assert d["license_id"] == ckan_expected_licence(pkg), (where, pkg["license_id"])
            if pkg.get("update_frequency"):
                code = EU_FREQUENCY[pkg["update_frequency"]]
                assert x["frequency"] == f"http://publications.europa.eu/resource/authority/frequency/{code}", where
            else:
                assert "frequency" not in x, where
            own = pkg.get("spatial_katottg") or ""
            if own and own != TERRITORY["misto.katottg"]:
                assert x["spatial_text"] == own, where
                assert "spatial" not in x, where
            else:
                assert x["spatial_text"] == TERRITORY["misto.place_name"], where
                assert json.loads(x["spatial"]) == {"type": "Point", "coordinates": [lon, lat]}, where
                assert json.loads(x["spatial_centroid"]) == {"type": "Point", "coordinates": [lon, lat]}, where
            owner = pkg["organization"]
            assert x["publisher_uri"] == srv.url(f"/organization/{owner['id']}"), where
            assert x["publisher_name"] == owner["title"], where
            assert same_instant(x["issued"], pkg["metadata_created"]), where
            assert same_instant(x["modified"], pkg["metadata_modified"]), where
            resources = {r["uri"]: r for r in d["resources"]}
            assert len(resources) == len(pkg["resources"]), where
            for res in pkg["resources"]:
                got = resources[srv.url(f"/dataset/{pid}/resource/{res['id']}")]
                if res.get("url_type") == "upload":
                    assert got["download_url"] == res["url"], where
                assert got["url"] == res["url"], where
                assert got.get("issued") and got.get("modified"), where
                if ckan_expected_licence(pkg):
                    assert got["license"], where

        # The cases spelled out.
        rich = extras(parsed[srv.url(f"/dataset/{published['rich']['id']}")])
        assert rich["spatial_text"] == OWN_KATOTTG
        assert rich["frequency"].endswith("/frequency/MONTHLY")
        assert parsed[srv.url(f"/dataset/{published['rich']['id']}")]["license_id"] == "cc-by"
        downloads = {r.get("download_url") for r in parsed[srv.url(f"/dataset/{published['rich']['id']}")]["resources"]}
        assert "https://example.org/data.json" in downloads
        c = parsed[srv.url(f"/dataset/{city['id']}")]
        assert c["license_id"] == "odc-odbl"
        assert extras(c)["frequency"].endswith("/frequency/ANNUAL")
        assert extras(c)["spatial_text"] == TERRITORY["misto.place_name"]
        assert [r["download_url"] for r in c["resources"]] == ["https://example.org/table.csv"]
        assert parsed[srv.url(f"/dataset/{other['id']}")]["license_id"] == "other-open"


def test_robots_txt_and_meta_descriptions(srv, published):
    r = fetch(srv, "/robots.txt")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    lines = r.text.splitlines()
    assert lines[0] == "User-agent: *"
    assert f"Sitemap: {srv.url('/sitemap.xml')}" in lines
    assert fetch(srv, "/sitemap.xml").status_code == 200

    import html

    def description(path):
        page = fetch(srv, path)
        assert page.status_code == 200, path
        start = page.text.index('<meta name="description" content="') + 34
        return html.unescape(page.text[start:page.text.index('"', start)])

    assert description(f"/dataset/{published['rich']['name']}") == "Опис з Markdown та <тегами> & символами"
    site = description("/")
    assert site and description(f"/dataset/{published['plain']['name']}") == site
