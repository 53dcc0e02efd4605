"""`misto import ckan URL [--with-files]` through the CLI: a second `misto
serve` (its own data folder) plays an old CKAN portal with publishers,
public and private datasets, uploaded files and links to files; the suite
server's
install imports it while it runs (so the test covers the suite's database,
SQLite or PostgreSQL) and is read back with ckanapi. Importing again
creates no duplicates."""

import subprocess
import tempfile
import time

import pytest
import requests
from ckanapi import NotFound, RemoteCKAN

from conftest import UA, free_port, misto_bin, server_env

CSV = "район,кількість\nШевченківський,12\nГолосіївський,7\n".encode()
JSON = '[{"назва": "Сквер", "площа": 1.5}]'.encode()


def cli(data_dir, *args):
    out = subprocess.run([misto_bin(), *args, "--data-dir", data_dir], capture_output=True,
                         text=True, timeout=300, cwd=data_dir, env=server_env())
    if out.returncode != 0:
        raise AssertionError(f"misto {' '.join(args)} failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    return out.stdout


class OldPortal:
    """A second install with its own data folder, served over loopback."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="misto-bb-import-")
        cli(self.dir, "user", "create", "root", "--email", "root@example.org", "--sysadmin")
        self.token = cli(self.dir, "token", "create", "root").strip()
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        env = server_env()
        env["MISTO_SITE_URL"] = self.base
        self.proc = subprocess.Popen(
            [misto_bin(), "serve", "--data-dir", self.dir, "--addr", f"127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=self.dir, env=env)
        for _ in range(300):
            try:
                if requests.get(f"{self.base}/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        self.ckan = RemoteCKAN(self.base, apikey=self.token, user_agent=UA)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture
def old():
    portal = OldPortal()
    yield portal
    portal.stop()


def wait_for(fn, timeout=20):
    """Retries `fn` until it stops raising NotFound (the suite server picks
    up the CLI's writes by polling the catalog version)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return fn()
        except NotFound:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_import_a_whole_ckan_portal_with_files_twice(srv, uid, old, tmp_path):
    busy, empty = f"imp-{uid}-a", f"imp-{uid}-b"
    old.ckan.action.organization_create(name=busy, title="Департамент освіти (старий портал)",
                                        description="Розпорядник зі старого порталу")
    old.ckan.action.organization_create(name=empty, title="Управління без наборів")
    tables, links, hidden = f"imp-{uid}-tables", f"imp-{uid}-links", f"imp-{uid}-private"
    old.ckan.action.package_create(
        name=tables, title="Школи за районами", owner_org=busy, notes="Кількість шкіл у **районах**",
        tags=[{"name": "освіта"}, {"name": "школи"}], update_frequency="once a year")
    csv_path = tmp_path / "schools.csv"
    csv_path.write_bytes(CSV)
    json_path = tmp_path / "parks.json"
    json_path.write_bytes(JSON)
    with open(csv_path, "rb") as f:
        old.ckan.action.resource_create(package_id=tables, name="Школи (CSV)", format="CSV", upload=f)
    with open(json_path, "rb") as f:
        old.ckan.action.resource_create(package_id=tables, name="Сквери (JSON)", format="JSON", upload=f)
    # A link to a file elsewhere (here: the old portal's own download).
    src = old.ckan.action.package_show(id=tables)
    elsewhere = next(r["url"] for r in src["resources"] if r["format"] == "CSV")
    old.ckan.action.package_create(
        name=links, title="Посилання на реєстр", owner_org=busy,
        resources=[{"name": "Реєстр", "url": elsewhere, "format": "CSV"}])
    old.ckan.action.package_create(name=hidden, title="Чернетка", owner_org=busy, private=True)

    out = srv.cli("import", "ckan", old.base, "--with-files")
    assert f"created    {tables}" in out and f"created    {links}" in out, out
    assert hidden not in out, out
    assert "done: 2 created, 0 updated, 0 unchanged, 0 withdrawn, 0 failed" in out, out

    got = wait_for(lambda: srv.anon.action.package_show(id=tables))
    assert got["title"] == "Школи за районами"
    assert got["notes"] == "Кількість шкіл у **районах**"
    assert sorted(t["name"] for t in got["tags"]) == ["освіта", "школи"]
    assert got["update_frequency"] == "once a year"
    assert got["organization"]["name"] == busy
    assert got["organization"]["title"] == "Департамент освіти (старий портал)"
    # Publishers arrive, the one without datasets too.
    assert wait_for(lambda: srv.anon.action.organization_show(id=empty))["title"] == "Управління без наборів"
    # The files were downloaded into this portal and are served from it.
    res = {r["name"]: r for r in got["resources"]}
    assert set(res) == {"Школи (CSV)", "Сквери (JSON)"}
    for name, body in (("Школи (CSV)", CSV), ("Сквери (JSON)", JSON)):
        r = res[name]
        assert r["url_type"] == "upload", r
        assert r["url"].startswith(srv.base), r
        dl = requests.get(r["url"], timeout=30, headers={"User-Agent": UA})
        assert dl.status_code == 200 and dl.content == body, (r["url"], dl.status_code)
    # With --with-files the file behind a link arrives too.
    linked = wait_for(lambda: srv.anon.action.package_show(id=links))
    [r] = linked["resources"]
    assert r["url_type"] == "upload" and r["url"].startswith(srv.base), r
    assert requests.get(r["url"], timeout=30, headers={"User-Agent": UA}).content == CSV
    # What the old portal did not publish does not arrive.
    with pytest.raises(NotFound):
        srv.admin.action.package_show(id=hidden)

    # A second import changes nothing and duplicates nothing.
    out = srv.cli("import", "ckan", old.base, "--with-files")
    assert "0 created" in out and "0 failed" in out, out
    found = srv.anon.action.package_search(fq=f"organization:{busy}", rows=50)
    names = sorted(d["name"] for d in found["results"])
    assert names == sorted([tables, links]), names
    orgs = [o for o in srv.anon.action.organization_list() if o.startswith(f"imp-{uid}")]
    assert sorted(orgs) == sorted([busy, empty]), orgs
    again = srv.anon.action.package_show(id=tables)
    assert again["id"] == got["id"]
    assert len(again["resources"]) == 2
