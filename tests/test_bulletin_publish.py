"""Editing and publishing the bulletin, its public pages, who may do what, the command."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.urls import reverse

from rectification import services
from rectification.documents import pdf as bulletin_pdf
from rectification.models import Bulletin, BulletinVersion, Measure
from rectification.services.bulletins import BulletinConflictError, BulletinRenderError

from . import factories as f


@pytest.fixture(autouse=True)
def isolated_cache(settings, tmp_path):
    settings.BULLETIN_FONTS = "free"
    settings.BULLETIN_PDF_CACHE_DIR = tmp_path / "cache"


@pytest.fixture
def small(personas):
    """A small inspection of organisation A with one item and two measures."""
    inspection = f.inspection(organisation=personas.tree.a)
    item = f.finding(category=f.category(inspection=inspection, title="关于测试方面"), heading="测试事项")
    f.measure(finding=item, title="第一项措施", progress="已完成。", status=Measure.Status.DONE)
    f.measure(finding=item, title="第二项措施", progress="正在推进。")
    return inspection


def _publish(inspection, user, **kw) -> BulletinVersion:
    return services.bulletin_publish(inspection=inspection, user=user, today=dt.date(2025, 12, 31), **kw)


# ------------------------------------------------------------------ services


def test_update_saves_and_refuses_a_stale_version(small, personas):
    secretary = personas.secretary_a
    saved = services.bulletin_update(inspection=small, user=secretary, expected_version=1, section1_text="第一稿。")
    assert (saved.version, saved.section1_text) == (2, "第一稿。")
    with pytest.raises(BulletinConflictError):
        services.bulletin_update(inspection=small, user=secretary, expected_version=1, section1_text="旧表单。")
    assert Bulletin.objects.get(inspection=small).section1_text == "第一稿。"
    with pytest.raises(PermissionDenied):
        services.bulletin_update(inspection=small, user=personas.staff_a, expected_version=2, section1_text="x")


def test_published_version_stays_byte_identical_after_the_data_changes(small, personas):
    v1 = _publish(small, personas.secretary_a)
    frozen = (bytes(v1.pdf), v1.html, v1.sha256)
    assert v1.number == 1 and v1.published_by == personas.secretary_a
    assert (
        v1.sha256 == hashlib.sha256(frozen[0]).hexdigest()
        and v1.html_sha256 == hashlib.sha256(v1.html.encode()).hexdigest()
    )
    assert frozen[0].startswith(b"%PDF") and "第一项措施" in v1.html

    Measure.objects.filter(finding__category__inspection=small).update(progress="进展已更新。")
    services.bulletin_update(
        inspection=small, user=personas.secretary_a, expected_version=1, section1_text="新的正文。"
    )
    v2 = _publish(small, personas.secretary_a, expected_version=2)

    v1 = BulletinVersion.objects.get(pk=v1.pk)
    assert (bytes(v1.pdf), v1.html, v1.sha256) == frozen
    assert v2.number == 2 and v2.sha256 != v1.sha256 and "进展已更新" in v2.html and "进展已更新" not in v1.html


def test_a_rendering_failure_publishes_nothing(small, personas, monkeypatch):
    def broken(html, *, fetcher=None):
        raise RuntimeError("WeasyPrint failed")

    monkeypatch.setattr(bulletin_pdf, "write_pdf", broken)
    with pytest.raises(BulletinRenderError) as raised:
        _publish(small, personas.secretary_a)
    assert str(raised.value.__cause__) == "WeasyPrint failed"
    assert not BulletinVersion.objects.exists()


def test_publishing_a_draft_edited_meanwhile_is_refused(small, personas):
    services.bulletin_update(inspection=small, user=personas.secretary_a, expected_version=1, intro="开篇。")
    with pytest.raises(BulletinConflictError):
        _publish(small, personas.secretary_a, expected_version=1)
    assert not BulletinVersion.objects.exists()


@pytest.mark.parametrize("persona", ["staff_a", "member_a", "supervisor", "staff_b"])
def test_only_the_secretary_publishes(small, personas, persona):
    with pytest.raises(PermissionDenied):
        _publish(small, getattr(personas, persona))
    assert not BulletinVersion.objects.exists()


# ------------------------------------------------------------------ editor views


def test_editor_saves_and_previews_without_saving(client, small, personas):
    client.force_login(personas.secretary_a)
    url = reverse("rectification:bulletin_edit", args=[small.pk])
    page = client.get(url)
    assert page.status_code == 200 and "bulletin-preview" in page.content.decode()
    form = {**page.context["form"].initial, "expected_version": 1, "issued_on": "2025-12-31"}
    form = {k: ("" if v is None else v) for k, v in form.items()}

    preview = client.post(
        reverse("rectification:bulletin_preview", args=[small.pk]), {**form, "section1_text": "<b>预览</b>"}
    )
    assert preview.status_code == 200 and "&lt;b&gt;预览&lt;/b&gt;" in preview.content.decode()
    assert "default-src 'none'" in preview["Content-Security-Policy"]
    assert not Bulletin.objects.filter(inspection=small).exists()  # the preview wrote nothing

    saved = client.post(url, {**form, "section1_text": "正文。"})
    assert saved.status_code == 302
    assert Bulletin.objects.get(inspection=small).version == 2
    stale = client.post(url, {**form, "section1_text": "过期的表单。"})
    assert stale.status_code == 409 and "已被他人修改" in stale.content.decode()
    assert Bulletin.objects.get(inspection=small).section1_text == "正文。"


def test_draft_pdf_download_and_publish_view(client, small, personas):
    client.force_login(personas.secretary_a)
    response = client.get(reverse("rectification:bulletin_pdf", args=[small.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and response["X-Bulletin-Cache"] == "miss"
    assert client.get(reverse("rectification:bulletin_pdf", args=[small.pk]))["X-Bulletin-Cache"] == "hit"
    published = client.post(reverse("rectification:bulletin_publish", args=[small.pk]), {"expected_version": 1})
    assert published.status_code == 302
    assert BulletinVersion.objects.get().number == 1


def test_publish_view_reports_a_rendering_failure_and_changes_nothing(client, small, personas, monkeypatch, caplog):
    def broken(html, *, fetcher=None):
        raise RuntimeError("WeasyPrint failed")

    services.bulletin_update(inspection=small, user=personas.secretary_a, expected_version=1, intro="开篇。")
    draft = Bulletin.objects.values().get(inspection=small)
    monkeypatch.setattr(bulletin_pdf, "write_pdf", broken)
    client.force_login(personas.secretary_a)
    response = client.post(reverse("rectification:bulletin_publish", args=[small.pk]), {"expected_version": 2})
    assert response.status_code == 302
    assert response["Location"] == reverse("rectification:bulletin_edit", args=[small.pk])
    assert not BulletinVersion.objects.exists() and Bulletin.objects.values().get(inspection=small) == draft
    assert [r.exc_info[1].__cause__.args for r in caplog.records if r.exc_info] == [("WeasyPrint failed",)]
    page = client.get(response["Location"])
    assert "通报未发布：生成 PDF 时出错，请稍后重试或联系管理员。" in page.content.decode()


def test_editor_notes_empty_sections_and_a_missing_issue_date(client, small, personas):
    """A heading over no text and a draft dated today are said before publishing."""
    client.force_login(personas.secretary_a)
    url = reverse("rectification:bulletin_edit", args=[small.pk])
    page = client.get(url).content.decode()
    assert "“党组织履行巡察整改主体责任情况”部分没有正文" in page
    assert "“下一步工作打算”部分没有正文" in page
    assert "未填写成文日期：草稿按今天" in page
    Bulletin.objects.update_or_create(
        inspection=small,
        defaults={"section1_text": "正文。", "section3_heading": "", "issued_on": dt.date(2025, 12, 31)},
    )
    page = client.get(url).content.decode()
    assert "bulletin-notes" not in page and "没有正文" not in page


def test_editor_saves_blank_section_headings(client, small, personas):
    client.force_login(personas.secretary_a)
    url = reverse("rectification:bulletin_edit", args=[small.pk])
    page = client.get(url)
    assert "留空则不显示该部分标题" in page.content.decode()
    form = {**page.context["form"].initial, "expected_version": 1, "issued_on": "2025-12-31"}
    form = {k: ("" if v is None else v) for k, v in form.items()}
    blank = {"section1_heading": "", "section2_heading": "", "section3_heading": ""}
    assert client.post(url, {**form, **blank}).status_code == 302
    saved = Bulletin.objects.get(inspection=small)
    assert (saved.section1_heading, saved.section2_heading, saved.section3_heading) == ("", "", "")


@pytest.mark.parametrize(
    ("persona", "status"),
    [("secretary_a", 200), ("staff_a", 403), ("member_a", 403), ("supervisor", 403), ("staff_b", 404)],
)
def test_only_the_secretary_edits(client, small, personas, persona, status):
    client.force_login(getattr(personas, persona))
    for name in ("bulletin_edit", "bulletin_preview", "bulletin_pdf"):
        assert client.get(reverse(f"rectification:{name}", args=[small.pk])).status_code == status
    publish = client.post(reverse("rectification:bulletin_publish", args=[small.pk]))
    assert publish.status_code == (302 if status == 200 else status)
    assert BulletinVersion.objects.exists() == (status == 200)


# ------------------------------------------------------------------ public pages


def test_public_pages_need_no_login_and_show_published_versions_only(
    client, small, personas, django_assert_num_queries
):
    slug = small.organisation.slug
    bulletin_id_of = lambda: Bulletin.objects.get(inspection=small).pk  # noqa: E731
    services.bulletin_update(inspection=small, user=personas.secretary_a, expected_version=1, intro="草稿开篇。")
    draft_urls = [
        reverse("rectification:public_bulletin_latest", args=[slug, bulletin_id_of()]),
        reverse("rectification:public_bulletin_html", args=[slug, bulletin_id_of(), 1]),
        reverse("rectification:public_bulletin_pdf", args=[slug, bulletin_id_of(), 1]),
    ]
    assert [client.get(url).status_code for url in draft_urls] == [404, 404, 404]
    assert "草稿开篇" not in client.get(reverse("rectification:public_bulletin_list", args=[slug])).content.decode()

    v1 = _publish(small, personas.secretary_a)
    _publish(small, personas.secretary_a)
    listing = reverse("rectification:public_bulletin_list", args=[slug])
    # organisation by slug, versions (heavy columns deferred)
    with django_assert_num_queries(2):
        page = client.get(listing)
    assert page.status_code == 200 and "第 1 版" in page.content.decode() and "第 2 版" in page.content.decode()

    html = client.get(reverse("rectification:public_bulletin_html", args=[slug, v1.bulletin_id, 1]))
    # The frozen document, without its web fonts (the reader's own show it; the PDF is the
    # faithful copy), with the page's extras after it (views/public.py).
    body = v1.html.split("<body>")[1].split("</body>")[0]
    assert html.status_code == 200 and body in html.content.decode() and "@font-face" not in html.content.decode()
    pdf = client.get(reverse("rectification:public_bulletin_pdf", args=[slug, v1.bulletin_id, 1]))
    assert pdf.status_code == 200 and pdf.content == bytes(v1.pdf) and pdf["ETag"] == f'"{v1.sha256}"'
    latest = client.get(reverse("rectification:public_bulletin_latest", args=[slug, v1.bulletin_id]))
    assert latest.status_code == 302 and latest["Location"].endswith("/v2/")
    # Another organisation's address does not reach this version.
    other = personas.tree.b.slug
    assert client.get(reverse("rectification:public_bulletin_html", args=[other, v1.bulletin_id, 1])).status_code == 404
    assert client.get(reverse("rectification:public_bulletin_list", args=["no-such-org"])).status_code == 404


def test_version_list_for_readers(client, small, personas, django_assert_num_queries):
    for _ in range(3):
        _publish(small, personas.secretary_a)
    client.force_login(personas.staff_a)
    url = reverse("rectification:bulletin_versions", args=[small.pk])
    # session, user, memberships (scope), inspection, draft, the unread-notification count,
    # versions with their publishers: however many versions there are
    with django_assert_num_queries(7):
        response = client.get(url)
    assert (
        response.status_code == 200
        and "第 1 版" in response.content.decode()
        and "第 3 版" in response.content.decode()
    )
    client.force_login(personas.staff_b)
    assert client.get(url).status_code == 404


# ------------------------------------------------------------------ command


def test_render_bulletin_command(small, tmp_path, capsys):
    out, html = tmp_path / "out.pdf", tmp_path / "out.html"
    call_command("render_bulletin", str(small.pk), "--output", str(out), "--html", str(html))
    assert out.read_bytes().startswith(b"%PDF") and "测试事项" in html.read_text(encoding="utf-8")
    assert "SHA-256" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("render_bulletin", "999999", "--output", str(out))
    with pytest.raises(CommandError):
        call_command("render_bulletin", str(small.pk))


def test_bulletin_index_lists_visible_inspections(client, small, personas, django_assert_num_queries):
    f.inspection(organisation=personas.tree.a, feedback_on=dt.date(2025, 3, 1))
    f.inspection(organisation=personas.tree.b)
    client.force_login(personas.supervisor)
    # session, user, memberships (scope), inspections with counts, unread-notification
    # count, documents awaiting the supervisor's review (menu): however many inspections
    with django_assert_num_queries(6):
        response = client.get(reverse("rectification:bulletin_index"))
    assert response.status_code == 200
    assert response.content.decode().count("/bulletin/versions/") == 3  # A's two and B's, below the street


def test_editor_drops_control_characters(client, small, personas):
    client.force_login(personas.secretary_a)
    url = reverse("rectification:bulletin_edit", args=[small.pk])
    form = {k: ("" if v is None else v) for k, v in client.get(url).context["form"].initial.items()}
    response = client.post(url, {**form, "expected_version": 1, "section3_text": "甲\x1b[31m乙\x07\r\n丙\t丁"})
    assert response.status_code == 302
    assert Bulletin.objects.get(inspection=small).section3_text == "甲[31m乙\r\n丙\t丁"
