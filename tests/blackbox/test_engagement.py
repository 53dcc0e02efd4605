"""Engagement actions through a real CKAN client (ckanapi) against a live
server: news with a picture uploaded by ckanapi's multipart path, static
pages, the showcase behind review, and a survey answered once per
respondent with its results."""

import io
import uuid

import pytest
import requests
from ckanapi import NotAuthorized, NotFound, ValidationError

from conftest import UA

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da63f8cfc0f01f0005000201a5f7ad2d0000000049454e44ae426082"
)


def test_news_with_picture_and_feed(srv, uid):
    with pytest.raises(NotAuthorized):
        srv.outsider.action.news_create(title="Не можна")
    post = srv.admin.action.news_create(
        title=f"Новина {uid}", name=f"news-{uid}", body="Текст **новини**.", published=True,
        upload=("picture.png", io.BytesIO(PNG)),
    )
    assert post["image_url"].endswith(f"/news/news-{uid}/image")
    shown = srv.anon.action.news_show(id=f"news-{uid}")
    assert shown["title"] == f"Новина {uid}"
    img = requests.get(post["image_url"], headers={"User-Agent": UA}, timeout=30)
    assert img.status_code == 200 and img.headers["Content-Type"] == "image/png"
    assert img.content == PNG
    feed = requests.get(srv.url("/feeds/news.atom"), timeout=30)
    assert feed.headers["Content-Type"].startswith("application/atom+xml")
    assert f"Новина {uid}" in feed.text
    srv.admin.action.news_update(id=post["id"], published=False)
    with pytest.raises(NotFound):
        srv.anon.action.news_show(id=f"news-{uid}")
    with pytest.raises(ValidationError):
        srv.admin.action.news_create(title="Ще", publish_date="колись")


def test_static_page_in_the_menu(srv, uid):
    srv.admin.action.page_create(
        title=f"Регламент {uid}", name=f"page-{uid}", body="Порядок", menu="footer", published=True,
    )
    home = requests.get(srv.url("/"), timeout=30).text
    assert f'href="/pages/page-{uid}"' in home
    assert any(p["name"] == f"page-{uid}" for p in srv.anon.action.page_list())


def test_showcase_waits_for_review(srv, make_org, make_dataset, uid):
    org = make_org(uid)
    ds = make_dataset(owner_org=org["name"])
    item = srv.anon.action.showcase_create(
        title=f"Застосунок {uid}", type="app", notes="Показує дані на мапі міста.",
        url="https://example.org/app", datasets=[ds["name"]],
        author_name="Автор", author_email=f"a-{uid}@example.org",
    )
    with pytest.raises(NotFound):
        srv.anon.action.showcase_show(id=item["name"])
    srv.admin.action.showcase_review(id=item["name"], moderation="approved")
    used = srv.anon.action.showcase_list(package_id=ds["name"])
    assert [s["name"] for s in used] == [item["name"]]


def test_survey_once_per_respondent(srv, uid):
    srv.admin.action.survey_create(
        title=f"Опитування {uid}", name=f"survey-{uid}", public_results=True,
        questions=[
            {"id": "need", "kind": "single", "label": "Що потрібно?", "options": ["бюджет", "транспорт"], "required": True},
            {"id": "score", "kind": "scale", "label": "Оцінка"},
        ],
    )
    r1 = f"browser-{uuid.uuid4().hex}"
    assert srv.anon.action.survey_answer(id=f"survey-{uid}", respondent=r1, answers={"need": "бюджет", "score": "5"})["counted"]
    assert not srv.anon.action.survey_answer(id=f"survey-{uid}", respondent=r1, answers={"need": "транспорт"})["counted"]
    with pytest.raises(ValidationError):
        srv.anon.action.survey_answer(id=f"survey-{uid}", respondent=f"browser-{uid}", answers={"score": "5"})
    res = srv.anon.action.survey_results(id=f"survey-{uid}")
    assert res["responses"] == 1
    assert res["questions"][0]["counts"] == [{"value": "бюджет", "count": 1}, {"value": "транспорт", "count": 0}]
