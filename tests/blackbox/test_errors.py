"""CKAN's envelope, HTTP codes and error types, as clients rely on them."""

import io
import json

import pytest
import requests
from ckanapi import NotAuthorized, NotFound, ValidationError

from conftest import NATIONAL_THEMES, UA, error_of


def test_success_envelope(srv):
    for v3 in (True, False):
        r = requests.post(srv.action_url("status_show", v3=v3), json={}, timeout=30)
        assert r.status_code == 200
        assert r.headers["Content-Type"].startswith("application/json")
        body = r.json()
        assert set(body) == {"help", "success", "result"}
        assert body["success"] is True
        assert "help_show?name=status_show" in body["help"]
    r = requests.get(srv.action_url("status_show"), timeout=30)
    assert r.status_code == 200 and r.json()["success"] is True


def test_error_envelope(srv):
    r = srv.post("package_show", {"id": "no-such-dataset-anywhere"})
    assert r.status_code == 404
    body = r.json()
    assert set(body) == {"help", "success", "error"}
    assert body["success"] is False
    assert body["error"]["__type"] == "Not Found Error"
    assert body["error"]["message"].startswith("Not found")


def test_unknown_action(srv):
    for method in ("get", "post"):
        r = getattr(requests, method)(srv.action_url("no_such_action"), timeout=30)
        assert r.status_code == 400
        assert r.json() == "Bad request - Action name not known: no_such_action"


def test_get_on_write_action(srv):
    for name in ("package_create", "package_update", "resource_create", "organization_create"):
        r = requests.get(srv.action_url(name), params={"name": "x"},
                         headers={"Authorization": srv.admin_token}, timeout=30)
        assert r.status_code == 400, name
        body = r.json()
        assert isinstance(body, str)
        assert body == "Bad request - JSON Error: Invalid request. Please use POST method for your request"
    assert "x" not in srv.anon.action.package_list()


def test_malformed_json_body(srv):
    for raw in (b"{not json", b"[1, 2]", b'"a string"'):
        r = requests.post(srv.action_url("package_show"), data=raw,
                          headers={"Content-Type": "application/json"}, timeout=30)
        assert r.status_code == 400, raw
        body = r.json()
        assert isinstance(body, str) and body.startswith("Bad request - JSON Error"), body


def test_form_encoded_json_body(srv, make_dataset):
    """CKAN accepts a form body whose single key is the JSON object."""
    ds = make_dataset()
    r = requests.post(srv.action_url("package_show"), data=json.dumps({"id": ds["id"]}).encode() + b"=1",
                      headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=30)
    assert r.status_code == 200, r.text
    assert r.json()["result"]["name"] == ds["name"]
    r = requests.post(srv.action_url("package_show"), data={"id": ds["name"]}, timeout=30)
    assert r.status_code == 200 and r.json()["result"]["id"] == ds["id"]


def test_missing_id_is_409_validation_error(srv):
    for name in ("package_show", "resource_show", "organization_show"):
        r = srv.post(name, {})
        assert r.status_code == 409, name
        err = error_of(r)
        assert err["__type"] == "Validation Error"
        assert "id" in err and isinstance(err["id"], list)
    with pytest.raises(ValidationError) as e:
        srv.admin.action.package_delete()
    assert "id" in e.value.error_dict


def test_not_found(srv):
    for name in ("package_show", "resource_show", "organization_show", "group_show", "package_activity_list"):
        r = srv.post(name, {"id": "does-not-exist-123"})
        assert r.status_code == 404, name
        err = error_of(r)
        assert err["__type"] == "Not Found Error"
        assert "message" in err
    with pytest.raises(NotFound):
        srv.anon.action.package_show(id="does-not-exist-123")


def test_anonymous_writes_are_403(srv, org, make_dataset):
    r = srv.post("package_create", {"name": "anon-made", "owner_org": org["name"]})
    assert r.status_code == 403
    err = error_of(r)
    assert err["__type"] == "Authorization Error"
    assert err["message"].startswith("Access denied")
    ds = make_dataset()
    for name, data in (("package_patch", {"id": ds["id"], "title": "x"}),
                       ("package_delete", {"id": ds["id"]}),
                       ("resource_create", {"package_id": ds["id"], "url": "https://a.b/c.csv"}),
                       ("organization_create", {"name": "anon-org"})):
        r = srv.post(name, data)
        assert r.status_code == 403, name
        assert error_of(r)["__type"] == "Authorization Error"
    with pytest.raises(NotAuthorized):
        srv.anon.action.package_create(name="anon-made-2", owner_org=org["name"])
    with pytest.raises(NotAuthorized):
        srv.outsider.action.organization_create(name="outsider-org")


def test_duplicate_name(srv, make_dataset, org):
    ds = make_dataset()
    r = srv.post("package_create", {"name": ds["name"], "owner_org": org["name"]}, token=srv.admin_token)
    assert r.status_code == 409
    err = error_of(r)
    assert err == {"__type": "Validation Error", "name": ["That URL is already in use."]}
    with pytest.raises(ValidationError) as e:
        srv.admin.action.package_create(name=ds["name"], owner_org=org["name"])
    assert e.value.error_dict["name"] == ["That URL is already in use."]
    other = make_dataset()
    with pytest.raises(ValidationError) as e:
        srv.admin.action.package_patch(id=other["id"], name=ds["name"])
    assert e.value.error_dict["name"] == ["That URL is already in use."]


def test_invalid_edrpou(srv, uid):
    for code in ("37508597", "3750859", "3750859A", "375085960"):
        with pytest.raises(ValidationError) as e:
            srv.admin.action.organization_create(name=f"bad-edrpou-{uid}", title="Рада", edrpou=code)
        assert "edrpou" in e.value.error_dict, code
    assert f"bad-edrpou-{uid}" not in srv.anon.action.organization_list()


def validation_fields(srv, data):
    r = srv.post("package_create", data, token=srv.admin_token)
    assert r.status_code == 409, r.text
    err = error_of(r)
    assert err["__type"] == "Validation Error"
    for k, v in err.items():
        if k != "__type":
            assert isinstance(v, list) and v and all(isinstance(m, str) for m in v), (k, v)
    return set(err) - {"__type"}


@pytest.mark.parametrize("field,value", [
    ("title", "Б" * 255),
    ("notes", "о" * 4001),
    ("purpose_of_collecting_information", "м" * 513),
    ("update_frequency", "every full moon"),
    ("spatial_katottg", "UA123"),
    ("language", "klingon"),
    ("maintainer_email", "not an email"),
    ("license_id", "no-such-licence"),
])
def test_field_validation(srv, org, uid, field, value):
    assert validation_fields(srv, {"name": f"v-{uid}", "owner_org": org["name"], field: value}) == {field}
    assert f"v-{uid}" not in srv.anon.action.package_list()


def test_limits_are_inclusive(srv, make_dataset):
    d = make_dataset(title="Б" * 254, notes="о" * 4000, purpose_of_collecting_information="м" * 512)
    assert len(d["title"]) == 254 and len(d["notes"]) == 4000
    assert len(d["purpose_of_collecting_information"]) == 512


def test_all_invalid_fields_reported_together(srv, org, uid):
    got = validation_fields(srv, {
        "name": f"all-bad-{uid}", "owner_org": org["name"], "title": "Б" * 255, "notes": "о" * 4001,
        "purpose_of_collecting_information": "м" * 513, "update_frequency": "hourly",
    })
    assert got == {"title", "notes", "purpose_of_collecting_information", "update_frequency"}


def test_invalid_name_and_missing_org(srv, uid):
    got = validation_fields(srv, {"name": f"Погана Назва {uid}"})
    assert {"name", "owner_org"} <= got
    got = validation_fields(srv, {"name": f"ok-{uid}", "owner_org": "no-such-org-here"})
    assert got == {"owner_org"}


def test_unknown_group_is_rejected(srv, org, uid):
    assert validation_fields(srv, {"name": f"g-{uid}", "owner_org": org["name"],
                                   "groups": [{"name": "no-such-theme"}]}) == {"groups"}


def multipart_upload(srv, package_id, size):
    data = b"a,b\n" + b"1,2\n" * (size // 4)
    return requests.post(
        srv.action_url("resource_create"),
        data={"package_id": package_id, "name": "завеликий"},
        files={"upload": ("big.csv", io.BytesIO(data), "text/csv")},
        headers={"Authorization": srv.admin_token, "User-Agent": UA},
        timeout=60,
    )


@pytest.mark.parametrize("size_mb", [1.5, 3])
def test_upload_over_limit_is_refused(srv, make_dataset, size_mb):
    ds = make_dataset()
    r = multipart_upload(srv, ds["id"], int(size_mb * 1024 * 1024))
    assert r.status_code == 413, (r.status_code, r.text[:300])
    err = error_of(r)
    assert err["__type"] == "Validation Error"
    assert "upload" in err
    assert srv.admin.action.package_show(id=ds["id"])["resources"] == []
    # still usable afterwards
    r = multipart_upload(srv, ds["id"], 1000)
    assert r.status_code == 200, r.text
    assert srv.admin.action.package_show(id=ds["id"])["num_resources"] == 1


def test_upload_over_limit_with_ckanapi(srv, make_dataset, tmp_path):
    ds = make_dataset()
    p = tmp_path / "big.csv"
    p.write_bytes(b"x" * (1024 * 1024 + 10))
    with open(p, "rb") as f, pytest.raises(ValidationError) as e:
        srv.admin.action.resource_create(package_id=ds["id"], upload=f)
    assert "upload" in e.value.error_dict
    assert srv.admin.action.package_show(id=ds["id"])["num_resources"] == 0


def test_api_version_endpoints(srv):
    for path in ("/api/3", "/api"):
        r = requests.get(srv.url(path), timeout=30)
        assert r.status_code == 200
        assert r.json() == {"version": 3}


def test_status_show(srv):
    s = srv.anon.action.status_show()
    assert s["ckan_version"].startswith("2.")
    for k in ("site_title", "site_description", "site_url", "locale_default", "extensions"):
        assert k in s
    assert s["site_url"] == srv.base
    assert srv.anon.action.site_read() is True


def test_license_list(srv):
    lics = srv.anon.action.license_list()
    by_id = {x["id"]: x for x in lics}
    assert "cc-by-4.0" in by_id
    # the keys of CKAN's license dicts (ckan/model/license.py)
    keys = {"id", "title", "url", "od_conformance", "osd_conformance", "family", "maintainer", "status",
            "is_generic", "domain_content", "domain_data", "domain_software"}
    for lic in lics:
        assert not keys - set(lic), f"{lic['id']} lacks {sorted(keys - set(lic))}"
    for ckan_default in ("notspecified", "odc-odbl", "cc-zero", "cc-by", "cc-by-sa", "other-closed"):
        assert ckan_default in by_id


def test_group_list_has_national_themes(srv):
    groups = srv.anon.action.group_list()
    assert NATIONAL_THEMES <= set(groups)
    full = srv.anon.action.group_list(all_fields=True, groups=sorted(NATIONAL_THEMES))
    assert len(full) == 12
    assert {g["name"]: g["title"] for g in full}["finansy"] == "Фінанси"
    for g in full:
        assert g["type"] == "group" and g["is_organization"] is False
    assert srv.anon.action.group_show(id="finansy")["title"] == "Фінанси"



def test_upload_limit_boundary(srv, make_dataset):
    """MISTO_MAX_UPLOAD_MB=1: exactly 1 MiB is accepted, one byte more is not."""
    ds = make_dataset()

    def up(size):
        return requests.post(
            srv.action_url("resource_create"), data={"package_id": ds["id"]},
            files={"upload": ("x.csv", io.BytesIO(b"x" * size), "text/csv")},
            headers={"Authorization": srv.admin_token}, timeout=60,
        )

    r = up(1024 * 1024)
    assert r.status_code == 200, r.text[:300]
    assert r.json()["result"]["size"] == 1024 * 1024
    r = up(1024 * 1024 + 1)
    assert r.status_code == 413
    r = up(0)
    assert r.status_code == 200 and r.json()["result"]["size"] == 0
    assert srv.admin.action.package_show(id=ds["id"])["num_resources"] == 2
