"""notify(): idempotent keys, the outbox, enqueueing only after commit, saving while the
broker is down; the bell, the notification list and mark-read; the re-check list."""

from __future__ import annotations

import datetime as dt
import logging
from unittest import mock

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from rectification import services
from rectification.models import Delivery, Measure, Notification, ProgressEntry, ReCheck
from rectification.services import notifications, sql

from . import factories as f

S = Measure.Status


@pytest.fixture
def broker_down():
    """Point the Celery app at a port where no Redis listens; ``restore()`` undoes it."""
    from fuhua.celery import app

    def use(url):
        app.conf.broker_url = url
        app._pool = None  # the next publish opens a connection to the new URL
        app.amqp._producer_pool = None

    original = app.conf.broker_url
    use("redis://127.0.0.1:1/0")
    state = type("BrokerDown", (), {"restore": staticmethod(lambda: use(original))})
    yield state
    use(original)


@pytest.fixture
def channels_on(settings):
    settings.NOTIFY_EMAIL_ENABLED = True
    settings.NOTIFY_WEBHOOK_URL = "http://127.0.0.1:9/robot"  # nothing is sent in these tests


def _notify(users, key="k1", **kw):
    return services.notify(recipients=users, kind=kw.pop("kind", "overdue"), message="测试通知", key=key, **kw)


# ---------------------------------------------------------------- notify()


@pytest.mark.django_db
def test_notify_is_idempotent_per_recipient_and_key(personas, measure_a):
    assert _notify([personas.staff_a, personas.member_a], measure=measure_a) == 2
    assert _notify([personas.staff_a, personas.member_a], measure=measure_a) == 0
    assert _notify([personas.staff_a, personas.secretary_a], measure=measure_a) == 1
    assert _notify([personas.staff_a], key="k2") == 1
    rows = Notification.objects.values_list("recipient__username", "key", "measure_id")
    assert sorted(rows, key=str) == sorted(
        [
            ("staff_a", "k1", measure_a.pk),
            ("member_a", "k1", measure_a.pk),
            ("secretary_a", "k1", measure_a.pk),
            ("staff_a", "k2", None),
        ],
        key=str,
    )


@pytest.mark.django_db
def test_notify_skips_inactive_users_and_nobody(personas):
    personas.staff_b.is_active = False
    personas.staff_b.save()
    assert _notify([personas.staff_b, None]) == 0
    assert _notify([]) == 0


@pytest.mark.django_db
def test_channels_are_off_unless_configured(personas):
    personas.staff_a.email = "zhaomin@example.cn"
    personas.staff_a.save()
    _notify([personas.staff_a])
    assert not Delivery.objects.exists()


@pytest.mark.django_db
def test_outbox_rows_per_enabled_channel(channels_on, personas):
    personas.staff_a.email = "zhaomin@example.cn"
    personas.staff_a.save()
    _notify([personas.staff_a, personas.member_a])  # member_a has no e-mail address
    _notify([personas.staff_a], key="digest", kind="digest")  # personal: not for the group chat
    rows = Delivery.objects.values_list("notification__recipient__username", "notification__key", "channel", "state")
    assert sorted(rows) == sorted(
        [
            ("staff_a", "k1", "email", "pending"),
            ("staff_a", "k1", "webhook", "pending"),
            ("member_a", "k1", "webhook", "pending"),
            ("staff_a", "digest", "email", "pending"),
        ]
    )
    _notify([personas.staff_a, personas.member_a])
    assert Delivery.objects.count() == 4


@pytest.mark.django_db
def test_notify_each_gives_each_user_their_own_message_once_per_key(channels_on, personas, monkeypatch):
    _notify([personas.staff_a], key="weekly")  # staff_a has this week's already
    # One row per INSERT, so that the chunking is exercised with three users.
    monkeypatch.setattr(sql, "chunks", lambda rows: ([row] for row in rows))
    messages = [(personas.member_a.pk, "二"), (personas.staff_a.pk, "一"), (personas.staff_b.pk, "三")]
    assert notifications.notify_each(messages, kind="overdue", key="weekly") == 2
    rows = Notification.objects.filter(key="weekly").values_list("recipient__username", "message", "measure_id")
    assert sorted(rows) == [("member_a", "二", None), ("staff_a", "测试通知", None), ("staff_b", "三", None)]
    # The new ones join the outbox (no e-mail addresses: the group chat only).
    new = Notification.objects.filter(key="weekly").exclude(recipient=personas.staff_a)
    queued = Delivery.objects.filter(notification__in=new).values_list("notification__recipient__username", "channel")
    assert sorted(queued) == [("member_a", "webhook"), ("staff_b", "webhook")]
    assert Delivery.objects.count() == 3  # with staff_a's from before
    assert notifications.notify_each(messages, kind="overdue", key="weekly") == 0
    assert notifications.notify_each([], kind="overdue", key="weekly") == 0


@pytest.mark.django_db
def test_drain_is_enqueued_only_after_commit_once_per_transaction(
    channels_on, personas, django_capture_on_commit_callbacks
):
    with mock.patch("rectification.tasks.deliver_outbox.delay") as delay:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            with transaction.atomic():
                _notify([personas.staff_a])
                _notify([personas.member_a], key="k2")
                assert delay.call_count == 0  # nothing queued inside the transaction
        assert len(callbacks) == 1
        assert delay.call_count == 1


@pytest.mark.django_db
def test_nothing_is_enqueued_for_a_rolled_back_transaction(channels_on, personas, django_capture_on_commit_callbacks):
    with mock.patch("rectification.tasks.deliver_outbox.delay") as delay:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            with pytest.raises(RuntimeError), transaction.atomic():
                _notify([personas.staff_a])
                raise RuntimeError("the save failed")
        assert callbacks == [] and delay.call_count == 0
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_broker_down_the_save_still_works_and_the_outbox_drains_later(
    broker_down, channels_on, settings, personas, measure_a, django_capture_on_commit_callbacks, caplog
):
    """A real publish to a dead Redis fails after the commit; the work is saved, the
    delivery waits in the outbox and the next sweep sends it."""
    settings.NOTIFY_WEBHOOK_URL = ""
    personas.secretary_a.email = "shuji@example.cn"
    personas.secretary_a.save()
    m = services.measure_report_progress(measure=measure_a, user=personas.staff_a, progress="已完成排查。")
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        m = services.measure_change_status(measure=m, user=personas.staff_a, to_status=S.AWAITING_SIGN_OFF)
    m.refresh_from_db()
    assert m.status == S.AWAITING_SIGN_OFF
    assert "could not queue the outbox drain" in caplog.text
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.notification.recipient) == ("pending", personas.secretary_a)
    assert mail.outbox == []

    broker_down.restore()
    services.sweep_run(today=dt.date(2025, 6, 3))
    delivery.refresh_from_db()
    assert delivery.state == "sent"
    assert [m.to for m in mail.outbox] == [["shuji@example.cn"]]


# ---------------------------------------------------------------- workflow calls notify


@pytest.mark.django_db
def test_submitting_for_sign_off_notifies_the_secretary(personas, measure_a):
    m = services.measure_report_progress(measure=measure_a, user=personas.staff_a, progress="已完成排查。")
    services.measure_change_status(measure=m, user=personas.staff_a, to_status=S.AWAITING_SIGN_OFF)
    n = Notification.objects.get()
    assert (n.recipient, n.kind, n.measure) == (personas.secretary_a, "submitted", measure_a)
    assert "提请销号" in n.message


@pytest.mark.django_db
def test_send_back_and_sign_off_notify_the_responsible_people(personas, measure_a):
    m = services.measure_report_progress(measure=measure_a, user=personas.staff_a, progress="已完成排查。")
    m = services.measure_change_status(measure=m, user=personas.staff_a, to_status=S.AWAITING_SIGN_OFF)
    services.measure_send_back(measure=m, user=personas.secretary_a, reason="佐证材料不全")
    back = Notification.objects.get(kind="sent_back", recipient=personas.staff_a)
    assert "佐证材料不全" in back.message
    m = services.measure_change_status(measure=m, user=personas.staff_a, to_status=S.AWAITING_SIGN_OFF)
    services.measure_sign_off(measure=m, user=personas.secretary_a)
    done = Notification.objects.filter(kind="signed_off").values_list("recipient__username", flat=True)
    assert sorted(done) == ["member_a", "staff_a"]
    # The second submission is a new event with its own key.
    assert Notification.objects.filter(kind="submitted").count() == 2


# ---------------------------------------------------------------- the bell and the list


@pytest.mark.django_db
def test_bell_shows_the_unread_count_with_one_query(client, personas, django_assert_num_queries):
    for i in range(3):
        _notify([personas.staff_a], key=f"k{i}")
    notifications.notification_mark_read(user=personas.staff_a, ids=[Notification.objects.first().pk])
    client.force_login(personas.staff_a)
    from rectification.context_processors import Bell

    bell = Bell(personas.staff_a)
    with django_assert_num_queries(1):  # one COUNT over the (recipient, read_at) index
        assert (bell.count, bell.label, bell.count) == (2, "2", 2)
    page = client.get(reverse("rectification:home")).content.decode()
    assert 'class="bell-count">2<' in page


@pytest.mark.django_db
def test_bell_caps_its_count(personas):
    from rectification.context_processors import Bell

    services.notify(recipients=[personas.staff_a], kind="x", message="m", key="first")
    Notification.objects.bulk_create(
        [Notification(recipient=personas.staff_a, key=f"bulk{i}", kind="x", message="m") for i in range(120)]
    )
    assert Bell(personas.staff_a).label == "99+"


@pytest.mark.django_db
def test_notification_list_shows_only_mine_newest_first(client, personas, measure_a, django_assert_num_queries):
    _notify([personas.staff_a], key="old", measure=measure_a)
    _notify([personas.staff_a, personas.staff_b], key="new")
    client.force_login(personas.staff_a)
    url = reverse("rectification:notifications")
    client.get(url)  # warm the session
    # session, user, memberships (nav rules), the paginator's COUNT, the page's rows, the
    # bell's COUNT
    with django_assert_num_queries(6):
        response = client.get(url)
    page = response.context["page"]
    assert [n.key for n in page] == ["new", "old"]
    html = response.content.decode()
    assert reverse("rectification:measure_detail", args=[measure_a.pk]) in html
    assert "标为已读" in html


@pytest.mark.django_db
def test_a_notice_about_several_measures_links_to_the_list_of_them(client, personas):
    """The weekly overdue reminder has no measure: it leads to the person's overdue list;
    a notice of another kind without a measure has no link."""
    _notify([personas.staff_a], key="overdue_repeat:79", kind="overdue")
    _notify([personas.staff_a], key="digest:2025-W28", kind="digest")
    client.force_login(personas.staff_a)
    html = client.get(reverse("rectification:notifications")).content.decode()
    overdue_list = reverse("rectification:measure_list") + "?mine=1&amp;overdue=1"
    assert html.count(f'<a href="{overdue_list}">测试通知</a>') == 1
    assert '<p class="notif-text">测试通知</p>' in html  # the digest: text only
    listed = client.get(reverse("rectification:measure_list") + "?mine=1&overdue=1")
    assert listed.status_code == 200 and listed.context["form"].cleaned_data["overdue"] is True


@pytest.mark.django_db
def test_list_query_count_does_not_grow(client, personas, django_assert_num_queries):
    for i in range(25):
        _notify([personas.staff_a], key=f"k{i}")
    client.force_login(personas.staff_a)
    url = reverse("rectification:notifications")
    client.get(url)
    with django_assert_num_queries(6):
        client.get(url)


@pytest.mark.django_db
def test_mark_one_and_all_read_by_post_only_mine(client, personas):
    _notify([personas.staff_a, personas.staff_b], key="a")
    _notify([personas.staff_a], key="b")
    mine = Notification.objects.get(recipient=personas.staff_a, key="a")
    theirs = Notification.objects.get(recipient=personas.staff_b)
    client.force_login(personas.staff_a)
    url = reverse("rectification:notifications_mark_read")
    assert client.get(url).status_code == 405

    response = client.post(url, {"id": mine.pk, "next": reverse("rectification:notifications") + "?page=1"})
    assert response.status_code == 302 and response["Location"].endswith("?page=1")
    mine.refresh_from_db()
    assert mine.read_at is not None
    client.post(url, {"id": theirs.pk})
    theirs.refresh_from_db()
    assert theirs.read_at is None  # not mine to mark

    response = client.post(url, {"next": "https://evil.example/"})
    assert response["Location"] == reverse("rectification:notifications")
    assert not Notification.objects.filter(recipient=personas.staff_a, read_at=None).exists()
    assert client.post(url, {"id": "x"}).status_code == 302  # bad input: no 500, nothing marked


# ---------------------------------------------------------------- re-checks (回头看)


@pytest.fixture
def recheck(personas):
    m = f.measure_in(
        personas.tree.a,
        status=S.DONE,
        leader=personas.person_member_a,
        owners=[personas.person_staff_a],
        due_on=dt.date(2025, 3, 31),
        completed_on=dt.date(2025, 3, 20),
        recheck_on=dt.date(2025, 6, 20),
    )
    return ReCheck.objects.create(measure=m, due_on=dt.date(2025, 6, 20))


@pytest.mark.django_db
def test_recheck_list_secretary_decides_others_read(client, personas, recheck, django_assert_num_queries):
    url = reverse("rectification:recheck_list")
    client.force_login(personas.secretary_a)
    client.get(url)
    # session, user, memberships, paginator COUNT, rows (measure, finding, category,
    # inspection, organisation, leader joined), bell COUNT
    with django_assert_num_queries(6):
        response = client.get(url)
    html = response.content.decode()
    assert recheck.measure.title in html and 'name="decision" value="reopen"' in html

    client.force_login(personas.supervisor)
    html = client.get(url).content.decode()
    assert recheck.measure.title in html and 'name="decision"' not in html
    client.force_login(personas.staff_b)
    assert recheck.measure.title not in client.get(url).content.decode()


@pytest.mark.django_db
def test_confirm_still_fixed(client, personas, recheck):
    client.force_login(personas.secretary_a)
    url = reverse("rectification:recheck_decide", args=[recheck.pk])
    response = client.post(url, {"decision": "confirm", "note": "走访未发现反弹"})
    assert response.status_code == 302
    recheck.refresh_from_db()
    assert (recheck.state, recheck.decided_by, recheck.note) == ("confirmed", personas.secretary_a, "走访未发现反弹")
    assert recheck.measure.entries.get(kind=ProgressEntry.Kind.RECHECK).text == "回头看：问题未反弹。 走访未发现反弹"
    client.post(url, {"decision": "confirm"})  # twice: a clear message, nothing changes
    assert ReCheck.objects.get().decided_at == recheck.decided_at


@pytest.mark.django_db
def test_reopen_puts_the_measure_back_in_progress(client, personas, recheck):
    client.force_login(personas.secretary_a)
    url = reverse("rectification:recheck_decide", args=[recheck.pk])
    response = client.post(url, {"decision": "reopen", "note": "楼道又有堆放"}, follow=True)
    assert "请设定不早于今天的新完成时限" in response.content.decode()  # a deadline is required
    recheck.refresh_from_db()
    assert recheck.state == "pending"

    new_due = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    client.post(url, {"decision": "reopen", "note": "楼道又有堆放", "due_on": new_due})
    recheck.refresh_from_db()
    m = recheck.measure
    m.refresh_from_db()
    assert recheck.state == "reopened"
    assert (m.status, m.due_on.isoformat(), m.signed_off_at, m.recheck_on) == (S.IN_PROGRESS, new_due, None, None)
    entry = m.entries.get(kind=ProgressEntry.Kind.RECHECK)
    assert (entry.old_status, entry.new_status) == (S.DONE, S.IN_PROGRESS)
    told = Notification.objects.filter(kind="reopened").values_list("recipient__username", flat=True)
    assert sorted(told) == ["member_a", "staff_a"]


@pytest.mark.django_db
def test_recheck_decisions_need_the_secretary(client, personas, recheck):
    url = reverse("rectification:recheck_decide", args=[recheck.pk])
    for persona, status in (("staff_a", 403), ("supervisor", 403), ("staff_b", 404)):
        client.force_login(getattr(personas, persona))
        assert client.post(url, {"decision": "confirm"}).status_code == status
    recheck.refresh_from_db()
    assert recheck.state == "pending"
