"""Uploaded files on S3-compatible storage: a `misto serve` of its own with
MISTO_BLOB_URL=s3://… against a local S3 server. scripts/test-s3.sh starts
the server (moto, from PyPI), makes the bucket and sets MISTO_TEST_S3_URL
(`s3://bucket`) and the AWS_* variables the server reads; without them
these tests are skipped."""

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
import xml.etree.ElementTree as ET

import pytest
import requests

from conftest import EDRPOU, UA, _start, misto_bin, wait_loaded

S3_URL = os.environ.get("MISTO_TEST_S3_URL", "").rstrip("/")
ENDPOINT = (os.environ.get("AWS_ENDPOINT_URL") or os.environ.get("AWS_ENDPOINT") or "").rstrip("/")

pytestmark = pytest.mark.skipif(
    not (S3_URL and ENDPOINT),
    reason="no S3 server: scripts/test-s3.sh starts one and sets MISTO_TEST_S3_URL",
)


@pytest.fixture
def s3_srv():
    """A server whose files live under a fresh prefix of the test bucket
    (SQLite in its own data folder); yields (server, bucket, prefix)."""
    bucket = S3_URL.removeprefix("s3://").split("/", 1)[0]
    prefix = f"bb-{uuid.uuid4().hex[:10]}"
    tmp = tempfile.mkdtemp(prefix="misto-bb-s3-")
    proc = None
    try:
        proc, s = _start(misto_bin(), tmp, None, env_overrides={
            "MISTO_BLOB_URL": f"{S3_URL}/{prefix}",
            # Room for a file over the S3 backend's 8 MiB part size.
            "MISTO_MAX_UPLOAD_MB": "20",
        })
        yield s, bucket, prefix
    finally:
        if proc is not None:
            proc.terminate()
            # The server's log, for the report of a failed test.
            with open(s.stderr_path, encoding="utf-8", errors="replace") as f:
                sys.stderr.write(f.read()[-4000:])
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)


def bucket_objects(bucket, prefix):
    """{key: size} of the objects under `prefix/` (moto answers unsigned
    requests)."""
    r = requests.get(f"{ENDPOINT}/{bucket}", params={"list-type": "2", "prefix": f"{prefix}/"}, timeout=30)
    r.raise_for_status()
    ns = {"s3": "http://s3.amazonaws.com/doc/2006-03-01/"}
    root = ET.fromstring(r.content)
    return {c.find("s3:Key", ns).text: int(c.find("s3:Size", ns).text) for c in root.findall("s3:Contents", ns)}


def big_csv(rows):
    lines = ["район;заклад;учнів;бюджет;відкрито"]
    districts = ["Подільський", "Шевченківський", "Оболонський", "Дарницький", "Голосіївський", "Солом'янський"]
    for i in range(rows):
        lines.append(f"{districts[i % 6]};Заклад «Сонечко» №{i};{100 + i % 900};{i % 5000} {i % 1000:03d},{i % 100:02d};"
                     f"{1 + i % 28:02d}.{1 + i % 12:02d}.{1950 + i % 70}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_upload_ingest_and_download_through_s3(s3_srv, tmp_path):
    s, bucket, prefix = s3_srv
    admin = s.admin
    org = admin.action.organization_create(name=f"org-{prefix}", title="Міська рада (S3)",
                                           edrpou=EDRPOU, kind="executive_body")
    ds = admin.action.package_create(name=f"ds-{prefix}", title="Заклади освіти", owner_org=org["name"])

    # About 10 MB: more than one 8 MiB part, so a multipart upload.
    data = big_csv(110_000)
    assert len(data) > 9 * 1024 * 1024
    p = tmp_path / "заклади.csv"
    p.write_bytes(data)
    with open(p, "rb") as f:
        res = admin.action.resource_create(package_id=ds["id"], name="Заклади", upload=f)
    assert res["size"] == len(data)

    # In the bucket, under the prefix, whole; not in a local files folder
    # (which only the CLI commands that made the users, run without
    # MISTO_BLOB_URL, may have created).
    objects = bucket_objects(bucket, prefix)
    uploads = {k: v for k, v in objects.items() if k.startswith(f"{prefix}/uploads/")}
    assert list(uploads.values()) == [len(data)], objects
    local = [f for _, _, fs in os.walk(os.path.join(s.data_dir, "files", "blobs")) for f in fs]
    assert local == []

    # The datastore loads it (from a local copy, removed afterwards).
    shown, info = wait_loaded(admin, res["id"], timeout=300)
    assert info["datastore_status"]["status"] == "done", info["datastore_status"]
    assert shown["datastore_active"] is True
    r = s.anon.action.datastore_search(resource_id=res["id"], filters={"район": "Подільський"}, limit=1)
    assert r["total"] == 110_000 // 6 + (1 if 110_000 % 6 else 0)
    assert r["records"][0]["заклад"] == "Заклад «Сонечко» №0"
    copies = os.path.join(s.data_dir, "tmp")
    assert not os.path.isdir(copies) or os.listdir(copies) == []

    # The download streams the very bytes back, with the same headers as from disk.
    d = requests.get(res["url"], headers={"User-Agent": UA}, timeout=120)
    assert d.status_code == 200
    assert d.headers["Content-Length"] == str(len(data))
    assert d.headers["Content-Disposition"].startswith("attachment;")
    assert d.content == data

    # A small file (one PUT) too, and its download.
    with open(tmp_path / "notes.txt", "wb") as f:
        f.write("примітки\n".encode("utf-8"))
    with open(tmp_path / "notes.txt", "rb") as f:
        small = admin.action.resource_create(package_id=ds["id"], name="Примітки", upload=f)
    d = requests.get(small["url"], headers={"User-Agent": UA}, timeout=30)
    assert d.status_code == 200 and d.content == "примітки\n".encode("utf-8")
    assert len(bucket_objects(bucket, prefix)) >= 2


def test_server_refuses_to_start_without_its_bucket(tmp_path):
    """A bucket that does not exist stops misto at start with the reason,
    instead of failing at the first upload."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MISTO_")}
    env["MISTO_BLOB_URL"] = f"s3://no-such-bucket-{uuid.uuid4().hex[:8]}/x"
    out = subprocess.run([misto_bin(), "migrate", "--data-dir", str(tmp_path)], env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode != 0
    assert "cannot open file storage" in out.stderr, out.stderr
    assert "no-such-bucket" in out.stderr, out.stderr
