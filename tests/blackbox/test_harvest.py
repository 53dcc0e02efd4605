"""Harvesting from the outside: a second misto install (its own data folder)
harvests the suite's server with `misto harvest add|run` (CKAN and DCAT
sources, limited to this test's organization), is served, and is read with
ckanapi; edits and deletions at the source reach it on the next run; `misto
push ckan` sends its datasets back to the suite's server."""

import subprocess
import tempfile
import time

import pytest
import requests
from ckanapi import NotFound, RemoteCKAN

from conftest import UA, free_port, misto_bin, server_env


def cli(data_dir, *args, check=True):
    out = subprocess.run([misto_bin(), *args, "--data-dir", data_dir], capture_output=True,
                         text=True, timeout=300, cwd=data_dir, env=server_env())
    if check and out.returncode != 0:
        raise AssertionError(f"misto {' '.join(args)} failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    return out


class Second:
    """A second install, served only while reading it."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="misto-bb-harvest-")

    def serve(self):
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = server_env()
        env["MISTO_SITE_URL"] = base
        proc = subprocess.Popen([misto_bin(), "serve", "--data-dir", self.dir, "--addr", f"127.0.0.1:{port}"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=self.dir, env=env)
        for _ in range(200):
            try:
                if requests.get(f"{base}/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        return proc, base


@pytest.fixture
def second():
    return Second()


def test_ckan_and_dcat_harvest_with_edits_and_deletions(srv, make_org, uid, second):
    org = make_org(uid)
    names = [f"hv-{uid}-{i}" for i in range(3)]
    for i, n in enumerate(names):
        srv.admin.action.package_create(
            name=n, title=f"Набір для збирання {i}", owner_org=org["name"], notes="Опис українською",
            tags=[{"name": "збирання"}], update_frequency="once a month",
            resources=[{"name": "CSV", "url": f"https://example.org/{n}.csv", "format": "CSV"}])
    out = cli(second.dir, "harvest", "add", "suite", srv.base, "--fq", f"organization:{org['name']}")
    assert "added source suite" in out.stdout
    run = cli(second.dir, "harvest", "run", "suite")
    assert "done: 3 created, 0 updated, 0 unchanged, 0 withdrawn, 0 failed" in run.stdout, run.stdout
    # Edit one, delete one at the source; run again.
    pkg = srv.admin.action.package_show(id=names[0])
    pkg["title"] = "Оновлена назва"
    srv.admin.action.package_update(**pkg)
    srv.admin.action.package_delete(id=names[1])
    run = cli(second.dir, "harvest", "run", "suite")
    # The watermark is inclusive: the newest dataset of the last run is read
    # again, and found unchanged.
    assert "done: 0 created, 1 updated, 1 unchanged, 1 withdrawn, 0 failed" in run.stdout, run.stdout
    listed = cli(second.dir, "harvest", "list")
    assert "suite" in listed.stdout and "done" in listed.stdout
    proc, base = second.serve()
    ckan = RemoteCKAN(base, user_agent=UA)
    try:
        got = ckan.action.package_show(id=names[0])
        assert got["title"] == "Оновлена назва"
        assert got["organization"]["name"] == org["name"]
        assert got["organization"]["edrpou"] == org["edrpou"]
        assert got["resources"][0]["url"] == f"https://example.org/{names[0]}.csv"
        with pytest.raises(NotFound):
            ckan.action.package_show(id=names[1])
        assert ckan.action.package_show(id=names[2])["update_frequency"] == "once a month"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    # The same catalogue through DCAT (Turtle), into a third install.
    third = Second()
    cli(third.dir, "harvest", "add", "dcat", f"{srv.base}/catalog.ttl", "--type", "dcat")
    run = cli(third.dir, "harvest", "run", "dcat")
    assert not [line for line in run.stdout.splitlines() if line.startswith("failed") and uid in line], run.stdout
    proc, base = third.serve()
    ckan = RemoteCKAN(base, user_agent=UA)
    try:
        got = ckan.action.package_show(id=names[2])
        assert got["title"] == "Набір для збирання 2"
        assert [t["name"] for t in got["tags"]] == ["збирання"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_push_to_the_suite_server(srv, make_org, uid, second):
    remote_org = make_org(f"push{uid}")
    cli(second.dir, "user", "create", "root", "--email", "root@example.org", "--sysadmin")
    token = cli(second.dir, "token", "create", "root").stdout.strip()
    proc, base = second.serve()
    try:
        local = RemoteCKAN(base, apikey=token, user_agent=UA)
        local.action.organization_create(name=f"local-{uid}", title="Місцевий розпорядник")
        local.action.package_create(name=f"push-{uid}", title="Набір для передачі", owner_org=f"local-{uid}")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    push = ["push", "ckan", f"local-{uid}", srv.base, "--organization", remote_org["name"],
            "--api-key", srv.admin_token]
    out = cli(second.dir, *push)
    assert "1 created" in out.stdout, out.stdout
    got = srv.anon.action.package_show(id=f"push-{uid}")
    assert got["organization"]["name"] == remote_org["name"]
    assert got["title"] == "Набір для передачі"
    out = cli(second.dir, *push)
    assert "1 updated" in out.stdout, out.stdout
    assert srv.anon.action.package_show(id=f"push-{uid}")["id"] == got["id"]
