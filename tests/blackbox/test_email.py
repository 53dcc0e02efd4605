"""E-mail end to end: every message the server sends goes over SMTP to the
local aiosmtpd sink of conftest.py (`srv.mail`).

- Update reminders before the due date and once overdue, to the responsible
  person, each once per due period however often the reminders run.
- Moderation: the submitter hears when a change is returned (with the
  reviewer's comment) and when it is approved.
- Feedback: the dataset's responsible person hears of new feedback, and the
  author hears the answer.
"""

import datetime
import time
import uuid

from conftest import body_text


def days_ago(n):
    return (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=n)).strftime("%Y-%m-%d")


def make_user(srv, name):
    """A user with an API token (through the CLI, as an operator would)."""
    srv.cli("user", "create", name, "--email", f"{name}@example.org", "--password-stdin",
            stdin="Ed1tor-pass-фраза\n")
    return srv.cli("token", "create", name).strip()


def test_reminders_before_due_and_when_overdue_once_per_period(srv, make_dataset, uid):
    soon_to = f"soon-{uid}@example.org"
    late_to = f"late-{uid}@example.org"
    # Monthly (31-day period): due in 6 days, inside the 7-day window.
    soon = make_dataset(f"soon-{uid}", title=f"Бюджет {uid}", update_frequency="once a month",
                        data_updated=days_ago(25), maintainer_email=soon_to)
    # Due 9 days ago: overdue.
    late = make_dataset(f"late-{uid}", title=f"Закупівлі {uid}", update_frequency="once a month",
                        data_updated=days_ago(40), maintainer_email=late_to)
    # Due in 21 days: nothing yet.
    make_dataset(f"later-{uid}", update_frequency="once a month", data_updated=days_ago(10),
                 maintainer_email=f"later-{uid}@example.org")

    # Only coordinators send reminders by hand.
    r = srv.post("reminders_send", {}, token=srv.outsider_token)
    assert r.status_code == 403, r.text

    first = srv.post("reminders_send", {}, token=srv.admin_token)
    assert first.status_code == 200, first.text
    assert first.json()["result"]["queued"] >= 2

    m = srv.mail.wait_for(soon_to, "Нагадування")
    assert soon["title"] in m["message"]["subject"]
    text = body_text(m["message"])
    assert f"/dataset/{soon['name']}" in text
    assert "due for an update" in text
    m = srv.mail.wait_for(late_to, "не оновлено вчасно")
    assert late["title"] in m["message"]["subject"]
    assert "overdue" in body_text(m["message"])

    # The next run sends neither again (same due dates).
    second = srv.post("reminders_send", {}, token=srv.admin_token).json()["result"]
    assert second["already_sent"] >= 2, second
    # A marker e-mail queued after the second run: once it has arrived,
    # anything the second run had queued would have been sent too.
    marker = f"marker-{uid}@example.org"
    make_dataset(f"marker-{uid}", update_frequency="once a month", data_updated=days_ago(60),
                 maintainer_email=marker)
    srv.post("reminders_send", {}, token=srv.admin_token)
    srv.mail.wait_for(marker, "не оновлено вчасно")
    time.sleep(1)
    assert len(srv.mail.to(soon_to)) == 1
    assert len(srv.mail.to(late_to)) == 1
    assert srv.mail.to(f"later-{uid}@example.org") == []

    # Updated data start a new period, with its own reminder: due in 4 days.
    srv.admin.action.package_patch(id=late["id"], data_updated=days_ago(27))
    third = srv.post("reminders_send", {}, token=srv.admin_token).json()["result"]
    assert third["queued"] >= 1, third
    srv.mail.wait_for(late_to, "Нагадування")
    assert len(srv.mail.to(late_to)) == 2


def test_moderation_notices_go_to_the_submitter(srv, make_org, uid):
    org = make_org(f"mod-{uid}", email=f"rada-{uid}@example.org")
    srv.admin.action.organization_moderation_set(id=org["name"], moderation=True)
    editor = f"ed{uid}"
    token = make_user(srv, editor)
    srv.admin.action.organization_member_create(id=org["name"], username=editor, role="editor")
    d = srv.admin.action.package_create(name=f"budget-{uid}", title="Бюджет міста",
                                        owner_org=org["name"], notes="Видатки за рік.")
    ed = srv.client(token)

    ed.action.package_patch(id=d["id"], title="Бюджет громади")
    ed.action.package_submit(id=d["id"])
    assert srv.anon.action.package_show(id=d["id"])["title"] == "Бюджет міста"
    srv.admin.action.package_review(id=d["id"], decision="return", comment=f"Вкажіть рік {uid}")
    m = srv.mail.wait_for(f"{editor}@example.org", "повернуто на доопрацювання")
    text = body_text(m["message"])
    assert f"Вкажіть рік {uid}" in text
    assert f"/dataset/{d['name']}" in text

    ed.action.package_patch(id=d["id"], title="Бюджет громади 2026")
    ed.action.package_submit(id=d["id"])
    srv.admin.action.package_review(id=d["id"], decision="approve")
    m = srv.mail.wait_for(f"{editor}@example.org", "схвалено")
    assert "were approved and published" in body_text(m["message"])
    assert srv.anon.action.package_show(id=d["id"])["title"] == "Бюджет громади 2026"
    # One notice per decision.
    time.sleep(1)
    assert len(srv.mail.to(f"{editor}@example.org")) == 2


def test_feedback_notice_to_the_responsible_person_and_answer_to_the_author(srv, make_dataset, uid):
    keeper = f"keeper-{uid}@example.org"
    author = f"author-{uid}@example.org"
    d = make_dataset(f"fb-{uid}", title=f"Зупинки {uid}", maintainer_email=keeper)
    f = srv.anon.action.feedback_create(package_id=d["id"], kind="data_error",
                                        message=f"У рядку 5 неправильна адреса {uid}",
                                        author_name="Олена", author_email=author)
    m = srv.mail.wait_for(keeper, "Новий відгук")
    assert d["title"] in m["message"]["subject"]
    text = body_text(m["message"])
    assert f"неправильна адреса {uid}" in text
    assert "/dashboard/feedback" in text

    srv.admin.action.feedback_update(id=f["id"], answer="Виправили, дякуємо!")
    m = srv.mail.wait_for(author, "Відповідь на ваш відгук")
    assert "Виправили, дякуємо!" in body_text(m["message"])
    assert srv.mail.to(f"nobody-{uuid.uuid4().hex[:6]}@example.org") == []
