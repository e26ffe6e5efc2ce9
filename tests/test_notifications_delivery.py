"""The outbox: e-mail through Django's mail settings, the group-chat webhook against a real
HTTP server on 127.0.0.1; failures retry with exponential backoff, then give up with a
logged error; a claimed delivery is sent by one drain only."""

from __future__ import annotations

import datetime as dt
import json
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from rectification import services
from rectification.models import Delivery
from rectification.services import outbox

START = dt.datetime(2025, 7, 1, 9, 0, tzinfo=dt.UTC)


class Robot:
    """A group-chat robot on 127.0.0.1: answers the queued (status, body) pairs in turn,
    then 200 {"errcode": 0}; records what it received."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.answers: list[tuple[int, bytes]] = []
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                robot.received.append(json.loads(self.rfile.read(length)))
                status, body = robot.answers.pop(0) if robot.answers else (200, b'{"errcode":0,"errmsg":"ok"}')
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/cgi-bin/webhook/send?key=test"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def robot(settings):
    r = Robot()
    settings.NOTIFY_WEBHOOK_URL = r.url
    yield r
    r.close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _drain(at: dt.datetime) -> outbox.DrainReport:
    with time_machine.travel(at, tick=False):
        return services.outbox_drain()


@pytest.fixture
def secretary(personas):
    personas.secretary_a.email = "shuji@example.cn"
    personas.secretary_a.save()
    return personas.secretary_a


def _notify(user, key="k1"):
    with time_machine.travel(START, tick=False):
        return services.notify(
            recipients=[user], kind="submitted", message="「开展专项排查」已提请销号，请审核。", key=key
        )


@pytest.mark.django_db
def test_email_goes_out_through_django_mail(settings, secretary):
    settings.NOTIFY_EMAIL_ENABLED = True
    settings.SITE_URL = "https://zhenggai.example.gov.cn"
    _notify(secretary)
    assert str(_drain(START)) == "sent 1, retrying 0, given up 0"
    (message,) = mail.outbox
    assert message.to == ["shuji@example.cn"] and message.subject == "【巡察整改】提请销号"
    assert "已提请销号" in message.body and "https://zhenggai.example.gov.cn/notifications/" in message.body
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.sent_at) == ("sent", 1, START)
    assert _drain(START).sent == 0  # nothing twice


@pytest.mark.django_db
def test_the_weekly_overdue_reminder_mails_a_link_to_the_overdue_list(settings, secretary):
    settings.NOTIFY_EMAIL_ENABLED = True
    settings.SITE_URL = "https://zhenggai.example.gov.cn"
    with time_machine.travel(START, tick=False):
        services.notify(recipients=[secretary], kind="overdue", message="您负责的 2 项整改措施仍处于超期状态", key="r")
    _drain(START)
    (message,) = mail.outbox
    assert "https://zhenggai.example.gov.cn/measures/?mine=1&overdue=1" in message.body


@pytest.mark.django_db
def test_mail_server_down_retries_with_backoff_then_gives_up(settings, secretary, caplog):
    settings.NOTIFY_EMAIL_ENABLED = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _closed_port(), 2
    _notify(secretary)
    delivery = Delivery.objects.get()
    now, waits = START, []
    with caplog.at_level(logging.WARNING, logger="rectification.services.outbox"):
        for attempt in range(1, 6):
            report = _drain(now)
            delivery.refresh_from_db()
            assert delivery.attempts == attempt
            if attempt < 5:
                assert (report.retrying, delivery.state) == (1, "pending")
                assert "ConnectionRefusedError" in delivery.last_error
                assert _drain(now).retrying == 0  # backing off: not yet
                waits.append(int((delivery.next_attempt_at - now).total_seconds()))
                now = delivery.next_attempt_at
    assert waits == [60, 120, 240, 480]  # NOTIFY_RETRY_SECONDS, doubled each time
    assert (report.given_up, delivery.state) == (1, "failed")
    (error,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert f"giving up email delivery {delivery.pk}" in error.getMessage()
    assert "after 5 attempts" in error.getMessage()
    assert _drain(now + dt.timedelta(days=1)).given_up == 0


@pytest.mark.django_db
def test_webhook_posts_robot_json(robot, personas, secretary):
    _notify(secretary)
    assert _drain(START).sent == 1
    (payload,) = robot.received
    assert payload == {
        "msgtype": "text",
        "text": {"content": "【提请销号】@李书记 「开展专项排查」已提请销号，请审核。"},
    }


@pytest.mark.django_db
def test_webhook_failures_retry_until_it_answers(robot, secretary, caplog):
    robot.answers = [(500, b"busy"), (200, b'{"errcode":45009,"errmsg":"api freq out of limit"}')]
    _notify(secretary)
    with caplog.at_level(logging.WARNING):
        first = _drain(START)
        second = _drain(START + dt.timedelta(seconds=60))
        third = _drain(START + dt.timedelta(seconds=60 + 120))
    assert (first.retrying, second.retrying, third.sent) == (1, 1, 1)
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_error) == ("sent", 3, "")
    assert len(robot.received) == 3
    assert "HTTP Error 500" in caplog.text and "errcode" in caplog.text


@pytest.mark.django_db
def test_webhook_unreachable_gives_up_with_a_logged_error(settings, secretary, caplog):
    settings.NOTIFY_WEBHOOK_URL = f"http://127.0.0.1:{_closed_port()}/robot"
    settings.RECTIFICATION = {**settings.RECTIFICATION, "NOTIFY_MAX_ATTEMPTS": 2}
    _notify(secretary)
    with caplog.at_level(logging.WARNING):
        _drain(START)
        report = _drain(START + dt.timedelta(minutes=1))
    assert report.given_up == 1 and Delivery.objects.get().state == "failed"
    assert any(r.levelno == logging.ERROR and "giving up webhook" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db
def test_a_channel_switched_off_later_drops_its_rows(robot, settings, secretary, caplog):
    _notify(secretary)
    settings.NOTIFY_WEBHOOK_URL = ""
    with caplog.at_level(logging.WARNING):
        assert _drain(START).given_up == 1
    assert robot.received == [] and "not configured" in caplog.text


@pytest.mark.django_db
def test_a_claim_is_won_once(robot, secretary):
    """The claim is a conditional UPDATE: a second drain holding a stale view of the row
    (same attempts count) wins nothing, and a claimed row is out of reach until its lease ends."""
    _notify(secretary)
    delivery = Delivery.objects.get()
    with time_machine.travel(START, tick=False):
        claimed = outbox._claim_next()
        assert claimed is not None and claimed.attempts == 1
        stale = Delivery.objects.filter(pk=delivery.pk, state="pending", attempts=0).update(attempts=1)
        assert stale == 0
        assert outbox._claim_next() is None  # leased
    # A worker killed while sending: the lease runs out and the next drain sends it.
    assert _drain(START + outbox.CLAIM_LEASE + dt.timedelta(seconds=1)).sent == 1
    assert len(robot.received) == 1


@pytest.mark.django_db
def test_backoff_is_capped(settings):
    assert outbox.backoff(1) == dt.timedelta(seconds=60)
    assert outbox.backoff(30) == outbox.MAX_BACKOFF


@pytest.mark.django_db
def test_drain_is_bounded(robot, personas, secretary):
    for i in range(5):
        _notify(secretary, key=f"k{i}")
    with time_machine.travel(START, tick=False):
        assert outbox.outbox_drain(limit=3).sent == 3
        assert outbox.outbox_drain(limit=3).sent == 2
    assert timezone.now() > START
