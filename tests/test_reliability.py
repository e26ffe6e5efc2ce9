"""Reliability under faults: Redis down, a PostgreSQL connection killed under the running
app, twenty clients saving the same measure at once, a PDF failure while publishing.

The PostgreSQL drills (marker ``postgres``) run against a live server thread with its own
database connections, so the kill hits the app's connection and not the test's.
"""

from __future__ import annotations

import datetime as dt
import threading
import urllib.error
import urllib.request
from collections import Counter
from urllib.parse import urlencode

import psycopg2
import pytest
from django.core import mail
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection, connections
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client, RequestFactory
from django.urls import reverse

from rectification import services, tasks
from rectification.documents import pdf as bulletin_pdf
from rectification.models import Bulletin, BulletinVersion, Delivery, Measure, ProgressEntry
from rectification.services.measures import ConflictError

from . import factories as f

S = Measure.Status
THREADS = 20


# ------------------------------------------------------------------ Redis stopped


@pytest.fixture
def redis_down():
    """The Celery app pointed at a port where no Redis listens, as when Redis is stopped."""
    from fuhua.celery import app

    def use(url: str) -> None:
        app.conf.broker_url = url
        app._pool = None  # the next publish connects to the new URL
        app.amqp._producer_pool = None

    original = app.conf.broker_url
    use("redis://127.0.0.1:1/7")
    yield type("RedisDown", (), {"restore": staticmethod(lambda: use(original))})
    use(original)


@pytest.mark.django_db
def test_redis_stopped_pages_and_saves_work_and_mail_goes_out_after(
    redis_down, settings, personas, measure_a, django_capture_on_commit_callbacks
):
    settings.NOTIFY_EMAIL_ENABLED, settings.NOTIFY_WEBHOOK_URL = True, ""
    personas.secretary_a.email = "shuji@example.cn"
    personas.secretary_a.save()
    client = Client()
    client.force_login(personas.staff_a)
    detail = reverse("rectification:measure_detail", args=[measure_a.pk])
    for url in (reverse("rectification:home"), reverse("rectification:measure_list"), detail):
        assert client.get(url).status_code == 200, url
    with django_capture_on_commit_callbacks(execute=True):
        saved = client.post(
            reverse("rectification:measure_progress", args=[measure_a.pk]), {"version": 1, "progress": "已完成排查。"}
        )
        submitted = client.post(
            reverse("rectification:measure_status", args=[measure_a.pk]),
            {"version": 2, "to_status": S.AWAITING_SIGN_OFF},
        )
    assert saved.status_code == submitted.status_code == 302
    measure_a.refresh_from_db()
    assert measure_a.status == S.AWAITING_SIGN_OFF
    assert Delivery.objects.get().state == Delivery.State.PENDING and mail.outbox == []

    redis_down.restore()
    tasks.deliver_outbox()  # what the beat schedule runs every minute
    assert Delivery.objects.get().state == Delivery.State.SENT
    assert [m.to for m in mail.outbox] == [["shuji@example.cn"]]


# ------------------------------------------------------------------ error pages


@pytest.mark.django_db
def test_a_lost_database_connection_is_a_503_page_not_a_traceback(client, personas, monkeypatch):
    from django.db import OperationalError

    from rectification.views import core

    def down(request):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(core.selectors, "inspection_list_for_user", lambda **kw: down(None))
    client.raise_request_exception = False
    client.force_login(personas.staff_a)
    response = client.get(reverse("rectification:inspection_list"))
    assert response.status_code == 503 and response["Retry-After"] == "30"
    body = response.content.decode()
    assert "服务暂时不可用" in body and "Traceback" not in body and "OperationalError" not in body


@pytest.mark.django_db
def test_any_other_failure_is_a_plain_500_page(client, personas, monkeypatch):
    from rectification.views import core

    monkeypatch.setattr(core.selectors, "inspection_list_for_user", lambda **kw: 1 / 0)
    client.raise_request_exception = False
    client.force_login(personas.staff_a)
    response = client.get(reverse("rectification:inspection_list"))
    assert response.status_code == 500
    assert "系统出错" in response.content.decode() and "ZeroDivisionError" not in response.content.decode()


# ------------------------------------------------------------------ WeasyPrint fails while publishing


@pytest.mark.django_db
def test_a_pdf_failure_while_publishing_leaves_the_published_bulletin_as_it_was(
    client, personas, monkeypatch, settings, tmp_path
):
    settings.BULLETIN_FONTS, settings.BULLETIN_PDF_CACHE_DIR = "free", tmp_path
    inspection = f.inspection(organisation=personas.tree.a)
    f.measure(finding=f.finding(category=f.category(inspection=inspection)), progress="已完成。")
    first = services.bulletin_publish(inspection=inspection, user=personas.secretary_a, today=dt.date(2025, 6, 1))
    services.measure_report_progress(
        measure=Measure.objects.get(), user=personas.secretary_a, progress="改过的进展，不应出现在旧版中。"
    )

    def broken(*args, **kwargs):
        raise RuntimeError("WeasyPrint: out of memory")

    monkeypatch.setattr(bulletin_pdf, "write_pdf", broken)
    client.raise_request_exception = False
    client.force_login(personas.secretary_a)
    response = client.post(reverse("rectification:bulletin_publish", args=[inspection.pk]))
    assert response.status_code in (302, 500) and "Traceback" not in response.content.decode()
    assert list(BulletinVersion.objects.values_list("number", "sha256")) == [(1, first.sha256)]
    assert Bulletin.objects.get().version == first.bulletin.version
    public = reverse(
        "rectification:public_bulletin_pdf",
        kwargs={"slug": personas.tree.a.slug, "bulletin_id": first.bulletin_id, "number": 1},
    )
    served = Client().get(public)
    assert served.status_code == 200
    assert b"".join(served.streaming_content) if served.streaming else served.content == bytes(first.pdf)


# ------------------------------------------------------------------ PostgreSQL drills (live server)


def _pg_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL drill (DATABASE_URL=postgres://…)")


def _wsgi_get(path: str) -> tuple[int, str]:
    """A request through Django's WSGI handler, as gunicorn makes it: unlike the test client
    it runs the per-request connection upkeep (close_old_connections, health checks)."""
    environ = RequestFactory()._base_environ(PATH_INFO=path, REQUEST_METHOD="GET")
    started: list[str] = []
    body = b"".join(WSGIHandler()(environ, lambda status, headers: started.append(status)))
    return int(started[0].split()[0]), body.decode()


@pytest.fixture
def persistent_connections(monkeypatch):
    """Keep the app's connection open between requests, as production does (CONN_MAX_AGE);
    a first request replaces the test's short-lived connection by a persistent one."""
    _pg_only()
    settings_dict = connections.settings["default"]
    monkeypatch.setitem(settings_dict, "CONN_MAX_AGE", 300)
    assert _wsgi_get(reverse("rectification:healthz"))[0] == 200
    return settings_dict


def _kill_the_apps_connection() -> None:
    """pg_terminate_backend of the connection the app holds, from another connection."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    params = connection.get_connection_params()
    other = psycopg2.connect(**params)
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            assert cursor.fetchone() == (True,)
    finally:
        other.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_killed_connection_is_replaced_before_the_next_request(persistent_connections):
    """With health checks on (production), the next request notices the dead connection
    before using it and opens a new one: no request fails."""
    url = reverse("rectification:healthz")
    _kill_the_apps_connection()
    assert _wsgi_get(url) == (200, '{"status": "ok"}')
    assert _wsgi_get(url) == (200, '{"status": "ok"}')


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_connection_lost_mid_request_fails_cleanly_and_the_next_request_recovers(persistent_connections):
    """Without the health check the first query finds the connection dead, as a request
    does when the server goes away while it runs: a 503 page, then recovery, no restart."""
    persistent_connections["CONN_HEALTH_CHECKS"] = False  # restored by monkeypatch with the dict
    connection.health_check_enabled = False
    url = reverse("rectification:healthz")
    _kill_the_apps_connection()
    status, body = _wsgi_get(url)
    assert status == 503 and "服务暂时不可用" in body and "Traceback" not in body
    assert _wsgi_get(url) == (200, '{"status": "ok"}')


# ------------------------------------------------------------------ twenty clients, one measure


def _session_opener(user) -> tuple[urllib.request.OpenerDirector, str]:
    """A browser of ``user``: its session and CSRF cookies; returns the CSRF form token."""
    client = Client()
    client.force_login(user)
    token = _get_new_csrf_string()
    opener = urllib.request.build_opener(_NoRedirect())
    opener.addheaders = [("Cookie", f"sessionid={client.cookies['sessionid'].value}; csrftoken={token}")]
    return opener, token


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 is the answer we want to see


def _post(opener, url: str, data: dict) -> int:
    try:
        with opener.open(url, data=urlencode(data).encode(), timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _together(work, count: int = THREADS) -> list:
    """Run ``work(i)`` in ``count`` threads released at the same moment; their results."""
    barrier, results = threading.Barrier(count), [None] * count

    def run(i: int) -> None:
        with connection.cursor() as cursor:  # connect first, so all start their work together
            cursor.execute("SELECT 1")
        barrier.wait()
        try:
            results[i] = work(i)
        finally:
            connections.close_all()  # this thread's own database connection

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


@pytest.fixture
def shared_measure(personas):
    return f.measure_in(personas.tree.a, owners=[personas.person_staff_a])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_browsers_save_the_same_version_one_wins_the_rest_see_the_conflict(
    live_server, personas, shared_measure
):
    _pg_only()
    url = live_server.url + reverse("rectification:measure_progress", args=[shared_measure.pk])
    browsers = [_session_opener(personas.staff_a) for _ in range(THREADS)]
    before = shared_measure.version

    def save(i: int) -> int:
        opener, token = browsers[i]
        return _post(opener, url, {"csrfmiddlewaretoken": token, "version": before, "progress": f"第{i}号浏览器的进展"})

    statuses = _together(save)
    assert Counter(statuses) == {302: 1, 409: THREADS - 1}, statuses
    shared_measure.refresh_from_db()
    winner = statuses.index(302)
    assert (shared_measure.version, shared_measure.progress) == (before + 1, f"第{winner}号浏览器的进展")
    assert shared_measure.history.count() == 2  # created + the one save


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_clients_that_retry_on_conflict_lose_no_update(personas, shared_measure):
    """Each client re-reads and tries again on a conflict (as a person does after the
    conflict page): every version is won by exactly one save and every text is on record."""
    _pg_only()

    def save_until_accepted(i: int) -> int:
        for attempt in range(1, 200):
            current = Measure.objects.get(pk=shared_measure.pk)
            try:
                services.measure_report_progress(
                    measure=current, user=personas.staff_a, progress=f"第{i}号的进展", expected_version=current.version
                )
                return attempt
            except ConflictError:
                continue
        raise AssertionError(f"client {i} never got its save in")

    attempts = _together(save_until_accepted)
    assert all(attempts) and sum(attempts) > THREADS  # they really collided, and all got in
    shared_measure.refresh_from_db()
    assert shared_measure.version == 1 + THREADS
    saves = list(shared_measure.history.filter(history_type="~").values_list("version", "progress"))
    assert sorted(v for v, _p in saves) == list(range(2, 2 + THREADS))  # one save per version
    assert sorted(p for _v, p in saves) == sorted(f"第{i}号的进展" for i in range(THREADS))
    assert ProgressEntry.objects.filter(measure=shared_measure).count() == THREADS
