"""Public disclosure: the contact paragraph, the cacheable public pages (304, Cache-Control,
no cookie, no Vary: Cookie), the light page (no web fonts), the comment form with its
limits, and the register of comments with its counts."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from rectification import services
from rectification.documents.kinds.bulletin import bulletin_document
from rectification.models import Bulletin, Measure, PublicComment
from rectification.selectors.comments import comment_counts, comment_register
from rectification.services import comments as comment_service

from . import factories as f

TODAY = dt.date(2025, 12, 31)


@pytest.fixture(autouse=True)
def isolated(settings, tmp_path):
    settings.BULLETIN_FONTS = "free"
    settings.BULLETIN_PDF_CACHE_DIR = tmp_path / "cache"
    cache.clear()


@pytest.fixture
def small(personas):
    inspection = f.inspection(organisation=personas.tree.a)
    item = f.finding(category=f.category(inspection=inspection, title="关于测试方面"), heading="测试事项")
    f.measure(finding=item, title="第一项措施", progress="已完成。", status=Measure.Status.DONE)
    return inspection


def _contact(inspection, user, **fields):
    org = inspection.organisation
    org.contact_phone, org.contact_hours = "0755-83000000", "工作日9:00—12:00、14:00—18:00"
    org.contact_email = "fuhua@example.gov.cn"
    org.save()
    version = Bulletin.objects.filter(inspection=inspection).values_list("version", flat=True).first() or 1
    return services.bulletin_update(inspection=inspection, user=user, expected_version=version, **fields)


def _publish(inspection, user):
    return services.bulletin_publish(inspection=inspection, user=user, today=TODAY)


def _page(version):
    org = version.bulletin.inspection.organisation
    return reverse("rectification:public_bulletin_html", args=[org.slug, version.bulletin_id, version.number])


# ------------------------------------------------------------------ the closing paragraph


def test_closing_paragraph_in_real_bulletin_wording(small, personas):
    draft = _contact(
        small,
        personas.secretary_a,
        comment_until=dt.date(2026, 1, 31),
        contact_address="深圳市福田区福华路1号（518000）",
    )
    last = bulletin_document(draft, today=TODAY).blocks[-1]
    assert last.kind == "contact"
    assert last.text == (
        "欢迎广大干部群众对巡察整改落实情况进行监督。如有意见建议，请于2026年1月31日前通过以下方式向我们反映："
        "联系电话：0755-83000000（工作日9:00—12:00、14:00—18:00）；通信地址：深圳市福田区福华路1号（518000）；"
        "电子邮箱：fuhua@example.gov.cn。"
    )


def test_bulletin_fields_override_the_organisations_and_nothing_set_prints_nothing(small, personas):
    draft = services.bulletin_update(inspection=small, user=personas.secretary_a, expected_version=1)
    assert all(getattr(b, "kind", "") != "contact" for b in bulletin_document(draft, today=TODAY).blocks)
    draft = _contact(small, personas.secretary_a, contact_phone="12345678")
    text = bulletin_document(draft, today=TODAY).blocks[-1].text
    assert "联系电话：12345678（工作日" in text and "0755" not in text and "请通过以下方式" in text


# ------------------------------------------------------------------ caching


def test_frozen_version_is_cacheable_and_answers_304(client, small, personas, django_assert_max_num_queries):
    _contact(small, personas.secretary_a, comment_until=dt.date(2026, 1, 31))
    version = _publish(small, personas.secretary_a)
    slug = small.organisation.slug
    for url in [
        _page(version),
        reverse("rectification:public_bulletin_pdf", args=[slug, version.bulletin_id, 1]),
        reverse("rectification:public_bulletin_docx", args=[slug, version.bulletin_id, 1]),
    ]:
        first = client.get(url)
        assert first.status_code == 200, url
        max_age = int(first["Cache-Control"].split("max-age=")[1].split(",")[0])
        assert first["Cache-Control"].startswith("public") and max_age >= 24 * 3600
        assert "cookie" not in first.get("Vary", "").lower() and not first.cookies
        etag = first["ETag"]
        assert etag.startswith('"') and not etag.startswith("W/")
        # What the address needs is in the cache after the first request: no query at all.
        with django_assert_max_num_queries(0):
            again = client.get(url, HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
        assert "cookie" not in again.get("Vary", "").lower() and not again.cookies
        with django_assert_max_num_queries(0):  # the frozen file itself is cached under its checksum
            assert client.get(url, HTTP_IF_NONE_MATCH='"other"').content == first.content


def test_withdrawal_reaches_the_cached_addresses_at_once(client, small, personas, django_capture_on_commit_callbacks):
    version = _publish(small, personas.secretary_a)
    assert client.get(_page(version)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        services.bulletin_withdraw(inspection=small, user=personas.secretary_a, number=1, reason="误发布")
    assert client.get(_page(version)).status_code == 410


def test_public_pages_set_no_cookie_even_for_a_signed_in_reader(client, small, personas):
    version = _publish(small, personas.secretary_a)
    slug = small.organisation.slug
    urls = [
        reverse("rectification:public_index"),
        reverse("rectification:public_bulletin_list", args=[slug]),
        _page(version),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200 and not response.cookies, url
        assert "cookie" not in response.get("Vary", "").lower(), url
        assert "public" in response["Cache-Control"]
    client.force_login(personas.secretary_a)
    page = client.get(reverse("rectification:public_bulletin_list", args=[slug]))
    # The same page as for anyone: no user box, no CSRF token, no cookie.
    assert "李书记" not in page.content.decode() and "csrfmiddlewaretoken" not in page.content.decode()
    assert not page.cookies


def test_public_language_follows_accept_language_not_the_cookie(client, small, personas):
    _publish(small, personas.secretary_a)
    url = reverse("rectification:public_bulletin_list", args=[small.organisation.slug])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "巡察整改进展情况通报" in client.get(url).content.decode()
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8")
    assert "Accept-Language" in english["Vary"] and english["Content-Language"] == "en"


def test_anonymous_root_leads_to_the_published_bulletins(client, small, personas):
    _publish(small, personas.secretary_a)
    index = client.get("/", follow=True)
    assert index.status_code == 200
    assert reverse("rectification:public_bulletin_list", args=[small.organisation.slug]) in index.content.decode()


def test_public_page_loads_no_web_font_and_shows_qr_and_form(client, small, personas):
    _contact(small, personas.secretary_a, comment_until=dt.date(2026, 1, 31))
    version = _publish(small, personas.secretary_a)
    assert "@font-face" in version.html  # the frozen document keeps them (the preview, the PDF)
    with time_machine.travel(dt.datetime(2026, 1, 10, 12), tick=False):
        page = client.get(_page(version)).content.decode()
    assert "@font-face" not in page and ".otf" not in page
    assert "<svg" in page and "本通报网址的二维码" in page
    assert "欢迎广大干部群众对巡察整改落实情况进行监督" in page
    assert 'name="body"' in page and 'name="website"' in page
    with time_machine.travel(dt.datetime(2026, 2, 1, 12), tick=False):
        closed = client.get(_page(version)).content.decode()
    assert 'name="body"' not in closed and "意见征集已于2026年1月31日截止" in closed


# ------------------------------------------------------------------ comments


@pytest.fixture
def open_version(small, personas):
    _contact(small, personas.secretary_a, comment_until=dt.date(2099, 1, 31))
    return _publish(small, personas.secretary_a)


def _comment_url(version):
    org = version.bulletin.inspection.organisation
    return reverse("rectification:public_comment", args=[org.slug, version.bulletin_id, version.number])


def test_comment_is_stored_privately_and_the_sixth_in_a_minute_is_refused(client, open_version, settings):
    settings.COMMENT_RATE_PER_MINUTE = 5  # the default (settings_test raises it for other tests)
    url = _comment_url(open_version)
    for i in range(5):
        response = client.post(url, {"body": f"第{i}条意见", "name": "张三", "contact": "13800000000"})
        assert response.status_code == 200 and "感谢您的意见建议" in response.content.decode()
        assert not response.cookies
    sixth = client.post(url, {"body": "第六条"})
    assert sixth.status_code == 429 and "请稍候一分钟再试" in sixth.content.decode()
    assert PublicComment.objects.count() == 5
    assert not PublicComment.objects.filter(body="第六条").exists()
    # Another address has its own minute.
    assert client.post(url, {"body": "另一个地址"}, REMOTE_ADDR="10.0.0.9").status_code == 200
    # Never on a public page.
    assert "第0条意见" not in client.get(_page(open_version)).content.decode()


def test_comment_honeypot_size_and_closed_window(client, open_version, small, personas):
    url = _comment_url(open_version)
    assert client.post(url, {"body": "机器人", "website": "http://spam"}).status_code == 200
    assert not PublicComment.objects.exists()
    too_long = client.post(url, {"body": "长" * 2001})
    assert too_long.status_code in (400, 413) and not PublicComment.objects.exists()
    empty = client.post(url, {"body": "  "})
    assert empty.status_code == 400 and "请填写意见建议" in empty.content.decode()
    services.bulletin_update(
        inspection=small, user=personas.secretary_a, expected_version=2, comment_until=dt.date(2020, 1, 1)
    )
    closed = client.post(url, {"body": "过期意见"})
    assert closed.status_code == 403 and "意见征集已经结束" in closed.content.decode()
    assert not PublicComment.objects.exists()


def test_register_log_answer_close_and_counts(client, open_version, personas, django_assert_num_queries):
    org = personas.tree.a
    client.post(_comment_url(open_version), {"body": "网页意见"})
    logged = comment_service.comment_log(
        user=personas.secretary_a, organisation=org, channel="phone", body="电话反映：路灯不亮", name="李四"
    )
    counts = comment_counts(organisation_ids=[org.pk])[org.pk]
    assert (counts.received, counts.answered, counts.open) == (2, 0, 2)
    with pytest.raises(ValidationError):
        comment_service.comment_close(user=personas.secretary_a, comment=logged)
    with pytest.raises(PermissionDenied):
        comment_service.comment_answer(user=personas.member_a, comment=logged, answer="已修复")
    with pytest.raises(ValidationError):  # another organisation's staff cannot be assigned
        comment_service.comment_answer(
            user=personas.secretary_a, comment=logged, answer="x", assignee_id=personas.staff_b.pk
        )
    comment_service.comment_answer(
        user=personas.secretary_a, comment=logged, answer="已修复路灯", assignee_id=personas.staff_a.pk
    )
    counts = comment_counts(organisation_ids=[org.pk])[org.pk]
    assert (counts.received, counts.answered, counts.open) == (2, 1, 2)
    comment_service.comment_close(user=personas.secretary_a, comment=logged)
    counts = comment_counts(organisation_ids=[org.pk])[org.pk]
    assert (counts.received, counts.answered, counts.open) == (2, 1, 1)
    # Each count's list is the register filtered by the same rule.
    assert comment_register(organisation_ids=[org.pk], state="open").count() == counts.open
    assert comment_register(organisation_ids=[org.pk], state="answered").count() == counts.answered
    with pytest.raises(ValidationError):
        comment_service.comment_answer(user=personas.secretary_a, comment=logged, answer="改")

    client.force_login(personas.member_a)
    # session, user, memberships, organisations, comments, counts, the unread count
    with django_assert_num_queries(7):
        page = client.get(reverse("rectification:comment_list"))
    assert page.status_code == 200 and "电话反映：路灯不亮" in page.content.decode()
    detail = client.get(reverse("rectification:comment_detail", args=[logged.pk]))
    assert detail.status_code == 200 and "comment_answer" not in detail.content.decode()
    assert client.post(reverse("rectification:comment_close", args=[logged.pk])).status_code == 403
    client.force_login(personas.staff_a)
    assert client.get(reverse("rectification:comment_list")).status_code == 403
    client.force_login(personas.supervisor)  # reads the organisation, not its register
    assert client.get(reverse("rectification:comment_detail", args=[logged.pk])).status_code == 403
    client.force_login(personas.staff_b)  # another organisation's
    assert client.get(reverse("rectification:comment_detail", args=[logged.pk])).status_code == 404


def test_secretary_logs_and_answers_through_the_pages(client, personas):
    org = personas.tree.a
    client.force_login(personas.secretary_a)
    new = reverse("rectification:comment_new", args=[org.pk])
    assert client.get(new).status_code == 200
    bad = client.post(new, {"channel": "web", "body": "x"})
    assert bad.status_code == 400 and not PublicComment.objects.exists()
    response = client.post(new, {"channel": "letter", "body": "来信：建议增加路灯", "received_on": "2025-12-01"})
    comment = PublicComment.objects.get()
    assert response.status_code == 302 and comment.channel == "letter" and comment.logged_by == personas.secretary_a
    answer = reverse("rectification:comment_answer", args=[comment.pk])
    assert client.post(answer, {"answer": "已答复来信人", "assignee": personas.staff_a.pk}).status_code == 302
    assert client.post(reverse("rectification:comment_close", args=[comment.pk])).status_code == 302
    comment.refresh_from_db()
    assert comment.closed_at and comment.assignee == personas.staff_a and comment.answer == "已答复来信人"
    # Another organisation's id: 404, nothing logged.
    assert (
        client.post(
            reverse("rectification:comment_new", args=[personas.tree.b.pk]), {"channel": "phone", "body": "x"}
        ).status_code
        == 404
    )
    assert PublicComment.objects.count() == 1


def test_register_rides_with_the_ledger_export_for_its_readers_only(client, personas, measure_a):
    import io

    import openpyxl

    from rectification.ledger.reader import read_ledger

    org = personas.tree.a
    comment_service.comment_log(
        user=personas.secretary_a, organisation=org, channel="phone", body="=HYPERLINK(1) 电话反映路灯不亮"
    )
    url = reverse("rectification:ledger_export", args=[measure_a.finding.category.inspection.pk])
    client.force_login(personas.secretary_a)
    data = client.get(url).content
    ws = openpyxl.load_workbook(io.BytesIO(data))["意见建议登记簿"]
    assert [c.value for c in ws[1]][:5] == ["收到时间", "来源", "姓名", "联系方式", "意见建议"]
    assert ws["B2"].value == "电话" and ws["E2"].value == "=HYPERLINK(1) 电话反映路灯不亮" and ws["E2"].data_type == "s"
    assert ws["I2"].value == "待答复"
    assert not read_ledger(data).problems  # the import reads the ledger as before, the register ignored
    client.force_login(personas.staff_a)  # reads the ledger, not the register
    assert "意见建议登记簿" not in openpyxl.load_workbook(io.BytesIO(client.get(url).content)).sheetnames
