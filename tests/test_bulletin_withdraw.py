"""Withdrawing a published bulletin version (撤回): only the organisation's secretary, with a
reason and a confirmation; the record keeps the version with who, when and why; its public
addresses say it was withdrawn instead of showing it; bad input changes nothing."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from rectification import services
from rectification.models import Bulletin, BulletinVersion, Membership
from rectification.services.bulletins import BulletinWithdrawError

from . import factories as f

WITHDRAWN_AT = dt.datetime(2026, 3, 2, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
TEXT = "通报正文：福华社区整改进展。"


def _version(bulletin: Bulletin, number: int, user) -> BulletinVersion:
    """A published version as a row (the files are not rendered: these tests are about the record)."""
    return BulletinVersion.objects.create(
        bulletin=bulletin, number=number, html=f"<p>{TEXT}第{number}版</p>", pdf=b"%PDF-1.4\n%%EOF\n",
        docx=b"PK\x03\x04", sha256=f"{number}" * 64, html_sha256="1" * 64, docx_sha256="2" * 64, published_by=user,
    )  # fmt: skip


@pytest.fixture
def published(personas):
    """A's inspection with versions 1 and 2 of its bulletin published."""
    inspection = f.inspection(organisation=personas.tree.a)
    bulletin = Bulletin.objects.create(inspection=inspection)
    v1 = _version(bulletin, 1, personas.secretary_a)
    v2 = _version(bulletin, 2, personas.secretary_a)
    return inspection, v1, v2


def _state(version: BulletinVersion) -> tuple:
    version.refresh_from_db()
    return (version.withdrawn_at, version.withdrawn_by_id, version.withdrawal_reason, version.html, bytes(version.pdf))


def _withdraw(inspection, user, number: int = 2, reason: str = "误将未审定的草稿发布。") -> BulletinVersion:
    with time_machine.travel(WITHDRAWN_AT, tick=False):
        return services.bulletin_withdraw(inspection=inspection, user=user, number=number, reason=reason)


# ------------------------------------------------------------------ the service


def test_secretary_withdraws_and_the_record_keeps_everything(published, personas):
    inspection, v1, v2 = published
    before = _state(v2)
    _withdraw(inspection, personas.secretary_a, reason="  误将未审定的草稿发布。\x07 ")
    at, by, reason, html, pdf = _state(v2)
    assert (at, by, reason) == (WITHDRAWN_AT, personas.secretary_a.pk, "误将未审定的草稿发布。")
    assert (html, pdf) == before[3:]  # the text and the files are kept, nothing deleted
    assert BulletinVersion.objects.filter(bulletin=v2.bulletin).count() == 2
    assert _state(v1)[0] is None  # the other version is untouched


@pytest.mark.parametrize("reason", ["", "   ", "\x00\x07", "长" * 501])
def test_no_reason_changes_nothing(published, personas, reason):
    inspection, _v1, v2 = published
    before = _state(v2)
    with pytest.raises(BulletinWithdrawError):
        _withdraw(inspection, personas.secretary_a, reason=reason)
    assert _state(v2) == before


@pytest.mark.parametrize("persona", ["staff_a", "member_a", "supervisor", "staff_b"])
def test_only_the_organisations_secretary_withdraws(published, personas, persona):
    inspection, _v1, v2 = published
    before = _state(v2)
    with pytest.raises(PermissionDenied):
        _withdraw(inspection, getattr(personas, persona))
    assert _state(v2) == before


def test_the_secretary_of_the_street_above_only_reads(published, personas):
    """An ancestor's secretary reads a community as a supervisor: it does not withdraw its bulletin."""
    street_secretary = f.user(
        username="street_secretary", organisation=personas.tree.street, role=Membership.Role.SECRETARY
    )
    inspection, _v1, v2 = published
    with pytest.raises(PermissionDenied):
        _withdraw(inspection, street_secretary)
    assert _state(v2)[0] is None


def test_already_withdrawn_or_unknown_version_changes_nothing(published, personas):
    inspection, _v1, v2 = published
    _withdraw(inspection, personas.secretary_a, reason="第一次撤回。")
    before = _state(v2)
    with pytest.raises(BulletinWithdrawError, match="已于 2026-03-02 10:30 撤回"):
        _withdraw(inspection, personas.secretary_a, reason="第二次撤回。")
    assert _state(v2) == before
    with pytest.raises(BulletinWithdrawError):
        _withdraw(inspection, personas.secretary_a, number=9)


def test_another_inspections_version_number_is_not_reached(published, personas):
    """The number is looked up within the inspection named in the URL only."""
    inspection, _v1, v2 = published
    other = f.inspection(organisation=personas.tree.a, feedback_on=dt.date(2025, 2, 5))
    with pytest.raises(BulletinWithdrawError):
        _withdraw(other, personas.secretary_a, number=2)
    assert _state(v2)[0] is None


def test_a_new_version_after_a_withdrawal_takes_the_next_number(published, personas, settings, tmp_path):
    settings.BULLETIN_FONTS = "free"
    settings.BULLETIN_PDF_CACHE_DIR = tmp_path / "cache"
    inspection, _v1, _v2 = published
    _withdraw(inspection, personas.secretary_a)
    v3 = services.bulletin_publish(inspection=inspection, user=personas.secretary_a, today=dt.date(2026, 3, 3))
    assert v3.number == 3 and v3.withdrawn_at is None


# ------------------------------------------------------------------ the form and the view


def _post(client, inspection, **data):
    return client.post(reverse("rectification:bulletin_withdraw", args=[inspection.pk]), data)


@pytest.mark.parametrize(
    "data, message",
    [
        ({"number": 2, "reason": "误发布。"}, "这个字段是必填项"),  # no confirming tick
        ({"number": 2, "reason": "", "confirm": "1"}, "这个字段是必填项"),
        ({"number": 2, "reason": "   ", "confirm": "1"}, "这个字段是必填项"),
        ({"number": 7, "reason": "误发布。", "confirm": "1"}, "不在可用的选项中"),
        ({"number": "x", "reason": "误发布。", "confirm": "1"}, "不在可用的选项中"),
    ],
)
def test_bad_form_says_why_and_changes_nothing(client, published, personas, data, message):
    inspection, _v1, v2 = published
    before = _state(v2)
    client.force_login(personas.secretary_a)
    response = _post(client, inspection, **data)
    assert response.status_code == 400 and message in response.content.decode()
    assert _state(v2) == before


def test_withdrawn_version_is_no_longer_offered(client, published, personas):
    inspection, _v1, v2 = published
    _withdraw(inspection, personas.secretary_a)
    client.force_login(personas.secretary_a)
    response = _post(client, inspection, number=2, reason="再次撤回。", confirm="1")
    assert response.status_code == 400  # not a choice any more: a double submit changes nothing
    assert _state(v2)[2] == "误将未审定的草稿发布。"


def test_withdraw_view_and_the_record(client, published, personas, django_assert_num_queries):
    inspection, _v1, v2 = published
    client.force_login(personas.secretary_a)
    page = client.get(reverse("rectification:bulletin_versions", args=[inspection.pk])).content.decode()
    assert 'id="withdraw"' in page and "撤回该版本" in page
    with time_machine.travel(WITHDRAWN_AT, tick=False):
        response = _post(client, inspection, number=2, reason="误将未审定的草稿发布。", confirm="1")
    assert response.status_code == 302
    assert response["Location"] == reverse("rectification:bulletin_versions", args=[inspection.pk])
    assert _state(v2)[0] == WITHDRAWN_AT
    client.force_login(personas.staff_a)
    # session, user, memberships (scope), inspection, draft, the unread-notification count,
    # versions with their publishers and withdrawers: however many versions there are
    with django_assert_num_queries(7):
        record = client.get(reverse("rectification:bulletin_versions", args=[inspection.pk])).content.decode()
    assert "已撤回" in record and "2026-03-02 10:30 由李书记撤回" in record and "误将未审定的草稿发布。" in record
    assert "现行" in record  # version 1 is current again
    assert 'id="withdraw"' not in record  # staff get no withdrawal form


def test_supervisor_gets_no_withdrawal_form(client, published, personas):
    inspection, _v1, _v2 = published
    client.force_login(personas.supervisor)
    page = client.get(reverse("rectification:bulletin_versions", args=[inspection.pk]))
    assert page.status_code == 200 and 'id="withdraw"' not in page.content.decode()


# ------------------------------------------------------------------ public addresses


def test_public_addresses_of_a_withdrawn_version_say_so(client, published, personas):
    inspection, v1, v2 = published
    _withdraw(inspection, personas.secretary_a)
    slug = inspection.organisation.slug
    for name in ("public_bulletin_html", "public_bulletin_pdf", "public_bulletin_docx"):
        response = client.get(reverse(f"rectification:{name}", args=[slug, v2.bulletin_id, 2]))
        body = response.content.decode()
        assert response.status_code == 410, name
        assert response["Content-Type"].startswith("text/html"), name
        assert "该版本已于2026年3月2日 10:30撤回，撤回原因：误将未审定的草稿发布。" in body, name
        assert TEXT not in body, name  # the withdrawn text is not shown, not even under a banner
    # The version 1 stays public and is current again.
    html = client.get(reverse("rectification:public_bulletin_html", args=[slug, v1.bulletin_id, 1]))
    assert html.status_code == 200 and TEXT in html.content.decode()
    latest = client.get(reverse("rectification:public_bulletin_latest", args=[slug, v1.bulletin_id]))
    assert latest["Location"].endswith("/v1/")


def test_public_list_marks_the_withdrawn_version_and_the_current_one(
    client, published, personas, django_assert_num_queries
):
    inspection, _v1, _v2 = published
    _withdraw(inspection, personas.secretary_a)
    # organisation by slug, versions (heavy columns deferred)
    with django_assert_num_queries(2):
        page = client.get(reverse("rectification:public_bulletin_list", args=[inspection.organisation.slug]))
    html = page.content.decode()
    withdrawn = html[html.index('data-version="2"') :].split("</li>")[0]
    current = html[html.index('data-version="1"') :].split("</li>")[0]
    assert "已撤回" in withdrawn and "最新" not in withdrawn and ".pdf" not in withdrawn
    assert "最新" in current and ".pdf" in current


def test_every_version_withdrawn(client, published, personas):
    """The stable address leads to the newest version, which says it was withdrawn; the public
    start page no longer lists the organisation as having a current bulletin."""
    inspection, v1, _v2 = published
    slug = inspection.organisation.slug
    start = client.get(reverse("rectification:public_index")).content.decode()
    assert start.count(f"/public/{slug}/") == 1
    assert f"/public/{personas.tree.b.slug}/" not in start  # nothing published, nothing listed
    _withdraw(inspection, personas.secretary_a, number=2)
    _withdraw(inspection, personas.secretary_a, number=1)
    latest = client.get(reverse("rectification:public_bulletin_latest", args=[slug, v1.bulletin_id]))
    assert latest["Location"].endswith("/v2/") and client.get(latest["Location"]).status_code == 410
    assert f"/public/{slug}/" not in client.get(reverse("rectification:public_index")).content.decode()
    listing = client.get(reverse("rectification:public_bulletin_list", args=[slug])).content.decode()
    assert "最新" not in listing and listing.count("已撤回") == 2


def test_the_database_refuses_a_withdrawal_without_who_or_why(published):
    """The check constraint: a half-filled withdrawal is no record."""
    from django.db import IntegrityError, transaction

    _inspection, _v1, v2 = published
    with pytest.raises(IntegrityError), transaction.atomic():
        BulletinVersion.objects.filter(pk=v2.pk).update(withdrawn_at=WITHDRAWN_AT)


def test_a_stale_form_after_every_version_was_withdrawn_still_says_why(client, published, personas):
    inspection, _v1, _v2 = published
    _withdraw(inspection, personas.secretary_a, number=1)
    _withdraw(inspection, personas.secretary_a, number=2)
    client.force_login(personas.secretary_a)
    assert (
        'id="withdraw"'
        not in client.get(reverse("rectification:bulletin_versions", args=[inspection.pk])).content.decode()
    )
    response = _post(client, inspection, number=2, reason="再次撤回。", confirm="1")
    assert response.status_code == 400 and "不在可用的选项中" in response.content.decode()
