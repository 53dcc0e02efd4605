"""API tokens: create for oneself, use, list, revoke."""

import pytest
import requests
from ckanapi import NotAuthorized

from conftest import error_of


def whoami(srv, token):
    r = srv.post("user_show", {}, token=token)
    return r


def test_create_use_revoke_own_token(srv, uid):
    made = srv.outsider.action.api_token_create(user="outsider", name=f"bb-{uid}")
    token = made["token"]
    assert isinstance(token, str) and len(token) >= 20
    assert token != srv.outsider_token

    r = whoami(srv, token)
    assert r.status_code == 200, r.text
    me = r.json()["result"]
    assert me["name"] == "outsider"
    assert me["sysadmin"] is False
    assert me["email"] == "outsider@example.org"  # one's own record shows the e-mail
    assert srv.client(token).action.user_show(id="outsider")["name"] == "outsider"

    listed = srv.client(token).action.api_token_list(user_id="outsider")
    assert f"bb-{uid}" in [t["name"] for t in listed]
    assert all("token" not in t for t in listed)  # secrets are never listed

    assert srv.client(token).action.api_token_revoke(token=token) is None
    r = whoami(srv, token)
    assert r.status_code == 403
    assert error_of(r)["__type"] == "Authorization Error"
    with pytest.raises(NotAuthorized):
        srv.client(token).action.package_list()
    # the session token of the same user is untouched
    assert whoami(srv, srv.outsider_token).json()["result"]["name"] == "outsider"


def test_revoke_by_id(srv, uid):
    token = srv.outsider.action.api_token_create(user="outsider", name=f"by-id-{uid}")["token"]
    (entry,) = [t for t in srv.outsider.action.api_token_list(user_id="outsider") if t["name"] == f"by-id-{uid}"]
    srv.outsider.action.api_token_revoke(jti=entry["id"])
    assert whoami(srv, token).status_code == 403


def test_sysadmin_revokes_another_users_token_by_id(srv, uid):
    token = srv.outsider.action.api_token_create(user="outsider", name=f"admin-revokes-{uid}")["token"]
    (entry,) = [t for t in srv.admin.action.api_token_list(user_id="outsider") if t["name"] == f"admin-revokes-{uid}"]
    srv.admin.action.api_token_revoke(jti=entry["id"])
    assert whoami(srv, token).status_code == 403


def test_sysadmin_revokes_another_users_token_by_secret(srv, uid):
    token = srv.outsider.action.api_token_create(user="outsider", name=f"admin-secret-{uid}")["token"]
    srv.admin.action.api_token_revoke(token=token)
    assert whoami(srv, token).status_code == 403


def test_cannot_make_or_revoke_tokens_for_others(srv, uid):
    with pytest.raises(NotAuthorized):
        srv.outsider.action.api_token_create(user="admin", name=f"steal-{uid}")
    with pytest.raises(NotAuthorized):
        srv.anon.action.api_token_create(user="outsider", name=f"anon-{uid}")
    admin_token = srv.admin.action.api_token_create(user="admin", name=f"victim-{uid}")["token"]
    with pytest.raises(NotAuthorized):
        srv.outsider.action.api_token_revoke(token=admin_token)
    assert whoami(srv, admin_token).json()["result"]["name"] == "admin"
    srv.admin.action.api_token_revoke(token=admin_token)


def test_token_made_by_cli_while_serving(srv, uid):
    """The CLI writes to the same database while the server runs."""
    token = srv.cli("token", "create", "outsider", "--name", f"cli-{uid}").strip()
    assert whoami(srv, token).json()["result"]["name"] == "outsider"
    srv.client(token).action.api_token_revoke(token=token)
    assert whoami(srv, token).status_code == 403


def test_sysadmin_token_creates_token_for_user(srv, uid):
    token = srv.admin.action.api_token_create(user="outsider", name=f"for-outsider-{uid}")["token"]
    assert whoami(srv, token).json()["result"]["name"] == "outsider"
    srv.admin.action.api_token_revoke(token=token)


def test_authorization_header_forms(srv):
    """ckanapi sends both headers; either alone works."""
    for h in ("Authorization", "X-CKAN-API-Key"):
        r = requests.post(srv.action_url("user_show"), json={}, headers={h: srv.admin_token}, timeout=30)
        assert r.status_code == 200, h
        assert r.json()["result"]["name"] == "admin"


def test_cli_commands_work_while_the_server_runs(srv, uid):
    """`misto migrate`, `user create` and `token create` on the live data."""
    srv.cli("migrate")
    name = f"late-{uid}"
    srv.cli("user", "create", name, "--email", f"{name}@example.org", "--password-stdin",
            stdin="Пізній-пароль-2026\n")
    token = srv.cli("token", "create", name, "--name", "from-cli").strip()
    assert token
    me = srv.client(token).action.user_show(id=name)
    assert me["name"] == name and me["email"] == f"{name}@example.org"
    listed = srv.client(token).action.api_token_list(user_id=name)
    assert [t["name"] for t in listed] == ["from-cli"]
