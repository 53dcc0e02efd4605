"""A server killed in the middle of an upload leaves no resource pointing at a
missing or partial file, and keeps working after a restart."""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import requests

from conftest import _start, free_port, misto_bin, server_env


def _serve(binary, data_dir):
    port = free_port()
    proc = subprocess.Popen(
        [binary, "serve", "--addr", f"127.0.0.1:{port}", "--data-dir", data_dir],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=data_dir, env=server_env(),
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if requests.get(base + "/healthz", timeout=1).status_code == 200:
                return proc, base
        except requests.RequestException:
            pass
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("misto serve did not restart")


def _files_under(path):
    return [os.path.join(d, f) for d, _, fs in os.walk(path) for f in fs]


def test_killed_mid_upload_leaves_no_partial_resource():
    # Its own server on SQLite: the session server must not be killed.
    tmp = tempfile.mkdtemp(prefix="misto-crash-")
    proc = None
    try:
        proc, s = _start(misto_bin(), tmp, None)
        s.admin.action.organization_create(name="crash-org", title="Організація")
        ds = s.admin.action.package_create(name="crash-ds", owner_org="crash-org")

        boundary = "crashBOUNDARY"
        head = (
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"package_id\"\r\n\r\n{ds['id']}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"big.csv\"\r\n"
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        payload = b"a,b\n" + b"1,2\n" * 200_000  # 800 KB, under the 1 MB limit
        host, port = s.base.replace("http://", "").split(":")
        sock = socket.create_connection((host, int(port)))
        sock.sendall(
            (
                "POST /api/3/action/resource_create HTTP/1.1\r\n"
                f"Host: {host}\r\nAuthorization: {s.admin_token}\r\n"
                f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                f"Content-Length: {len(head) + len(payload) + len(tail)}\r\n\r\n"
            ).encode()
            + head
            + payload[: len(payload) // 2]
        )
        time.sleep(0.5)  # the server is now streaming the file to disk
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        sock.close()

        data_dir = s.data_dir
        assert _files_under(os.path.join(data_dir, "files", "blobs")) == [], "a partial blob was kept"
        proc, base = _serve(misto_bin(), data_dir)
        shown = requests.get(base + "/api/3/action/package_show", params={"id": "crash-ds"}).json()["result"]
        assert shown["num_resources"] == 0
        assert shown["resources"] == []

        # The restarted server takes the same upload whole.
        r = requests.post(
            base + "/api/3/action/resource_create",
            headers={"Authorization": s.admin_token},
            data={"package_id": ds["id"]},
            files={"upload": ("big.csv", payload, "text/csv")},
        )
        assert r.status_code == 200, r.text
        res = r.json()["result"]
        assert res["size"] == len(payload)
        assert requests.get(res["url"]).content == payload
    finally:
        if proc is not None and proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)
