"""Private datasets and drafts stay invisible to anonymous users and outsiders."""

import pytest
import requests
from ckanapi import NotAuthorized, NotFound

from conftest import error_of


@pytest.fixture
def hidden(srv, make_org, uid, tmp_path):
    org = make_org(f"priv-{uid}")
    ck = srv.admin.action
    public = ck.package_create(name=f"public-{uid}", owner_org=org["name"], title="Публічний набір",
                               tags=[{"name": f"відкритий-{uid}"}], groups=[{"name": "finansy"}])
    private = ck.package_create(name=f"private-{uid}", owner_org=org["name"], private=True,
                                title="Приватний набір секрет", tags=[{"name": f"таємний-{uid}"}],
                                groups=[{"name": "finansy"}])
    draft = ck.package_create(name=f"draft-{uid}", owner_org=org["name"], state="draft",
                              title="Чернетка секрет", tags=[{"name": f"чернетковий-{uid}"}],
                              groups=[{"name": "finansy"}])
    assert private["private"] is True
    assert draft["state"] == "draft"
    path = tmp_path / "secret.csv"
    path.write_text("поле\nтаємниця\n", encoding="utf-8")
    res = {}
    for d in (private, draft):
        with open(path, "rb") as f:
            res[d["name"]] = srv.admin.action.resource_create(package_id=d["id"], upload=f)
    return {"org": org, "uid": uid, "public": public, "private": private, "draft": draft, "res": res}


def viewers(srv):
    return {"anonymous": srv.anon, "outsider": srv.outsider}


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_show_is_not_found(srv, hidden, who):
    ck = viewers(srv)[who].action
    for d in (hidden["private"], hidden["draft"]):
        for key in (d["id"], d["name"]):
            with pytest.raises(NotFound):
                ck.package_show(id=key)
        with pytest.raises(NotFound):
            ck.resource_show(id=hidden["res"][d["name"]]["id"])
        with pytest.raises((NotFound, NotAuthorized)):
            ck.package_activity_list(id=d["id"])
    assert ck.package_show(id=hidden["public"]["id"])["name"] == hidden["public"]["name"]


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_activity_list_of_hidden_dataset_is_not_found(srv, hidden, who):
    token = {"anonymous": None, "outsider": srv.outsider_token}[who]
    for d in (hidden["private"], hidden["draft"]):
        r = srv.post("package_activity_list", {"id": d["id"]}, token=token)
        assert r.status_code == 404, r.text
        assert error_of(r)["__type"] == "Not Found Error"


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_download_is_not_found(srv, hidden, who):
    headers = {"Authorization": srv.outsider_token} if who == "outsider" else {}
    for d in (hidden["private"], hidden["draft"]):
        url = hidden["res"][d["name"]]["url"]
        r = requests.get(url, headers=headers, timeout=30)
        assert r.status_code == 404, (url, r.status_code)
        assert "таємниця" not in r.text
        # the bare download URL (without file name) does not redirect either
        bare = url.rsplit("/", 1)[0]
        r = requests.get(bare, headers=headers, timeout=30, allow_redirects=False)
        assert r.status_code == 404


def test_sysadmin_downloads_private_file(srv, hidden):
    url = hidden["res"][hidden["private"]["name"]]["url"]
    r = requests.get(url, headers={"Authorization": srv.admin_token}, timeout=30)
    assert r.status_code == 200
    assert r.content.decode("utf-8") == "поле\nтаємниця\n"


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_search_lists_counts_facets(srv, hidden, who):
    ck = viewers(srv)[who].action
    org, uid = hidden["org"]["name"], hidden["uid"]
    secret = {hidden["private"]["name"], hidden["draft"]["name"]}
    facet_fields = '["organization","groups","tags"]'
    for extra in ({}, {"include_private": True}, {"include_private": True, "include_drafts": True}):
        r = ck.package_search(fq=f"organization:{org}", **{"facet.field": facet_fields}, **extra)
        assert [d["name"] for d in r["results"]] == [hidden["public"]["name"]], extra
        assert r["count"] == 1
        assert r["facets"]["organization"] == {org: 1}
        assert r["facets"]["groups"] == {"finansy": 1}
        assert r["facets"]["tags"] == {f"відкритий-{uid}": 1}
        r = ck.package_search(q="секрет", **extra)
        assert not secret & {d["name"] for d in r["results"]}
        r = ck.package_search(q=f"tags:таємний-{uid}", **extra)
        assert r["count"] == 0 and r["results"] == []
    assert not secret & set(ck.package_list())
    assert not secret & {d["name"] for d in ck.current_package_list_with_resources(limit=1000)}
    assert ck.organization_show(id=org)["package_count"] == 1
    full = ck.organization_list(all_fields=True, organizations=[org])
    assert full[0]["package_count"] == 1
    tags = ck.tag_list()
    assert f"відкритий-{uid}" in tags
    assert f"таємний-{uid}" not in tags
    assert f"чернетковий-{uid}" not in tags
    assert ck.tag_list(query=f"таємний-{uid}") == []
    shown = ck.organization_show(id=org, include_datasets=True)
    assert [d["name"] for d in shown.get("packages", [])] == [hidden["public"]["name"]]


def test_sysadmin_sees_private_and_drafts(srv, hidden):
    ck = srv.admin.action
    org = hidden["org"]["name"]
    for d in (hidden["private"], hidden["draft"]):
        assert ck.package_show(id=d["id"])["name"] == d["name"]
        assert ck.resource_show(id=hidden["res"][d["name"]]["id"])["package_id"] == d["id"]
        assert ck.package_activity_list(id=d["id"])
    r = ck.package_search(fq=f"organization:{org}")
    assert {d["name"] for d in r["results"]} == {hidden["public"]["name"]}
    r = ck.package_search(fq=f"organization:{org}", include_private=True)
    assert {d["name"] for d in r["results"]} == {hidden["public"]["name"], hidden["private"]["name"]}
    r = ck.package_search(fq=f"organization:{org}", include_private=True, include_drafts=True)
    assert {d["name"] for d in r["results"]} == {
        hidden["public"]["name"], hidden["private"]["name"], hidden["draft"]["name"]}
    assert r["count"] == 3
    assert hidden["private"]["name"] not in ck.package_list()  # package_list is public only, as CKAN


def test_private_becomes_visible_when_made_public(srv, hidden):
    d = hidden["private"]
    with pytest.raises(NotFound):
        srv.anon.action.package_show(id=d["id"])
    srv.admin.action.package_patch(id=d["id"], private=False)
    assert srv.anon.action.package_show(id=d["id"])["private"] is False
    assert d["name"] in srv.anon.action.package_list()


def test_outsider_cannot_edit(srv, hidden):
    with pytest.raises(NotAuthorized):
        srv.outsider.action.package_patch(id=hidden["public"]["id"], title="зламано")
    with pytest.raises(NotAuthorized):
        srv.outsider.action.package_create(name=f"intruder-{hidden['uid']}", owner_org=hidden["org"]["name"])
    with pytest.raises(NotFound):
        srv.outsider.action.package_patch(id=hidden["private"]["id"], title="зламано")
    with pytest.raises((NotAuthorized, NotFound)):
        srv.outsider.action.package_delete(id=hidden["public"]["id"])
    assert srv.anon.action.package_show(id=hidden["public"]["id"])["title"] == "Публічний набір"


def test_invalid_token_is_403_authorization_error(srv):
    for headers in ({"Authorization": "not-a-real-token"}, {"X-CKAN-API-Key": "not-a-real-token"}):
        r = requests.post(srv.action_url("package_search"), json={}, headers=headers, timeout=30)
        assert r.status_code == 403
        err = error_of(r)
        assert err["__type"] == "Authorization Error"
        assert err["message"]
    with pytest.raises(NotAuthorized):
        srv.client("not-a-real-token").action.status_show()


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_filters_cannot_unlock_hidden_datasets(srv, hidden, who):
    """CKAN drops its state:active filter when fq names +state; permissions still apply."""
    ck = viewers(srv)[who].action
    org = hidden["org"]["name"]
    secret = {hidden["private"]["name"], hidden["draft"]["name"]}
    for fq in ("+state:draft", "state:*", "capacity:private", "+capacity:private",
               "state:draft OR capacity:private", f"organization:{org} -capacity:public"):
        r = ck.package_search(fq=fq, include_private=True, include_drafts=True, include_deleted=True, rows=1000)
        assert not secret & {d["name"] for d in r["results"]}, fq
    r = ck.package_search(q=f"name:{hidden['private']['name']}", include_private=True)
    assert r["count"] == 0


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_group_show_hides_private(srv, hidden, who):
    ck = viewers(srv)[who].action
    g = ck.group_show(id="finansy", include_datasets=True)
    got = {d["name"] for d in g.get("packages", [])}
    assert not {hidden["private"]["name"], hidden["draft"]["name"]} & got


def test_user_show_hides_email_from_others(srv):
    u = srv.anon.action.user_show(id="admin")
    assert u["name"] == "admin"
    assert "email" not in u or u["email"] in (None, "")
    u = srv.outsider.action.user_show(id="admin")
    assert "email" not in u or u["email"] in (None, "")
    with pytest.raises(NotAuthorized):
        srv.outsider.action.api_token_list(user_id="admin")


def test_member_of_the_organization_sees_private(srv, hidden, uid):
    name = f"editor-{uid}"
    srv.admin.action.user_create(name=name, email=f"{name}@example.org", password="Пароль-редактора-1")
    token = srv.admin.action.api_token_create(user=name, name="bb")["token"]
    member = srv.client(token).action
    org = hidden["org"]["name"]
    with pytest.raises(NotFound):
        member.package_show(id=hidden["private"]["id"])

    srv.admin.action.organization_member_create(id=org, username=name, role="editor")
    assert member.package_show(id=hidden["private"]["id"])["private"] is True
    r = member.package_search(fq=f"organization:{org}", include_private=True)
    assert {d["name"] for d in r["results"]} == {hidden["public"]["name"], hidden["private"]["name"]}
    r = member.package_search(fq=f"organization:{org}")
    assert {d["name"] for d in r["results"]} == {hidden["public"]["name"]}
    # an editor may change the organization's datasets
    assert member.package_patch(id=hidden["private"]["id"], notes="редактор")["notes"] == "редактор"
    assert hidden["private"]["name"] not in member.package_list()

    srv.admin.action.organization_member_delete(id=org, username=name)
    with pytest.raises(NotFound):
        member.package_show(id=hidden["private"]["id"])
    r = member.package_search(fq=f"organization:{org}", include_private=True)
    assert {d["name"] for d in r["results"]} == {hidden["public"]["name"]}


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_counts_agree_with_search(srv, hidden, who):
    """Every count a viewer sees is the count of datasets it may see."""
    ck = viewers(srv)[who].action
    visible = ck.package_search(fq="groups:finansy", rows=0)["count"]
    assert ck.group_show(id="finansy")["package_count"] == visible
    (g,) = ck.group_list(all_fields=True, groups=["finansy"])
    assert g["package_count"] == visible
    r = ck.package_search(rows=0, **{"facet.field": '["groups"]', "facet.limit": -1})
    assert r["facets"]["groups"]["finansy"] == visible
