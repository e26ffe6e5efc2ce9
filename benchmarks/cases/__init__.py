"""One module per case; each has ``run(ctx) -> list[Figure]``."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo


@contextlib.contextmanager
def as_of(day: dt.date) -> Iterator[None]:
    """Run as if ``day`` were today (the generated data's reference date), clock ticking.

    time-machine patches the wall clock only; the timers (perf_counter) are untouched."""
    import time_machine
    from django.conf import settings

    noon = dt.datetime.combine(day, dt.time(12, 0), tzinfo=ZoneInfo(settings.TIME_ZONE))
    with time_machine.travel(noon, tick=True):
        yield


def logged_in_client(user):
    from django.test import Client

    from rectification.login_gate import OTP_PENDING, PASSWORD_EXPIRED

    client = Client()
    client.force_login(user)
    # Someone who has passed the login's own steps (the second factor, a current password,
    # which the production profile asks of secretaries and supervisors): the pages are
    # measured, not the login.
    session = client.session
    for key in (OTP_PENDING, PASSWORD_EXPIRED):
        session.pop(key, None)
    session.save()
    return client


def count_queries(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured)
