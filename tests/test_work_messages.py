"""Personal work messages: a 企业微信-compatible platform on 127.0.0.1 (gettoken and
message/send), reached through the outbox; a sweep's reminders arrive once each, a failing
platform gets retries with backoff and never a duplicate, the token is cached and renewed."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache

from rectification import services
from rectification.models import Delivery, Notification, Profile
from rectification.services import work_messages
from rectification.services.sweep import sweep_run

from . import factories as f
from .helpers.work_platform import AGENT, CORP, SECRET, Platform

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def platform(settings):
    p = Platform()
    settings.WORK_MESSAGE_BASE_URL, settings.WORK_MESSAGE_CORP_ID = p.url, CORP
    settings.WORK_MESSAGE_SECRET, settings.WORK_MESSAGE_AGENT_ID = SECRET, AGENT
    settings.SITE_URL = "https://zhenggai.example.gov.cn"
    settings.NOTIFY_WEBHOOK_URL, settings.NOTIFY_EMAIL_ENABLED = "", False
    cache.clear()
    yield p
    p.close()
    cache.clear()


@pytest.fixture
def onboarded(personas):
    """Platform ids as the onboarding workbook fills them; staff_b has none."""
    for n, user in enumerate((personas.secretary_a, personas.member_a, personas.staff_a), start=1):
        Profile.objects.create(user=user, employee_number=f"E{n}", mobile=f"1390000000{n}", work_platform_id=f"wx{n}")
    return personas


def at(day: dt.date, hour: int = 6, minute: int = 30) -> time_machine.travel:
    return time_machine.travel(dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI), tick=False)


def due_monday(p):
    """Measures due Monday 30 June, one per person; on Wednesday 25 June (three working days
    ahead) each person gets one 提醒书. staff_b has no platform id."""
    secretary = f.person(organisation=p.tree.a, name="李书记", user=p.secretary_a)
    due = dt.date(2025, 6, 30)
    return {
        "wx1": f.measure_in(p.tree.a, due_on=due, owners=[secretary], title="召开专题会"),
        "wx2": f.measure_in(p.tree.a, due_on=due, owners=[p.person_member_a], title="修订制度"),
        "wx3": f.measure_in(p.tree.a, due_on=due, owners=[p.person_staff_a], title="建立台账"),
        "": f.measure_in(p.tree.b, due_on=due, owners=[p.person_staff_b]),
    }


@pytest.mark.django_db
def test_a_sweeps_reminders_reach_the_platform_once_each_through_the_outbox(platform, onboarded):
    measures = due_monday(onboarded)
    day = dt.date(2025, 6, 25)
    with at(day):
        report = sweep_run(today=day)
    assert Notification.objects.filter(kind="due_soon").count() == 4  # staff_b's in the app only
    deliveries = Delivery.objects.filter(channel=Delivery.Channel.WORK_MESSAGE)
    assert sorted(deliveries.values_list("state", flat=True)) == ["sent"] * 3
    assert report.done["messages sent (e-mail, webhook, work messages)"] == 3

    received = sorted((m["touser"], m["textcard"]["url"]) for m in platform.accepted)
    site = "https://zhenggai.example.gov.cn"
    assert received == [(wx, f"{site}/measures/{measures[wx].pk}/") for wx in ("wx1", "wx2", "wx3")]
    assert all(
        "即将到期" in m["textcard"]["title"] or m["textcard"]["title"].startswith("【") for m in platform.accepted
    )
    assert platform.tokens == ["token-1"]  # one token for every message: cached

    with at(day, 7):  # a second sweep and drain the same day: nothing new, nothing twice
        sweep_run(today=day)
        services.outbox_drain()
    assert len(platform.accepted) == 3


@pytest.mark.django_db
def test_a_failing_platform_gets_retries_with_backoff_and_never_a_duplicate(platform, onboarded):
    user = onboarded.staff_a
    platform.failures = [
        (200, {"errcode": -1, "errmsg": "system busy"}),
        (502, {"errmsg": "bad gateway"}),
        (200, {"errcode": 45009, "errmsg": "api freq out of limit"}),
    ]
    start = dt.datetime(2025, 7, 1, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        services.notify(recipients=[user], kind="submitted", message="「建立台账」已提请销号，请审核。", key="k1")
    delivery = Delivery.objects.get(channel=Delivery.Channel.WORK_MESSAGE)
    now, waits = start, []
    for attempt in range(1, 4):
        with time_machine.travel(now, tick=False):
            report = services.outbox_drain()
            assert services.outbox_drain().retrying == 0  # backing off: not before its time
        delivery.refresh_from_db()
        assert (report.retrying, delivery.state, delivery.attempts) == (1, "pending", attempt)
        waits.append(int((delivery.next_attempt_at - now).total_seconds()))
        now = delivery.next_attempt_at
    assert waits == [60, 120, 240]
    assert "45009" in delivery.last_error
    with time_machine.travel(now, tick=False):
        assert services.outbox_drain().sent == 1
    with time_machine.travel(now + dt.timedelta(days=1), tick=False):
        assert services.outbox_drain().sent == 0
    assert platform.refused == 3
    (message,) = platform.accepted  # accepted once, never twice
    assert message["touser"] == "wx3" and message["textcard"]["url"] == "https://zhenggai.example.gov.cn/notifications/"
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("sent", 4)


@pytest.mark.django_db
def test_an_expired_token_is_renewed_and_the_message_sent_once(platform, onboarded):
    cache.set(f"work-message-token:{CORP}:{AGENT}", "token-from-yesterday")
    services.notify(recipients=[onboarded.staff_a], kind="submitted", message="请审核。", key="k1")
    assert services.outbox_drain().sent == 1
    assert platform.tokens == ["token-1"] and len(platform.accepted) == 1
    services.notify(recipients=[onboarded.staff_a], kind="submitted", message="请再审核。", key="k2")
    assert services.outbox_drain().sent == 1
    assert platform.tokens == ["token-1"] and len(platform.accepted) == 2  # the new token, cached


@pytest.mark.django_db
def test_off_without_configuration_and_for_inactive_people(settings, platform, onboarded):
    onboarded.member_a.is_active = False
    onboarded.member_a.save()
    services.notify(recipients=[onboarded.member_a, onboarded.staff_a], kind="submitted", message="请审核。", key="k")
    assert list(Delivery.objects.values_list("notification__recipient__username", flat=True)) == ["staff_a"]
    settings.SITE_URL = ""  # no link to give: plain text
    assert services.outbox_drain().sent == 1
    assert platform.accepted[0]["text"]["content"] == "【提请销号】请审核。"
    settings.WORK_MESSAGE_BASE_URL = ""
    services.notify(recipients=[onboarded.staff_a], kind="submitted", message="请审核。", key="k2")
    assert Delivery.objects.count() == 1


def test_long_messages_are_clipped_to_the_platforms_byte_limits():
    assert work_messages.clip("整改" * 10, 512) == "整改" * 10
    clipped = work_messages.clip("整改措施" * 200, 512)
    assert len(clipped.encode()) <= 512 and clipped.endswith("…") and clipped.startswith("整改措施")


@pytest.mark.parametrize(
    ("kind", "key", "measure_id", "path"),
    [
        ("sent_back", "sent_back:7:1", 7, "/measures/7/"),  # a decision on a measure
        ("urging_issued", "urging_issued:5", None, "/urging/5/"),  # an urging letter
        ("upward_approved", "upward_approved:3:2", None, "/upward/3/"),  # a decision on a document
    ],
)
def test_reminders_urging_and_decisions_link_back_to_their_page(settings, kind, key, measure_id, path):
    settings.SITE_URL, settings.WORK_MESSAGE_AGENT_ID = "https://zhenggai.example.gov.cn", AGENT
    notification = Notification(kind=kind, key=key, measure_id=measure_id, message="请处理。")
    body = work_messages.message_body(notification, "wx1")
    assert body["textcard"]["url"] == f"https://zhenggai.example.gov.cn{path}"
    assert body["touser"] == "wx1" and body["agentid"] == AGENT
