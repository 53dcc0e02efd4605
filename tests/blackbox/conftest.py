"""A real `misto serve` for the black-box suite.

One server per test session, on a free loopback port with a fresh temporary
data folder (and, when MISTO_BB_DATABASE_URL is set, that PostgreSQL
database; scripts/test-blackbox.sh creates a fresh one). Two users are made
with the CLI before the server starts: the sysadmin `admin` and a plain user
`outsider`, each with an API token.

Every e-mail the server sends goes over SMTP to a local `aiosmtpd` sink that
the session starts first (`srv.mail`), so e-mail flows are tested end to end.

Tests that need empty portals of their own (a dump loaded into a fresh
install) start them with the `fresh_server` fixture.

Tests share the server, so each one makes its own organizations and datasets
with unique names (the `uid`, `make_org` and `make_dataset` fixtures) and
scopes its searches to them.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field

import email
import email.policy
import threading

import pytest
import requests
from aiosmtpd.controller import Controller
from ckanapi import RemoteCKAN

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
UA = "misto-blackbox/1.0"

# A valid EDRPOU (Ukrainian legal-entity code with a correct check digit).
EDRPOU = "37508596"
# The 12 national themes (CKAN groups) every install is seeded with.
NATIONAL_THEMES = {
    "derzhava", "podatky", "ekonomika", "energetyka", "transport", "ekolohiia",
    "molod-i-sport", "okhorona-zdorovia", "rehionalnyi-rozvytok",
    "sotsialnyi-zakhyst", "finansy", "iustytsiia",
}
CKAN_DATE = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$"


def misto_bin():
    b = os.environ.get("MISTO_BIN")
    if not b:
        target = os.environ.get("CARGO_TARGET_DIR") or os.path.expanduser("~/.cache/misto/target")
        b = os.path.join(target, "debug", "misto")
    return b


class MailSink:
    """A local SMTP server (aiosmtpd) that keeps every message it receives."""

    def __init__(self):
        self.messages = []
        self._cond = threading.Condition()
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    def start(self):
        self._controller.start()

    def stop(self):
        self._controller.stop()

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._cond:
            self.messages.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos), "message": msg})
            self._cond.notify_all()
        return "250 OK"

    def wait_for(self, to, subject_contains="", timeout=30):
        """The first message to `to` whose subject contains the text; waits for it."""
        def find():
            for m in self.messages:
                if to in m["to"] and subject_contains in (m["message"]["subject"] or ""):
                    return m
            return None
        with self._cond:
            found = self._cond.wait_for(find, timeout=timeout)
        if not found:
            got = [(m["to"], m["message"]["subject"]) for m in self.messages]
            raise AssertionError(f"no e-mail to {to} with subject containing {subject_contains!r}; got {got}")
        return found

    def to(self, address):
        """Every message received so far for `address`."""
        with self._cond:
            return [m for m in self.messages if address in m["to"]]


def body_text(message):
    """The plain-text body of an e-mail message."""
    part = message.get_body(preferencelist=("plain", "html"))
    return part.get_content() if part is not None else ""


@dataclass
class Server:
    base: str
    admin_token: str
    outsider_token: str
    data_dir: str
    database_url: str | None
    stderr_path: str
    proc: subprocess.Popen = field(repr=False)
    mail: MailSink | None = field(default=None, repr=False)

    def client(self, token=None):
        return RemoteCKAN(self.base, apikey=token, user_agent=UA)

    @property
    def admin(self):
        return self.client(self.admin_token)

    @property
    def outsider(self):
        return self.client(self.outsider_token)

    @property
    def anon(self):
        return self.client(None)

    def url(self, path):
        return self.base + path

    def action_url(self, name, v3=True):
        return f"{self.base}/api/{'3/' if v3 else ''}action/{name}"

    def post(self, name, data=None, token=None, **kw):
        """POSTs JSON to an action; returns the raw `requests` response."""
        headers = {"User-Agent": UA}
        if token:
            headers["Authorization"] = token
        return requests.post(self.action_url(name), json=data or {}, headers=headers, timeout=30, **kw)

    def get(self, name, params=None, token=None, **kw):
        headers = {"User-Agent": UA}
        if token:
            headers["Authorization"] = token
        return requests.get(self.action_url(name), params=params, headers=headers, timeout=30, **kw)

    def cli(self, *args, stdin=None):
        """Runs `misto …` against the server's data folder and database."""
        return _cli(self.data_dir, self.database_url, *args, stdin=stdin)


def server_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("MISTO_")}
    env["MISTO_MAX_UPLOAD_MB"] = "1"
    env["MISTO_LOG_FORMAT"] = "text"
    # Linked tabular files are fetched from this machine only: the suite
    # links files on public hosts that must never be contacted.
    env["MISTO_DATASTORE_FETCH_LINKS"] = "127.0.0.1"
    # Harvest sources, push targets and checked links of the suite are
    # servers on loopback, which misto refuses unless allowed by name
    # (test_hostile.py runs a server without this).
    env["MISTO_OUTBOUND_ALLOW"] = "127.0.0.1"
    env["NO_COLOR"] = "1"
    env.setdefault("RUST_LOG", "info,sqlx=warn")
    return env


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cli(data_dir, database_url, *args, stdin=None):
    cmd = [misto_bin(), *args, "--data-dir", data_dir]
    if database_url:
        cmd += ["--database-url", database_url]
    out = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=120, cwd=data_dir, env=server_env())
    if out.returncode != 0:
        raise RuntimeError(f"misto {' '.join(args)} failed ({out.returncode}):\n{out.stderr}")
    return out.stdout


_STATE = {"failed": False, "server": None, "stderr": None}


def pytest_runtest_makereport(item, call):
    if call.excinfo is not None and call.when in ("setup", "call"):
        if not call.excinfo.errisinstance(pytest.skip.Exception):
            _STATE["failed"] = True


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    text = _STATE.get("stderr")
    if not text or not (_STATE["failed"] or exitstatus not in (0, 5)):
        return
    lines = text.splitlines()
    terminalreporter.section("misto serve stderr (last 200 lines)")
    for line in lines[-200:]:
        terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def srv():
    binary = misto_bin()
    if not os.access(binary, os.X_OK):
        pytest.exit(f"no misto binary at {binary} (set MISTO_BIN or build it)", returncode=2)
    database_url = os.environ.get("MISTO_BB_DATABASE_URL") or None
    if not database_url and os.environ.get("MISTO_TEST_DATABASE_URL"):
        pytest.exit(
            "MISTO_TEST_DATABASE_URL is set: run scripts/test-blackbox.sh, which creates a fresh "
            "database and passes it as MISTO_BB_DATABASE_URL", returncode=2,
        )
    tmp = tempfile.mkdtemp(prefix="misto-bb-")
    proc = None
    sink = MailSink()
    sink.start()
    try:
        proc, s = _start(binary, tmp, database_url, sink)
        _STATE["server"] = s
        yield s
    finally:
        sink.stop()
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        try:
            with open(os.path.join(tmp, "serve.stderr"), encoding="utf-8", errors="replace") as f:
                _STATE["stderr"] = f.read()
        except OSError:
            pass
        shutil.rmtree(tmp, ignore_errors=True)


def _start(binary, tmp, database_url, sink=None, env_overrides=None):
    """Makes the two users and their tokens, then starts `misto serve`.
    `env_overrides` sets variables of the server's environment (None
    removes one)."""
    data_dir = os.path.join(tmp, "data")
    os.makedirs(data_dir)
    _cli(data_dir, database_url, "user", "create", "admin", "--email", "admin@example.org",
         "--sysadmin", "--password-stdin", stdin="Adm1n-pass-фраза\n")
    admin_token = _cli(data_dir, database_url, "token", "create", "admin").strip()
    _cli(data_dir, database_url, "user", "create", "outsider", "--email", "outsider@example.org",
         "--password-stdin", stdin="0utsider-pass-фраза\n")
    outsider_token = _cli(data_dir, database_url, "token", "create", "outsider").strip()
    assert admin_token and outsider_token and admin_token != outsider_token

    stderr_path = os.path.join(tmp, "serve.stderr")
    for _attempt in range(3):  # the free port may be taken in between
        port = free_port()
        cmd = [binary, "serve", "--addr", f"127.0.0.1:{port}", "--data-dir", data_dir]
        if database_url:
            cmd += ["--database-url", database_url]
        with open(stderr_path, "ab") as errf:
            env = server_env()
            if sink is not None:
                env.update({
                    "MISTO_SMTP_HOST": "127.0.0.1",
                    "MISTO_SMTP_PORT": str(sink.port),
                    "MISTO_SMTP_TLS": "none",
                    "MISTO_SMTP_FROM": "portal@misto.example",
                    "MISTO_SITE_URL": f"http://127.0.0.1:{port}",
                })
            for k, v in (env_overrides or {}).items():
                if v is None:
                    env.pop(k, None)
                else:
                    env[k] = v
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errf, cwd=data_dir, env=env)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if requests.get(base + "/healthz", timeout=1).status_code == 200:
                    s = Server(base, admin_token, outsider_token, data_dir, database_url, stderr_path, proc, sink)
                    return proc, s
            except requests.RequestException:
                pass
            time.sleep(0.05)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    with open(stderr_path, encoding="utf-8", errors="replace") as f:
        raise RuntimeError(f"misto serve did not start:\n{f.read()[-4000:]}")


def _fresh_database_url(base_url, name):
    """A new PostgreSQL database `name` on the server of `base_url` (same
    credentials and query string); the caller drops it with dropdb."""
    subprocess.run(["createdb", f"--maintenance-db={base_url}", name], check=True,
                   capture_output=True, timeout=60)
    base = base_url.split("?", 1)[0]
    query = base_url[len(base):]
    return f"{base.rsplit('/', 1)[0]}/{name}{query}"


@pytest.fixture
def fresh_server():
    """Starts further servers, each on its own fresh data folder (and, on
    PostgreSQL, its own new database), with the same two users as `srv`;
    all are stopped, and their folders and databases removed, at the end
    of the test. For tests that copy a portal into an empty one."""
    started = []

    def start(env_overrides=None):
        tmp = tempfile.mkdtemp(prefix="misto-bb-fresh-")
        database_url = None
        db_name = None
        base_url = os.environ.get("MISTO_BB_DATABASE_URL")
        if base_url:
            db_name = f"misto_bb_fresh_{uuid.uuid4().hex[:12]}"
            database_url = _fresh_database_url(base_url, db_name)
        started.append((None, tmp, base_url, db_name))
        proc, s = _start(misto_bin(), tmp, database_url, env_overrides=env_overrides)
        started[-1] = (proc, tmp, base_url, db_name)
        return s

    yield start
    for proc, tmp, base_url, db_name in started:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
        if db_name:
            subprocess.run(["dropdb", f"--maintenance-db={base_url}", "--if-exists", "--force", db_name],
                           capture_output=True, timeout=60)


@pytest.fixture
def uid():
    """A short unique suffix for names made by one test."""
    return uuid.uuid4().hex[:10]


@pytest.fixture
def make_org(srv):
    def make(suffix=None, **fields):
        name = f"org-{suffix or uuid.uuid4().hex[:10]}"
        data = {
            "name": name,
            "title": f"Виконавчий комітет міської ради {name}",
            "edrpou": EDRPOU,
            "kind": "executive_body",
        }
        data.update(fields)
        return srv.admin.action.organization_create(**data)
    return make


@pytest.fixture
def org(make_org):
    return make_org()


@pytest.fixture
def make_dataset(srv, org):
    """Creates a dataset in `org` (or `owner_org=`) as the sysadmin."""
    def make(name=None, **fields):
        data = {
            "name": name or f"ds-{uuid.uuid4().hex[:12]}",
            "title": "Тестовий набір даних",
            "owner_org": org["name"],
        }
        data.update(fields)
        return srv.admin.action.package_create(**data)
    return make


def wait_loaded(ck, rid, timeout=30):
    """Waits until the datastore ingest of resource `rid` has ended (done or
    error); returns the resource and its `datastore_info`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = ck.action.datastore_info(id=rid)
        if info["datastore_status"]["status"] in ("done", "error"):
            return ck.action.resource_show(id=rid), info
        time.sleep(0.2)
    pytest.fail(f"resource {rid} was not ingested in {timeout} s")


def error_of(resp):
    """The `error` object of a failed action response (asserts the envelope)."""
    body = resp.json()
    assert body["success"] is False, body
    assert "help" in body
    return body["error"]
