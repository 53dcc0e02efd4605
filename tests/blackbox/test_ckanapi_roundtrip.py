"""The real `ckanapi` command line copies one portal into another.

`ckanapi dump organizations|groups|datasets --all` from a seeded portal,
`ckanapi load …` into a fresh one, and the datasets must read back the same
through `package_show`: ids, names, organization, groups, resources, tags.
Loading again takes ckanapi's update path (package_show finds the record,
then package_update) and must change nothing.

Both portals are fresh servers of their own (the `fresh_server` fixture),
so `--all` sees exactly what this test made.
"""

import json
import os
import subprocess
import sys

import pytest

from conftest import EDRPOU, NATIONAL_THEMES

HERE = os.path.dirname(os.path.abspath(__file__))

# Keys of package_show that CKAN itself sets when a dataset is written, so a
# CKAN loading the same dump would not reproduce them either:
# - metadata_created / metadata_modified: stamped by package_create and
#   package_update (the create schema has no place for them);
# - creator_user_id: the user who calls package_create;
# - data_last_updated, next_update_due, overdue: misto's output computed from
#   metadata_modified when `data_updated` is not given.
WRITE_STAMPED = {"metadata_created", "metadata_modified", "creator_user_id",
                 "data_last_updated", "next_update_due", "overdue"}
# In the embedded organization: `created` (CKAN's group schema ignores it on
# input). In resources: `metadata_modified` (stamped on every write).
ORG_STAMPED = {"created"}
RESOURCE_STAMPED = {"metadata_modified"}


def comparable(pkg):
    out = {k: v for k, v in pkg.items() if k not in WRITE_STAMPED}
    out["organization"] = {k: v for k, v in pkg["organization"].items() if k not in ORG_STAMPED}
    out["resources"] = [{k: v for k, v in r.items() if k not in RESOURCE_STAMPED}
                        for r in pkg["resources"]]
    # The 12 national themes are seeded by every install with ids of its
    # own; ckanapi load finds the destination's by name (as it would find a
    # CKAN group that already exists), so only their names must match.
    out["groups"] = [{k: v for k, v in g.items() if not (k == "id" and g["name"] in NATIONAL_THEMES)}
                     for g in pkg["groups"]]
    return out


def ckanapi(*args):
    """Runs the ckanapi CLI of this venv (its workers are `ckanapi` too, so
    the venv's bin folder goes first on PATH)."""
    bindir = os.path.dirname(sys.executable)
    exe = os.path.join(bindir, "ckanapi")
    env = dict(os.environ)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    out = subprocess.run([exe, *args], capture_output=True, text=True, timeout=300, env=env)
    assert out.returncode == 0, f"ckanapi {' '.join(args[:2])} failed ({out.returncode}):\n{out.stderr}"
    return out


def dump(server, thing, path, *flags):
    ckanapi("dump", thing, "--all", *flags, "-p", "2", "-q", "-O", str(path),
            "-r", server.base, "-a", server.admin_token)
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def load(server, thing, path):
    """Loads a dump; returns the action ckanapi took per record (create or
    update), after checking that none failed."""
    log = f"{path}.{server.base.rsplit(':', 1)[-1]}.log"
    if os.path.exists(log):
        os.remove(log)
    ckanapi("load", thing, "-p", "2", "-q", "-I", str(path), "-l", log,
            "-r", server.base, "-a", server.admin_token)
    # One JSON line per record: [timestamp, record number, action, error, response].
    with open(log, encoding="utf-8") as f:
        entries = [json.loads(line) for line in f if line.strip()]
    for e in entries:
        assert e[3] is None, f"ckanapi load {thing}: {e}"
    return sorted(e[2] for e in entries)


def seed(src):
    ck = src.admin
    orgs = [
        ck.action.organization_create(name="rada", title="Міська рада", edrpou=EDRPOU,
                                      kind="executive_body", description="Виконавчий комітет"),
        ck.action.organization_create(name="likarnia", title="Міська лікарня №1", edrpou=EDRPOU,
                                      kind="communal_enterprise"),
    ]
    groups = [
        ck.action.group_create(name="miske-zdorovia", title="Здоровʼя міста", description="Медицина"),
        ck.action.group_create(name="miskyi-biudzhet", title="Бюджет міста"),
    ]
    datasets = [
        ck.action.package_create(
            name="likarni", title="Заклади охорони здоровʼя", owner_org="likarnia",
            notes="Перелік закладів.", tags=[{"name": "здоров'я"}, {"name": "лікарні"}],
            groups=[{"name": "miske-zdorovia"}, {"name": "okhorona-zdorovia"}],
            update_frequency="once a year", purpose_of_collecting_information="Постанова КМУ №835",
            maintainer="Петренко О.", maintainer_email="likarnia@example.org",
            extras=[{"key": "publisherIdentifier", "value": EDRPOU}],
            resources=[
                {"name": "Перелік", "url": "https://example.org/likarni.csv", "format": "CSV",
                 "description": "UTF-8"},
                {"name": "Мапа", "url": "https://example.org/likarni.geojson", "format": "GeoJSON"},
            ]),
        ck.action.package_create(
            name="biudzhet-2026", title="Бюджет 2026", owner_org="rada",
            tag_string="бюджет, сім’я", groups=[{"name": "miskyi-biudzhet"}],
            data_updated="2026-01-15T10:00:00", temporal_start="2026-01-01", temporal_end="2026-12-31",
            resources=[{"name": "Видатки", "url": "https://example.org/vydatky.xlsx", "format": "XLSX"}]),
        ck.action.package_create(
            name="zarplaty", title="Зарплати (закрито)", owner_org="rada", private=True,
            tags=[{"name": "об’єкти"}],
            resources=[{"name": "Звіт", "url": "https://example.org/zvit.csv"}]),
        ck.action.package_create(
            name="chernetka", title="Чернетка", owner_org="likarnia", state="draft",
            tags=[{"name": "план"}]),
    ]
    return orgs, groups, datasets


def show_all(server, names):
    ck = server.admin
    return {n: ck.action.package_show(id=n) for n in names}


def test_dump_and_load_keep_every_dataset_identical(fresh_server, tmp_path):
    src = fresh_server()
    dst = fresh_server()
    orgs, groups, datasets = seed(src)
    names = sorted(d["name"] for d in datasets)
    public = sorted(d["name"] for d in datasets if not d["private"] and d["state"] == "active")
    assert datasets[0]["tags"][0]["name"] == "здоровʼя", "tags are stored with U+02BC"

    # dump datasets --all: one line per dataset package_list names, public
    # only by default, every one with --include-private.
    plain = dump(src, "datasets", tmp_path / "public.jsonl")
    assert sorted(d["name"] for d in plain) == public == sorted(src.anon.action.package_list())
    full = dump(src, "datasets", tmp_path / "datasets.jsonl", "--include-private", "--include-drafts")
    assert sorted(d["name"] for d in full) == names
    dumped_orgs = dump(src, "organizations", tmp_path / "orgs.jsonl")
    assert sorted(o["name"] for o in dumped_orgs) == ["likarnia", "rada"]
    dumped_groups = dump(src, "groups", tmp_path / "groups.jsonl")
    assert {"miske-zdorovia", "miskyi-biudzhet", "okhorona-zdorovia"} <= {g["name"] for g in dumped_groups}

    assert load(dst, "organizations", tmp_path / "orgs.jsonl") == ["create"] * 2
    # The national themes exist on both: updated; the test's groups: created.
    acts = load(dst, "groups", tmp_path / "groups.jsonl")
    assert acts.count("create") == 2 and acts.count("update") == len(dumped_groups) - 2
    assert load(dst, "datasets", tmp_path / "datasets.jsonl") == ["create"] * len(names)

    before = show_all(src, names)
    after = show_all(dst, names)
    for n in names:
        assert comparable(after[n]) == comparable(before[n]), n
    # The ids a sysadmin loads are kept: organizations, the test's groups,
    # datasets and resources.
    for o in orgs:
        assert dst.admin.action.organization_show(id=o["name"])["id"] == o["id"]
    for g in groups:
        assert dst.admin.action.group_show(id=g["name"])["id"] == g["id"]
    assert [t["name"] for t in after["biudzhet-2026"]["tags"]] == ["бюджет", "сімʼя"]
    assert after["zarplaty"]["private"] is True
    # National themes are seeded by each install with its own ids: ckanapi
    # finds the destination's by name and updates it (as with any CKAN
    # group that already exists), so a dataset's theme keeps its name.
    theme = [g for g in after["likarni"]["groups"] if g["name"] == "okhorona-zdorovia"]
    assert len(theme) == 1
    # Search on the copy finds the apostrophe tag in every form.
    for form in ("здоров'я", "здоров’я", "здоровʼя"):
        assert dst.anon.action.package_search(fq=f'tags:"{form}"')["count"] == 1, form

    # Again: ckanapi's update path (show finds each record, then *_update).
    assert load(dst, "organizations", tmp_path / "orgs.jsonl") == ["update"] * 2
    assert load(dst, "groups", tmp_path / "groups.jsonl") == ["update"] * len(dumped_groups)
    assert load(dst, "datasets", tmp_path / "datasets.jsonl") == ["update"] * len(names)
    again = show_all(dst, names)
    for n in names:
        assert comparable(again[n]) == comparable(before[n]), n
        assert again[n]["metadata_created"] == after[n]["metadata_created"], "updated, not re-created"
    assert sorted(dst.admin.action.package_list(include_private=True, include_drafts=True)) == names

    # A dump of the copy is the dump of the source, but for what CKAN stamps.
    copy = dump(dst, "datasets", tmp_path / "copy.jsonl", "--include-private", "--include-drafts")
    assert [comparable(d) for d in copy] == [comparable(d) for d in full]


def test_ckanapi_errors_come_back_as_validation_errors(srv, uid):
    """ckanapi raises ValidationError with CKAN's error dict: lists of strings."""
    from ckanapi import ValidationError
    with pytest.raises(ValidationError) as e:
        srv.admin.action.group_create(name=f"g-{uid}", tags=[{"name": "x"}])
    assert e.value.error_dict["__type"] == "Validation Error"
    # misto answers tag errors as CKAN does, [{"name": ["message"]}]; with
    # CKAN installed beside it, ckanapi raises CKAN's ValidationError, which
    # flattens them to ["message"] (and fails on any other shape).
    tags = e.value.error_dict["tags"]
    assert tags and all(isinstance(t, str) or (isinstance(t["name"], list) and isinstance(t["name"][0], str))
                        for t in tags), tags
    with pytest.raises(ValidationError) as e:
        srv.admin.action.package_list(include_private="perhaps")
    assert "include_private" in e.value.error_dict
