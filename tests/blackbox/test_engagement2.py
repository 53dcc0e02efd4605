"""Usage analytics and e-mail subscriptions from the outside: ckanapi calls
of `usage_stats_show` and the `subscription_*` actions, and the whole
subscription flow through the local SMTP sink (`srv.mail`): subscribe →
confirmation e-mail → confirm through its link → the dataset changes → the
digest (`misto jobs digest` queues it now; the server sends it) → the digest e-mail lists the change → "my
subscriptions" and the one-click unsubscribe link work."""

import re
import time

import pytest
import requests
from ckanapi import NotAuthorized, NotFound, ValidationError

from conftest import body_text

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0"
BOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
CSV = "район,кількість\nШевченківський,12\n".encode()


def browse(srv, path, ua=BROWSER, **kw):
    return requests.get(srv.url(path), headers={"User-Agent": ua}, timeout=30, **kw)


def links(text):
    return re.findall(r"https?://\S+", text)


def test_usage_stats_count_people_apart_from_bots(srv, make_dataset, uid, tmp_path):
    ds = make_dataset(f"usage-{uid}", title=f"Відвідуваний набір {uid}")
    path = tmp_path / "data.csv"
    path.write_bytes(CSV)
    with open(path, "rb") as f:
        res = srv.admin.action.resource_create(package_id=ds["id"], name="Дані", format="CSV", upload=f)
    for _ in range(3):
        assert browse(srv, f"/dataset/{ds['name']}").status_code == 200
    assert browse(srv, f"/dataset/{ds['name']}", ua=BOT).status_code == 200
    for _ in range(2):
        dl = browse(srv, f"/dataset/{ds['id']}/resource/{res['id']}/download/data.csv")
        assert dl.status_code == 200 and dl.content == CSV
    # One word of letters only: no part of it can match another test's
    # dataset (the search also finds datasets matching most of the words).
    nothing = "жжнемає" + uid.translate(str.maketrans("0123456789abcdef", "абвгдежзиклмнопр"))
    assert browse(srv, "/dataset", params={"q": nothing}).status_code == 200

    # Coordinators see the whole portal, bots apart (the report writes the
    # counts kept in memory first).
    report = srv.admin.action.usage_stats_show(days=1, limit=100)
    assert report["scope"] == "all"
    assert report["totals"]["dataset_views"] >= 3
    assert report["bots"]["dataset_views"] >= 1
    mine = [d for d in report["most_viewed"] if d["id"] == ds["id"]]
    assert mine and mine[0]["views"] == 3, report["most_viewed"]
    assert nothing.lower() in [t["term"] for t in report["zero_result_searches"]]
    assert "resource_create" in [a["action"] for a in report["api_calls"]]
    assert len(report["daily"]) >= 1 and "date" in report["daily"][-1]

    # Anyone who may read the dataset sees its all-time counts (people only).
    got = srv.anon.action.usage_stats_show(id=ds["name"])
    assert got["package_id"] == ds["id"]
    assert (got["views"], got["downloads"]) == (3, 2), got
    assert [(r["id"], r["downloads"]) for r in got["resources"]] == [(res["id"], 2)]

    # Others may not read the portal-wide report; bad periods are refused.
    with pytest.raises(NotAuthorized):
        srv.outsider.action.usage_stats_show(days=7)
    with pytest.raises(NotAuthorized):
        srv.anon.action.usage_stats_show(days=7)
    with pytest.raises(ValidationError):
        srv.admin.action.usage_stats_show(start="2024-02-01", end="2024-01-01")
    private = make_dataset(f"usage-private-{uid}", private=True)
    with pytest.raises(NotFound):
        srv.anon.action.usage_stats_show(id=private["name"])


def test_subscription_actions(srv, make_dataset, uid):
    ds = make_dataset(f"sub-api-{uid}", title="Набір для підписки через API")
    address = f"api-{uid}@example.org"
    sub = srv.anon.action.subscription_create(email=address, kind="dataset", target=ds["name"], lang="en")
    assert sub["kind"] == "dataset" and sub["target"] == ds["id"]
    assert sub["confirmed"] is False
    assert address not in str(sub)
    # The same again: the same subscription.
    again = srv.anon.action.subscription_create(email=address.upper(), kind="dataset", target=ds["name"])
    assert again["id"] == sub["id"]
    with pytest.raises(ValidationError):
        srv.anon.action.subscription_create(email="not-an-address", kind="dataset", target=ds["name"])
    with pytest.raises(ValidationError):
        srv.anon.action.subscription_create(email=address, kind="everything", target="x")
    private = make_dataset(f"sub-private-{uid}", private=True)
    with pytest.raises(NotFound):
        srv.anon.action.subscription_create(email=address, kind="dataset", target=private["name"])

    mail = srv.mail.wait_for(address, "Confirm your subscription")
    text = body_text(mail["message"])
    confirm = next(u for u in links(text) if "/confirm?key=" in u)
    key = confirm.split("key=")[1]
    with pytest.raises(NotFound):
        srv.anon.action.subscription_confirm(id=sub["id"], key="0" * len(key))
    done = srv.anon.action.subscription_confirm(id=sub["id"], key=key)
    assert done["confirmed"] is True
    unsub = next(u for u in links(text) if "/unsubscribe?key=" in u)
    with pytest.raises(NotFound):
        srv.anon.action.subscription_delete(id=sub["id"], key=key)  # the confirm key is not the unsubscribe key
    assert srv.anon.action.subscription_delete(id=sub["id"], key=unsub.split("key=")[1]) is None
    with pytest.raises(NotFound):
        srv.anon.action.subscription_confirm(id=sub["id"], key=key)


def test_subscription_e_mails_end_to_end(srv, make_dataset, uid):
    ds = make_dataset(f"sub-mail-{uid}", title=f"Розклад руху {uid}")
    address = f"resident-{uid}@example.org"
    page = requests.Session()
    page.headers["User-Agent"] = BROWSER
    r = page.get(srv.url(f"/dataset/{ds['name']}"), timeout=30)
    csrf = re.search(r'name="csrf" value="([^"]+)"', r.text).group(1)
    form = {"csrf": csrf, "kind": "dataset", "target": ds["name"], "email": address, "website": ""}
    origin = {"Origin": srv.base}
    # Without the page's token the form is refused.
    bad = page.post(srv.url("/subscriptions"), data={**form, "csrf": ""}, headers=origin, timeout=30)
    assert bad.status_code == 403
    r = page.post(srv.url("/subscriptions"), data=form, headers=origin, timeout=30)
    assert r.status_code == 200, r.text

    # The confirmation e-mail; its link leads to a page with a button.
    mail = srv.mail.wait_for(address, "Підтвердьте підписку")
    text = body_text(mail["message"])
    assert ds["title"] in text
    confirm = next(u for u in links(text) if "/confirm?key=" in u)
    mine = next(u for u in links(text) if "/subscriptions/mine?" in u)
    r = page.get(confirm, timeout=30)
    assert r.status_code == 200
    token = re.search(r'name="csrf" value="([^"]+)"', r.text).group(1)
    key = re.search(r'name="key" value="([^"]+)"', r.text).group(1)
    r = page.post(confirm.split("?")[0], data={"csrf": token, "key": key}, headers=origin, timeout=30)
    assert r.status_code == 200 and "sub-status" in r.text, r.text

    # "My subscriptions" lists it, confirmed.
    r = page.get(mine, timeout=30)
    assert r.status_code == 200
    assert ds["title"] in r.text and "підтверджено" in r.text

    # The dataset changes; the digest is sent.
    time.sleep(1.1)
    pkg = srv.admin.action.package_show(id=ds["id"])
    pkg["title"] = f"Новий розклад руху {uid}"
    srv.admin.action.package_update(**pkg)
    time.sleep(0.5)
    out = srv.cli("jobs", "digest")
    assert "queued the digest job" in out, out
    digest = srv.mail.wait_for(address, "змінено наборів даних", timeout=60)
    dtext = body_text(digest["message"])
    assert f"Новий розклад руху {uid}" in dtext
    assert f"/dataset/{ds['name']}" in dtext
    assert any("/subscriptions/mine?" in u for u in links(dtext))
    unsub = next(u for u in links(dtext) if "/unsubscribe?key=" in u)

    # One click unsubscribes; "my subscriptions" is empty then.
    r = requests.get(unsub, headers={"User-Agent": BROWSER}, timeout=30)
    assert r.status_code == 200, r.text
    r = page.get(mine, timeout=30)
    assert r.status_code == 200 and "/unsubscribe?key=" not in r.text
    # A second digest sends this address nothing more.
    before = len(srv.mail.to(address))
    srv.cli("jobs", "digest")
    time.sleep(2)
    assert len(srv.mail.to(address)) == before
