"""Hostile input never takes the portal down or reaches inside the network.

One server of its own for the whole module, started as an install runs by
default: linked files from any host, no internal host allowed for outbound
requests (the session server allows 127.0.0.1 for the suite's fixtures).
Each test sends what an attacker would, through the API, and checks that the
answer is a clear error, that the server still answers, and at the end that
its peak memory stayed under the documented budget (docs/security.md).
"""

import io
import os
import shutil
import subprocess
import tempfile
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import openpyxl
import pytest
import requests

from conftest import UA, _start, misto_bin, wait_loaded

# The peak resident memory the server may reach through this whole module.
RSS_BUDGET_MB = 512


@pytest.fixture(scope="module")
def hostile():
    tmp = tempfile.mkdtemp(prefix="misto-hostile-")
    admin_url = os.environ.get("MISTO_TEST_DATABASE_URL")
    database_url = None
    db = None
    if os.environ.get("MISTO_BB_DATABASE_URL") and admin_url:
        # A database of its own on the same PostgreSQL server.
        db = f"misto_hostile_{os.getpid()}"
        subprocess.run(["createdb", f"--maintenance-db={admin_url}", db], check=True)
        base = admin_url.split("?")[0].rsplit("/", 1)[0]
        query = admin_url[len(admin_url.split("?")[0]):]
        database_url = f"{base}/{db}{query}"
    proc = None
    try:
        proc, s = _start(
            misto_bin(), tmp, database_url,
            env_overrides={
                "MISTO_DATASTORE_FETCH_LINKS": "all",
                "MISTO_OUTBOUND_ALLOW": None,
                "MISTO_JOB_WORKERS": "1",
            },
        )
        s.admin.action.organization_create(name="hostile-org", title="Організація")
        yield s
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if db:
            subprocess.run(["dropdb", f"--maintenance-db={admin_url}", "--if-exists", "--force", db])
        shutil.rmtree(tmp, ignore_errors=True)


def alive(s):
    assert s.proc.poll() is None, "the server process died"
    assert requests.get(s.url("/healthz"), timeout=5).status_code == 200


def search(s, **params):
    return requests.get(s.action_url("package_search"), params=params, headers={"User-Agent": UA}, timeout=30)


def test_deeply_nested_or_huge_queries_are_errors_not_crashes(hostile):
    deep = "(" * 3000 + "x" + ")" * 3000
    nested = "(" * 1000 + "x" + ")" * 1000  # under the length limit, too deep
    cases = [{"q": deep}, {"fq": deep}, {"q": "-" * 20000}, {"q": "NOT " * 2000 + "x"},
             {"q": nested}, {"fq": nested}, {"q": "-" * 500 + "x"}, {"fq": "title:(" * 200 + "x" + ")" * 200}]
    for params in cases:
        r = search(hostile, **params)
        assert r.status_code == 400, (list(params), r.status_code, r.text[:200])
        err = r.json()["error"]
        assert err["__type"] == "Search Query Error"
        assert "too deeply nested" in err["message"] or "too long" in err["message"], err
        alive(hostile)
    # An ordinary query still works.
    assert search(hostile, q="бюджет").json()["success"] is True


def _upload(s, ds_id, name, data):
    return s.admin.action.resource_create(package_id=ds_id, name=name, upload=(name, io.BytesIO(data)))


def _wide_csv():
    return (",".join(f"c{i}" for i in range(100_000)) + "\n1,2,3\n").encode()


def _sparse_xlsx():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "a"
    ws["XFD1048576"] = "b"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _bomb_xlsx():
    """A real workbook plus a part of 300 MB of zeros (a few hundred KB
    deflated)."""
    wb = openpyxl.Workbook()
    wb.active["A1"] = "a"
    good = io.BytesIO()
    wb.save(good)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good.getvalue())) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        with dst.open("xl/media/padding.bin", "w") as f:
            chunk = b"\0" * (1 << 20)
            for _ in range(300):
                f.write(chunk)
    return out.getvalue()


def _many_keys_json():
    return ("[" + ",".join(f'{{"k{i}": {i}}}' for i in range(20_000)) + "]").encode()


@pytest.mark.parametrize("name,make,setting", [
    ("wide.csv", _wide_csv, "MISTO_READ_MAX_COLUMNS"),
    ("sparse.xlsx", _sparse_xlsx, "MISTO_READ_MAX_COLUMNS"),
    ("bomb.xlsx", _bomb_xlsx, "MISTO_READ_MAX_INFLATED_BYTES"),
    ("keys.json", _many_keys_json, "MISTO_READ_MAX_COLUMNS"),
])
def test_hostile_files_end_in_an_error_naming_the_limit(hostile, name, make, setting):
    data = make()
    assert len(data) < 1024 * 1024, len(data)  # under the suite's upload limit
    ds = hostile.admin.action.package_create(name=f"hostile-{name.replace('.', '-')}", owner_org="hostile-org")
    r = _upload(hostile, ds["id"], name, data)
    _, info = wait_loaded(hostile.admin, r["id"], timeout=120)
    status = info["datastore_status"]
    assert status["status"] == "error", status
    assert setting in status["message"], status
    alive(hostile)


class _Secret(BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self):  # noqa: N802 (http.server's name)
        type(self).hits += 1
        body = b"secret,value\ninternal-token,42\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def internal_server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Secret)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield httpd.server_address[1]
    httpd.shutdown()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]"])
def test_a_linked_file_inside_the_network_is_not_fetched(hostile, internal_server, host):
    _Secret.hits = 0
    ds = hostile.admin.action.package_create(
        name=f"ssrf-{host.strip('[]').replace('.', '-').replace(':', '-')}", owner_org="hostile-org")
    url = f"http://{host}:{internal_server}/internal/secret.csv"
    r = hostile.admin.action.resource_create(package_id=ds["id"], name="secret", url=url, format="CSV")
    _, info = wait_loaded(hostile.admin, r["id"], timeout=60)
    status = info["datastore_status"]
    assert status["status"] == "error", status
    assert "inside the network" in status["message"], status
    assert _Secret.hits == 0, "the internal server was contacted"
    found = requests.post(hostile.action_url("datastore_search"), json={"resource_id": r["id"]},
                          headers={"Authorization": hostile.admin_token}, timeout=30)
    assert found.status_code == 404, found.text[:300]


def test_a_harvest_source_inside_the_network_is_refused(hostile, internal_server):
    _Secret.hits = 0
    src = hostile.admin.action.harvest_source_create(
        name="internal-ckan", url=f"http://127.0.0.1:{internal_server}/", source_type="ckan",
        owner_org="hostile-org")
    hostile.admin.action.harvest_run(id=src["id"])
    deadline = time.monotonic() + 60
    run = None
    while time.monotonic() < deadline:
        runs = hostile.admin.action.harvest_job_list(source_id=src["id"])
        if runs and runs[0]["status"] != "running":
            run = hostile.admin.action.harvest_job_show(id=runs[0]["id"])
            break
        time.sleep(0.3)
    assert run is not None, "the harvest run did not end"
    assert run["status"] == "error", run
    assert "inside the network" in str(run), run
    assert _Secret.hits == 0


def test_request_bodies_are_bounded_before_reading(hostile):
    # A 10 MB JSON body to an anonymous read action.
    big = b'{"q": "' + b"a" * (10 << 20) + b'"}'
    r = requests.post(hostile.action_url("package_search"), data=big,
                      headers={"Content-Type": "application/json", "User-Agent": UA}, timeout=60)
    assert r.status_code == 413, r.text[:200]
    assert "larger than 1 MB" in r.text or "larger than 1.0 MB" in r.text or "larger than" in r.text

    # An anonymous write streamed without a length: cut off at the limit.
    def chunks():
        yield b'{"name": "x", "notes": "'
        for _ in range(300):
            yield b"a" * (1 << 20)
        yield b'"}'
    r = requests.post(hostile.action_url("package_create"), data=chunks(),
                      headers={"Content-Type": "application/json", "User-Agent": UA}, timeout=60)
    assert r.status_code == 413, r.text[:200]
    alive(hostile)


def sql(s, query, token=None):
    headers = {"User-Agent": UA}
    if token:
        headers["Authorization"] = token
    return requests.post(s.action_url("datastore_search_sql"), json={"sql": query}, headers=headers, timeout=60)


def test_sql_cannot_build_huge_values_or_answers(hostile):
    # The same SQL on both databases (format, string_agg and recursive CTEs
    # exist in SQLite and PostgreSQL).
    # SQLite's format gives NULL past the value limit instead of 400 MB;
    # PostgreSQL builds it in its own process and misto refuses the row.
    r = sql(hostile, "SELECT format('%400000000s', 'x') AS x")
    if r.status_code == 200:
        value = r.json()["result"]["records"][0]["x"]
        assert value is None or len(value) <= 100_000, len(value)
    else:
        assert r.status_code == 409 and "longer than the limit" in str(r.json()["error"]), r.text[:300]
    series = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {n}) "
    cases = [
        (series.format(n=300000) + "SELECT string_agg(format('%1000s', x), '') AS g FROM c",
         "longer than the limit"),
        (series.format(n=400) + "SELECT format('%90000s', x) AS big FROM c", "larger than the limit"),
    ]
    for query, words in cases:
        r = sql(hostile, query)
        assert r.status_code == 409, (query, r.status_code, r.text[:300])
        msg = str(r.json()["error"])
        assert words in msg, (query, msg[:300])
        alive(hostile)


def test_concurrent_runaway_sql_is_limited_per_caller(hostile):
    slow = ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
            "SELECT count(*) AS n FROM c")
    results = []

    def run():
        results.append(sql(hostile, slow))

    threads = [threading.Thread(target=run) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(r.status_code for r in results)
    assert codes.count(429) >= 3, codes  # two at most for one (anonymous) caller
    assert all(c in (409, 429) for c in codes), codes
    for r in results:
        if r.status_code == 429:
            assert "try again" in r.json()["error"]["message"]
    # The portal answered other requests all along, and does now.
    alive(hostile)


def test_control_characters_in_datastore_records_are_a_field_error(hostile):
    ds = hostile.admin.action.package_create(name="hostile-records", owner_org="hostile-org")
    for records in ([{"name": "a\u0000b"}], [{"name": "ok"}, {"name": "bell\u0007"}]):
        r = requests.post(hostile.action_url("datastore_create"), json={
            "resource": {"package_id": ds["id"], "name": "records"},
            "fields": [{"id": "name", "type": "text"}], "records": records,
        }, headers={"Authorization": hostile.admin_token}, timeout=30)
        assert r.status_code == 409, r.text[:300]
        err = r.json()["error"]
        assert err["__type"] == "Validation Error"
        assert "control characters" in str(err["records"]), err
    alive(hostile)


def test_peak_memory_stayed_under_the_budget(hostile):
    with open(f"/proc/{hostile.proc.pid}/status") as f:
        status = dict(line.split(":", 1) for line in f if ":" in line)
    peak_mb = int(status["VmHWM"].strip().split()[0]) / 1024
    assert peak_mb < RSS_BUDGET_MB, f"peak RSS {peak_mb:.0f} MB"
