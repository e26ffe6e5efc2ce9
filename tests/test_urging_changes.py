"""A 督办函 after it is issued: corrected or withdrawn (kept on record) before the secretary
replies, closed (办结) by the supervisor once answered, refused otherwise; and the to-do
home of the people who must act: the secretary who replies, the supervisor who closes."""

# ruff: noqa: F811 (the fixtures imported from test_urging are the tests' arguments)
from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from rectification.models import Notification, UrgingLetter
from rectification.selectors.rollup import rollup_rows
from rectification.selectors.todo import todo_for
from rectification.services import urging as service

from .test_urging import NOW, TODAY, _issue, other_supervisor, overdue  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _state(letter: UrgingLetter) -> tuple:
    letter.refresh_from_db()
    return (letter.subject, letter.text, letter.reply_due_on, letter.withdrawn_at, letter.closed_at,
            sorted(m.pk for m in letter.measures.all()))  # fmt: skip


def _todo(user) -> dict:
    return {item.key: item for item in todo_for(user=user, today=TODAY).items}


def test_revised_before_the_reply_keeps_its_number_and_tells_the_secretary(personas, overdue):
    first, second, _later = overdue
    letter = _issue(personas, overdue)
    number = letter.number
    service.urging_revise(
        user=personas.supervisor, letter=letter, measure_ids=[second.pk], subject="关于整改台账的督办函",
        text="请补齐整改台账。", reply_due_on=TODAY.replace(day=20), today=TODAY,
    )  # fmt: skip
    letter.refresh_from_db()
    assert letter.number == number and letter.revised_at is not None
    assert (letter.subject, [m.pk for m in letter.measures.all()]) == ("关于整改台账的督办函", [second.pk])
    notices = Notification.objects.filter(recipient=personas.secretary_a, kind="urging_issued")
    assert notices.count() == 2 and any("修改了督办函" in n.message for n in notices)
    bad = {"measure_ids": [first.pk], "subject": "x", "text": "y", "today": TODAY}
    before = _state(letter)
    with pytest.raises(ValidationError, match="回复期限"):
        service.urging_revise(user=personas.supervisor, letter=letter, reply_due_on=TODAY.replace(day=1), **bad)
    assert _state(letter) == before


def test_withdrawn_letter_stays_on_record_and_asks_for_nothing(client, personas, overdue):
    letter = _issue(personas, overdue)
    with pytest.raises(ValidationError, match="撤回理由"):
        service.urging_withdraw(user=personas.supervisor, letter=letter, reason="  ")
    assert _state(letter)[3] is None
    assert "urging_reply" in _todo(personas.secretary_a)
    service.urging_withdraw(user=personas.supervisor, letter=letter, reason="督办对象有误")
    letter.refresh_from_db()
    assert letter.is_withdrawn and letter.withdrawn_by == personas.supervisor
    assert UrgingLetter.objects.filter(pk=letter.pk).exists()
    assert Notification.objects.filter(recipient=personas.secretary_a, message__contains="已撤回督办函").exists()
    with pytest.raises(ValidationError, match="已撤回"):
        service.urging_reply(user=personas.secretary_a, letter=letter, text="已整改")
    with pytest.raises(ValidationError, match="已撤回"):
        service.urging_withdraw(user=personas.supervisor, letter=letter, reason="再撤")
    rows = {r.organisation.pk: r for r in rollup_rows(root=personas.tree.street, today=TODAY)}
    assert (rows[personas.tree.a.pk].urging.open, rows[personas.tree.a.pk].urging.late) == (0, 0)
    assert "urging_reply" not in _todo(personas.secretary_a)
    client.force_login(personas.secretary_a)
    page = client.get(reverse("rectification:urging_letter", args=[letter.pk])).content.decode()
    assert "督办对象有误" in page and "提交回复" not in page
    listing = client.get(reverse("rectification:urging_organisation", args=[personas.tree.a.pk])).content.decode()
    assert "已撤回" in listing


def test_after_the_reply_no_change_then_the_supervisor_closes_it(client, personas, overdue):
    letter = _issue(personas, overdue)
    with pytest.raises(ValidationError, match="尚未回复"):
        service.urging_close(user=personas.supervisor, letter=letter)
    todo = _todo(personas.secretary_a)
    assert todo["urging_reply"].letters == [letter] and todo["urging_reply"].tone == "warn"
    assert "urging_close" not in _todo(personas.supervisor)
    service.urging_reply(user=personas.secretary_a, letter=letter, text="已整改到位。")
    assert "urging_reply" not in _todo(personas.secretary_a)
    assert _todo(personas.supervisor)["urging_close"].letters == [letter]
    before = _state(letter)
    for change in (
        lambda: service.urging_withdraw(user=personas.supervisor, letter=letter, reason="误发"),
        lambda: service.urging_revise(
            user=personas.supervisor,
            letter=letter,
            measure_ids=[],
            subject="改",
            text="改",
            reply_due_on=TODAY,
            today=TODAY,
        ),  # fmt: skip
    ):
        with pytest.raises(ValidationError, match="已回复"):
            change()
    assert _state(letter) == before
    client.force_login(personas.supervisor)
    home = client.get(reverse("rectification:home")).content.decode()
    assert letter.number in home and "等待您阅处办结" in home
    assert client.post(reverse("rectification:urging_close", args=[letter.pk])).status_code == 302
    letter.refresh_from_db()
    assert letter.closed_by == personas.supervisor
    assert "urging_close" not in _todo(personas.supervisor)
    with pytest.raises(ValidationError, match="已办结"):
        service.urging_close(user=personas.supervisor, letter=letter)


def test_the_secretary_sees_a_late_letter_in_red_on_the_home_page(client, personas, overdue):
    letter = _issue(personas, overdue)
    with time_machine.travel(NOW.replace(month=4), tick=False):
        todo = {i.key: i for i in todo_for(user=personas.secretary_a, today=TODAY.replace(month=4)).items}
        assert todo["urging_reply"].tone == "danger"
        client.force_login(personas.secretary_a)
        home = client.get(reverse("rectification:home")).content.decode()
    assert letter.number in home and "等待您书面回复" in home


def test_only_the_supervisors_above_change_a_letter(client, personas, overdue, other_supervisor):
    letter = _issue(personas, overdue)
    before = _state(letter)
    for user in (other_supervisor, personas.secretary_a, personas.staff_a):
        with pytest.raises(PermissionDenied):
            service.urging_withdraw(user=user, letter=letter, reason="不该撤")
        with pytest.raises(PermissionDenied):
            service.urging_revise(user=user, letter=letter, measure_ids=[], subject="改", text="改",
                                  reply_due_on=TODAY, today=TODAY)  # fmt: skip
    assert _state(letter) == before
    client.force_login(other_supervisor)
    for name in ("urging_edit", "urging_withdraw", "urging_close"):
        url = reverse(f"rectification:{name}", args=[letter.pk])
        assert client.post(url, {"reason": "x", "subject": "x"}).status_code == 404, name
    assert _state(letter) == before


def test_the_edit_page_corrects_the_letter(client, personas, overdue):
    first, second, _later = overdue
    letter = _issue(personas, overdue)
    client.force_login(personas.supervisor)
    url = reverse("rectification:urging_edit", args=[letter.pk])
    page = client.get(url)
    assert page.status_code == 200 and letter.subject in page.content.decode()
    bad = client.post(url, {"subject": "改", "text": "改", "reply_due_on": "2020-01-01", "measures": [first.pk]})
    assert bad.status_code == 400 and "回复期限应在今天至一年内" in bad.content.decode()
    data = {"subject": "改后的事由", "text": "改后的内容", "reply_due_on": "2026-03-25", "measures": [first.pk]}
    assert client.post(url, data).status_code == 302
    letter.refresh_from_db()
    assert (letter.subject, [m.pk for m in letter.measures.all()]) == ("改后的事由", [first.pk])


def test_hostile_revision_and_withdrawal_input_is_refused_or_cleaned(client, personas, overdue):
    first, _second, _later = overdue
    letter = _issue(personas, overdue)
    client.force_login(personas.supervisor)
    hostile = "改\x00后\x1b<script>alert(1)</script>"
    data = {"subject": hostile, "text": hostile, "reply_due_on": "2026-03-20", "measures": [first.pk]}
    assert client.post(reverse("rectification:urging_edit", args=[letter.pk]), data).status_code == 302
    letter.refresh_from_db()
    assert "\x00" not in letter.subject + letter.text and "\x1b" not in letter.subject
    for bad in ({"measures": ["x"]}, {"measures": [10**12]}, {"reply_due_on": "9999-99-99"}, {"subject": ""}):
        response = client.post(reverse("rectification:urging_edit", args=[letter.pk]), {**data, **bad})
        assert response.status_code == 400
    assert (
        client.post(reverse("rectification:urging_withdraw", args=[letter.pk]), {"reason": "\x00\x1b"}).status_code
        == 302
    )
    letter.refresh_from_db()
    assert not letter.is_withdrawn  # nothing left of the reason once cleaned: refused
    long = {"reason": "撤" * 600}
    assert client.post(reverse("rectification:urging_withdraw", args=[letter.pk]), long).status_code == 302
    letter.refresh_from_db()
    assert not letter.is_withdrawn
    client.post(reverse("rectification:urging_withdraw", args=[letter.pk]), {"reason": "误\x00发"})
    letter.refresh_from_db()
    assert letter.withdrawal_reason == "误发"
    page = client.get(reverse("rectification:urging_letter", args=[letter.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page
