"""Urging from above (督办): the colour warning on its exact days, a 督办函 issued on two
overdue measures and answered with an attachment, what the roll-up then shows, bad
input, and a supervisor of another street who can do none of it."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from rectification.models import Measure, Membership, Notification, Talk, UrgingLetter
from rectification.selectors.rollup import rollup_rows
from rectification.selectors.urging import urge_candidates, urging_counts
from rectification.services import urging as service
from rectification.urge_colour import GREEN, RED, YELLOW, urge_colour, urge_colour_q

from . import factories as f

pytestmark = pytest.mark.django_db

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 3, 10)
NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=TZ)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
RULES = {"URGE_GREEN_DAYS": 10, "URGE_YELLOW_DAYS": 3}


def _rules(settings) -> None:
    settings.RECTIFICATION = {**settings.RECTIFICATION, **RULES}


# ------------------------------------------------------------------ the colour rule


@pytest.mark.parametrize(
    ("day", "colour"),
    [
        (dt.date(2026, 3, 9), None),  # 11 days before: nothing yet
        (dt.date(2026, 3, 10), GREEN),  # URGE_GREEN_DAYS (10) before the deadline
        (dt.date(2026, 3, 16), GREEN),  # 4 days before
        (dt.date(2026, 3, 17), YELLOW),  # URGE_YELLOW_DAYS (3) before
        (dt.date(2026, 3, 20), YELLOW),  # the deadline day itself
        (dt.date(2026, 3, 21), RED),  # the day after: overdue
    ],
)
def test_a_measure_changes_colour_on_the_days_the_settings_say(client, settings, personas, day, colour):
    _rules(settings)
    measure = f.measure_in(personas.tree.a, due_on=dt.date(2026, 3, 20))
    f.measure(finding=measure.finding, status=Measure.Status.DONE, due_on=dt.date(2026, 3, 1))
    with time_machine.travel(dt.datetime.combine(day, dt.time(10), tzinfo=TZ), tick=False):
        today = timezone.localdate()
        assert urge_colour(measure.due_on, today) == colour
        shown = {
            c.measure.pk: c.colour for c in urge_candidates(inspection=measure.finding.category.inspection, today=today)
        }
        assert shown == {measure.pk: colour}  # the signed-off one is never urged
        # The query form of the rule picks the same measures as the rule itself.
        for each in (GREEN, YELLOW, RED):
            picked = set(Measure.objects.filter(urge_colour_q(each, today)).values_list("pk", flat=True))
            assert picked == ({measure.pk} if each == colour else set())
        # The measure's page and the measure list show it as a badge.
        client.force_login(personas.secretary_a)
        for url in (reverse("rectification:measure_detail", args=[measure.pk]), reverse("rectification:measure_list")):
            html = client.get(url).content.decode()
            assert html.count('class="badge urge urge-') == (1 if colour else 0), url
            if colour:
                assert f"urge-{colour}" in html


def test_no_colour_without_a_deadline_or_once_done():
    assert urge_colour(None, TODAY) is None
    assert urge_colour(TODAY - dt.timedelta(days=5), TODAY, done=True) is None
    assert urge_colour(TODAY, TODAY, days=(0, 0)) == YELLOW


# ------------------------------------------------------------------ the whole round


@pytest.fixture
def overdue(personas):
    """Two overdue measures of A and one not yet due, in one inspection."""
    first = f.measure_in(personas.tree.a, title="规范三务公开", due_on=dt.date(2026, 2, 1))
    second = f.measure(finding=first.finding, title="整改台账补齐", due_on=dt.date(2026, 3, 1))
    later = f.measure(finding=first.finding, title="建立长效机制", due_on=dt.date(2026, 12, 31))
    return first, second, later


@time_machine.travel(NOW, tick=False)
def test_letter_on_two_overdue_measures_answered_and_rolled_up(client, settings, personas, overdue, tmp_path):
    _rules(settings)
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                                          "OPTIONS": {"location": str(tmp_path)}}}  # fmt: skip
    first, second, later = overdue
    inspection = first.finding.category.inspection
    client.force_login(personas.supervisor)
    form = client.get(reverse("rectification:urging_new", args=[inspection.pk]) + "?colour=red")
    assert form.status_code == 200
    assert form.context["chosen"] == {str(first.pk), str(second.pk)}  # the red ones, preselected
    assert "红色预警" in form.content.decode()
    data = {
        "subject": "关于加快推进巡察整改工作的督办函",
        "text": "你单位两项整改措施已超过完成时限，请抓紧推进。",
        "reply_due_on": "2026-03-17",
        "measures": [first.pk, second.pk],
        "token": "t-1",
    }
    response = client.post(reverse("rectification:urging_new", args=[inspection.pk]), data)
    letter = UrgingLetter.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "rectification:urging_letter", args=[letter.pk]
    )
    assert client.post(reverse("rectification:urging_new", args=[inspection.pk]), data).status_code == 302
    assert UrgingLetter.objects.count() == 1  # the form sent twice makes one letter
    assert letter.number == f"{personas.tree.street.short_name}巡督〔2026〕1号"
    assert set(letter.measures.all()) == {first, second}
    notice = Notification.objects.get(recipient=personas.secretary_a)
    assert notice.kind == "urging_issued" and letter.number in notice.message and "2026-03-17" in notice.message

    rows = {r.organisation.pk: r for r in rollup_rows(root=personas.tree.street, today=TODAY)}
    assert (rows[personas.tree.a.pk].urging.open, rows[personas.tree.a.pk].urging.answered) == (1, 0)

    # The secretary answers in writing, with a file; the supervisor hears of it.
    client.force_login(personas.secretary_a)
    page = client.get(reverse("rectification:urging_letter", args=[letter.pk]))
    assert page.status_code == 200 and page.context["form"] is not None
    upload = SimpleUploadedFile("整改说明.pdf", PDF, content_type="application/pdf")
    response = client.post(
        reverse("rectification:urging_reply", args=[letter.pk]),
        {"text": "两项措施已完成整改，佐证见附件。", "files": [upload]},
    )
    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.reply.text == "两项措施已完成整改，佐证见附件。" and letter.reply.replied_by == personas.secretary_a
    (attachment,) = letter.reply.attachments.all()
    assert attachment.original_name == "整改说明.pdf" and attachment.content_type == "application/pdf"
    assert attachment.file.read() == PDF
    assert Notification.objects.get(recipient=personas.supervisor).kind == "urging_replied"
    # A second reply (a double submit) is refused with a message, nothing changes.
    again = client.post(reverse("rectification:urging_reply", args=[letter.pk]), {"text": "再次回复"})
    assert again.status_code == 400 and "该督办函已回复，不能重复回复。" in again.content.decode()
    letter.reply.refresh_from_db()
    assert letter.reply.text.startswith("两项措施")

    client.force_login(personas.supervisor)
    download = client.get(reverse("rectification:urging_attachment", args=[attachment.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    rollup = client.get(reverse("rectification:rollup"))
    row = next(r for r in rollup.context["rows"] if r.organisation == personas.tree.a)
    assert (row.urging.open, row.urging.answered, row.urging.late) == (0, 1, 0)
    assert "已回复 1" in rollup.content.decode()
    listing = client.get(reverse("rectification:urging_organisation", args=[personas.tree.a.pk]))
    assert letter.number in listing.content.decode() and "已回复" in listing.content.decode()


def test_a_second_reply_is_refused(personas, overdue):
    letter = _issue(personas, overdue)
    service.urging_reply(user=personas.secretary_a, letter=letter, text="已整改。")
    with pytest.raises(ValidationError, match="已回复"):
        service.urging_reply(user=personas.secretary_a, letter=letter, text="又一次")


def _issue(personas, overdue, **kwargs) -> UrgingLetter:
    first, second, _later = overdue
    args = {
        "user": personas.supervisor,
        "inspection": first.finding.category.inspection,
        "measure_ids": [first.pk, second.pk],
        "subject": "督办函",
        "text": "请加快整改。",
        "reply_due_on": TODAY + dt.timedelta(days=7),
        "today": TODAY,
    }
    return service.urging_issue(**{**args, **kwargs})


def test_numbers_follow_each_other_per_issuer_and_year(personas, overdue):
    one, two = _issue(personas, overdue), _issue(personas, overdue)
    assert (one.serial, two.serial) == (1, 2) and one.year == two.year == 2026
    next_year = dt.date(2027, 1, 4)
    three = _issue(personas, overdue, today=next_year, reply_due_on=next_year + dt.timedelta(days=7))
    assert (three.year, three.serial) == (2027, 1)
    assert one.prefix.endswith("巡督") and one.number == f"{one.prefix}〔2026〕1号"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"reply_due_on": TODAY - dt.timedelta(days=1)}, "回复期限"),
        ({"reply_due_on": TODAY + dt.timedelta(days=400)}, "回复期限"),
        ({"reply_due_on": None}, "回复期限"),
        ({"text": "   "}, "督办内容"),
        ({"subject": "x" * 201}, "事由"),
    ],
)
def test_bad_letters_are_refused_and_nothing_is_issued(personas, overdue, change, message):
    with pytest.raises(ValidationError, match=message):
        _issue(personas, overdue, **change)
    assert not UrgingLetter.objects.exists() and not Notification.objects.exists()


def test_measures_of_another_inspection_or_signed_off_are_refused(personas, overdue, measure_b):
    with pytest.raises(ValidationError, match="不属于该巡察"):
        _issue(personas, overdue, measure_ids=[overdue[0].pk, measure_b.pk])
    done = f.measure(finding=overdue[0].finding, status=Measure.Status.DONE)
    with pytest.raises(ValidationError, match="已销号"):
        _issue(personas, overdue, measure_ids=[done.pk])
    assert not UrgingLetter.objects.exists()


def test_a_letter_about_the_whole_inspection(personas, overdue):
    letter = _issue(personas, overdue, measure_ids=[])
    assert not letter.measures.exists()


def test_a_reply_with_a_file_of_the_wrong_type_stores_nothing(client, personas, overdue):
    letter = _issue(personas, overdue)
    client.force_login(personas.secretary_a)
    bad = SimpleUploadedFile("x.html", b"<html><script>alert(1)</script></html>", content_type="application/pdf")
    response = client.post(reverse("rectification:urging_reply", args=[letter.pk]), {"text": "回复", "files": [bad]})
    assert response.status_code == 400 and "文件类型不受支持" in response.content.decode()
    empty = client.post(reverse("rectification:urging_reply", args=[letter.pk]), {"text": ""})
    assert empty.status_code == 400
    letter.refresh_from_db()
    assert not hasattr(letter, "reply") or letter.reply is None


def test_the_issue_form_with_a_past_deadline_shows_the_message(client, personas, overdue):
    client.force_login(personas.supervisor)
    url = reverse("rectification:urging_new", args=[overdue[0].finding.category.inspection_id])
    response = client.post(url, {"subject": "督办", "text": "请整改", "reply_due_on": "2000-01-01", "token": "t"})
    assert response.status_code == 400 and "回复期限应在今天至一年内" in response.content.decode()
    foreign = client.post(url, {"subject": "督办", "text": "请整改", "reply_due_on": "2099-01-01", "token": "u",
                                "measures": ["999999"]})  # fmt: skip
    assert foreign.status_code == 400 and not UrgingLetter.objects.exists()


def test_hostile_letter_and_talk_input_is_refused_or_cleaned(client, personas, overdue):
    """The supervisor's two forms with hostile text, dates and ids: a message or a clean
    record, never a 500, never a control character stored."""
    from .test_fuzz_forms import CONTROL, HOSTILE_CHOICES, HOSTILE_DATES, HOSTILE_TEXT

    client.force_login(personas.supervisor)
    issue = reverse("rectification:urging_new", args=[overdue[0].finding.category.inspection_id])
    talk = reverse("rectification:talk_new", args=[personas.tree.a.pk])
    for n, text in enumerate(HOSTILE_TEXT):
        for day in [*HOSTILE_DATES, "2099-01-01", timezone.localdate().isoformat()]:
            letter = {"subject": text, "text": text, "reply_due_on": day, "token": f"{n}-{day}"}
            assert client.post(issue, letter).status_code in (302, 400)
            held = {"held_on": day, "talked_by": text, "talked_with": text, "reason": text, "promises": text}
            assert client.post(talk, held).status_code in (302, 400)
    for choice in HOSTILE_CHOICES:
        data = {"subject": "督办", "text": "请整改", "reply_due_on": "2099-01-01", "token": "x", "measures": [choice]}
        assert client.post(issue, data).status_code == 400
    assert UrgingLetter.objects.exists() and Talk.objects.exists()  # some were fine, and stored clean
    for letter in UrgingLetter.objects.all():
        assert not CONTROL.search(letter.subject + letter.text)
    for record in Talk.objects.all():
        assert not CONTROL.search(record.talked_by + record.talked_with + record.reason + record.promises)


# ------------------------------------------------------------------ talks


def test_talk_recorded_and_counted(client, personas, overdue):
    client.force_login(personas.supervisor)
    url = reverse("rectification:talk_new", args=[personas.tree.a.pk])
    data = {"held_on": timezone.localdate().isoformat(), "talked_by": "街道督导", "talked_with": "李书记",
            "reason": "两项措施超期", "promises": "两周内完成", "follow_up": "下周复查"}  # fmt: skip
    assert client.post(url, data).status_code == 302
    talk = Talk.objects.get()
    assert (talk.talked_with, talk.promises, talk.issuer) == ("李书记", "两周内完成", personas.tree.street)
    future = {**data, "held_on": (timezone.localdate() + dt.timedelta(days=2)).isoformat()}
    assert client.post(url, future).status_code == 400 and Talk.objects.count() == 1
    counts = urging_counts(organisation_ids=[personas.tree.a.pk], today=timezone.localdate())
    assert counts[personas.tree.a.pk].talks == 1


# ------------------------------------------------------------------ who may


@pytest.fixture
def other_supervisor(personas):
    """A supervisor of another street in the same district."""
    street = f.organisation(level="street", parent=personas.tree.district, name="中共深圳市福田区南园街道工作委员会")
    return f.user(username="other_street", organisation=street, role=Membership.Role.SUPERVISOR)


def test_another_streets_supervisor_can_do_none_of_it(client, personas, overdue, other_supervisor):
    letter = _issue(personas, overdue)
    inspection = overdue[0].finding.category.inspection
    with pytest.raises(PermissionDenied):
        _issue(personas, overdue, user=other_supervisor)
    with pytest.raises(PermissionDenied):
        service.talk_record(user=other_supervisor, organisation=personas.tree.a, held_on=TODAY, talked_by="甲",
                            talked_with="乙", reason="丙", today=TODAY)  # fmt: skip
    with pytest.raises(PermissionDenied):
        service.urging_reply(user=other_supervisor, letter=letter, text="代答")
    client.force_login(other_supervisor)
    urls = [
        reverse("rectification:urging_new", args=[inspection.pk]),
        reverse("rectification:urging_letter", args=[letter.pk]),
        reverse("rectification:urging_letter_pdf", args=[letter.pk]),
        reverse("rectification:urging_organisation", args=[personas.tree.a.pk]),
        reverse("rectification:talk_new", args=[personas.tree.a.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("rectification:urging_reply", args=[letter.pk]), {"text": "x"}).status_code == 404
    rows = rollup_rows(root=other_supervisor.memberships.get().organisation, today=TODAY)
    assert rows == []
    # The ancestor's secretary reads the community as a supervisor would, but urges nothing.
    street_secretary = f.user(organisation=personas.tree.street, role=Membership.Role.SECRETARY)
    with pytest.raises(PermissionDenied):
        _issue(personas, overdue, user=street_secretary)
    # Staff and the public: no letter, no reply.
    with pytest.raises(PermissionDenied):
        service.urging_reply(user=personas.staff_a, letter=letter, text="x")
    with pytest.raises(PermissionDenied):
        _issue(personas, overdue, user=personas.staff_a)


def test_the_district_supervisor_urges_in_its_own_name(personas, overdue):
    district_supervisor = f.user(organisation=personas.tree.district, role=Membership.Role.SUPERVISOR)
    letter = _issue(personas, overdue, user=district_supervisor)
    assert letter.issuer == personas.tree.district and letter.serial == 1


# ------------------------------------------------------------------ query budgets


@pytest.mark.parametrize("extra", [1, 12])
@time_machine.travel(NOW, tick=False)
def test_roll_up_counts_take_two_queries_whatever_the_size(personas, overdue, extra, django_assert_num_queries):
    for n in range(extra):
        org = f.organisation(parent=personas.tree.street)
        m = f.measure_in(org, due_on=dt.date(2026, 1, 1))
        letter = service.urging_issue(user=personas.supervisor, inspection=m.finding.category.inspection,
                                      measure_ids=[m.pk], subject="督办", text="请整改",
                                      reply_due_on=TODAY, today=TODAY - dt.timedelta(days=n % 3))  # fmt: skip
        Talk.objects.create(issuer=personas.tree.street, organisation=org, held_on=TODAY, talked_by="甲",
                            talked_with="乙", reason="丙", recorded_by=personas.supervisor)  # fmt: skip
        if n % 2:
            service.urging_reply(
                user=f.user(organisation=org, role=Membership.Role.SECRETARY), letter=letter, text="已办"
            )
    ids = list(personas.tree.street.children.values_list("pk", flat=True))
    # Letters grouped by organisation (open, answered, late), talks grouped by organisation.
    with django_assert_num_queries(2):
        counts = urging_counts(organisation_ids=ids, today=TODAY + dt.timedelta(days=1))
    assert sum(c.open + c.answered for c in counts.values()) == extra
    assert sum(c.talks for c in counts.values()) == extra
    assert sum(c.late for c in counts.values()) == sum(1 for n in range(extra) if not n % 2)
    # The roll-up's rows: organisations, inspections, measures, late documents, letters, talks,
    # issued acceptance opinions, comments from the public.
    with django_assert_num_queries(8):
        rows = rollup_rows(root=personas.tree.street, today=TODAY)
    assert len(rows) == 2 + extra


@override_settings(LANGUAGE_CODE="zh-hans")
def test_letter_page_query_budget(client, personas, overdue, django_assert_num_queries):
    letter = _issue(personas, overdue)
    client.force_login(personas.supervisor)
    client.get(reverse("rectification:urging_letter", args=[letter.pk]))  # warm the session
    # Session, user, memberships (3); visible organisations are a subquery of the letter's
    # query (1), its measures with findings (1), its reply's attachments: none without a
    # reply, so not asked; the page's chrome (unread count, review count: 2).
    with django_assert_num_queries(7):
        response = client.get(reverse("rectification:urging_letter", args=[letter.pk]))
    assert response.status_code == 200
