"""Case 1: the secretary's dashboard of one community, through the whole Django stack
(middleware, session, permissions, selectors, template), beside the same figures fetched
by hand-written SQL; and its query count beside the count for the small Fuhua demo."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.urls import reverse

from rectification.devdata.demo import demo_load
from rectification.devdata.scale import community_slug, username
from rectification.models import Inspection, Organisation
from rectification.selectors import dashboard as sel

from .. import data
from ..figures import Figure, Target, cpu_ms, interleaved
from . import as_of, count_queries, logged_in_client

# The scope of one inspection's measures, and the conditional counts of the dashboard's
# counting rules (models.overdue_q / due_within_q and selectors.dashboard.count_rules).
SCOPE = """
FROM rectification_measure m
JOIN rectification_finding f ON f.id = m.finding_id
JOIN rectification_category c ON c.id = f.category_id"""
COUNTS = """
count(*) AS total,
sum(CASE WHEN m.status = 'done' THEN 1 ELSE 0 END) AS done,
sum(CASE WHEN m.status = 'awaiting_sign_off' THEN 1 ELSE 0 END) AS awaiting,
sum(CASE WHEN m.status = 'in_progress' THEN 1 ELSE 0 END) AS in_progress,
sum(CASE WHEN m.status = 'not_started' THEN 1 ELSE 0 END) AS not_started,
sum(CASE WHEN m.due_on < %(today)s AND m.status <> 'done' THEN 1 ELSE 0 END) AS overdue,
sum(CASE WHEN m.status <> 'done' AND m.due_on >= %(today)s AND m.due_on <= %(soon)s THEN 1 ELSE 0 END) AS due_soon,
sum(CASE WHEN m.kind = 'ongoing' THEN 1 ELSE 0 END) AS ongoing,
sum(CASE WHEN m.kind <> 'ongoing' THEN 1 ELSE 0 END) AS bounded,
sum(CASE WHEN m.kind <> 'ongoing' AND m.status = 'done' THEN 1 ELSE 0 END) AS bounded_done,
sum(CASE WHEN m.original_due_on IS NOT NULL AND m.due_on IS NOT NULL AND m.original_due_on <> m.due_on
    THEN 1 ELSE 0 END) AS extended"""
COUNT_NAMES = [
    "total",
    "done",
    "awaiting",
    "in_progress",
    "not_started",
    "overdue",
    "due_soon",
    "ongoing",
    "bounded",
    "bounded_done",
    "extended",
]
LIST_COLUMNS = "m.id, m.title, m.status, m.due_on, m.submitted_at, m.last_progress_at, c.title, f.heading, p.name"
LISTS = {
    "overdue": "m.due_on < %(today)s AND m.status <> 'done' ORDER BY m.due_on, m.id",
    "due_soon": "m.status <> 'done' AND m.due_on >= %(today)s AND m.due_on <= %(soon)s ORDER BY m.due_on, m.id",
    "awaiting": "m.status = 'awaiting_sign_off' ORDER BY m.submitted_at, m.id",
    "ongoing": "m.kind = 'ongoing' AND m.status <> 'done' ORDER BY m.last_progress_at, m.id",
}
SIGNED_OFF_DAY = {
    "postgresql": "(m.signed_off_at AT TIME ZONE 'Asia/Shanghai')::date",
    "sqlite": "date(m.signed_off_at, '+8 hours')",
}


def _queries(vendor: str) -> list[str]:
    where = " WHERE c.inspection_id = %(inspection)s"
    return [
        # Headline counts and the per-category table in one pass (the headline is the sum).
        f"SELECT c.id, c.title, c.position, {COUNTS} {SCOPE} {where} GROUP BY c.id, c.title, c.position"
        " ORDER BY c.position",
        f"SELECT m.leader_id, p.name, {COUNTS} {SCOPE} LEFT JOIN rectification_person p ON p.id = m.leader_id"
        f" {where} GROUP BY m.leader_id, p.name",
        f"SELECT o.person_id, p.name, {COUNTS} {SCOPE}"
        " LEFT JOIN rectification_measure_owners o ON o.measure_id = m.id"
        f" LEFT JOIN rectification_person p ON p.id = o.person_id {where} GROUP BY o.person_id, p.name",
        # Items: lowest-level findings, done when they have measures and none is open.
        "SELECT count(*), sum(CASE WHEN n > 0 AND n_open = 0 THEN 1 ELSE 0 END),"
        " sum(CASE WHEN n = 0 THEN 1 ELSE 0 END) FROM ("
        " SELECT f.id, count(m.id) AS n, sum(CASE WHEN m.status <> 'done' THEN 1 ELSE 0 END) AS n_open"
        " FROM rectification_finding f JOIN rectification_category c ON c.id = f.category_id"
        " LEFT JOIN rectification_measure m ON m.finding_id = f.id"
        f" {where} AND NOT EXISTS (SELECT 1 FROM rectification_finding s WHERE s.parent_id = f.id)"
        " GROUP BY f.id) AS items",
        *(
            f"SELECT {LIST_COLUMNS} {SCOPE} LEFT JOIN rectification_person p ON p.id = m.leader_id"
            f" {where} AND {condition} LIMIT 50"
            for condition in LISTS.values()
        ),
        # Burn-down: due per day and signed off per day (weeks are summed in Python).
        f"SELECT m.due_on, count(*) {SCOPE} {where} AND m.kind <> 'ongoing' GROUP BY m.due_on",
        f"SELECT {SIGNED_OFF_DAY[vendor]} AS day, count(*) {SCOPE} {where}"
        " AND m.kind <> 'ongoing' AND m.status = 'done' GROUP BY day",
        # Activity: the latest timeline entries and measures created or deleted.
        "SELECT e.created_at, e.kind, e.text, u.first_name, m.title FROM rectification_progressentry e"
        " JOIN rectification_measure m ON m.id = e.measure_id"
        " JOIN rectification_finding f ON f.id = m.finding_id JOIN rectification_category c ON c.id = f.category_id"
        f" LEFT JOIN auth_user u ON u.id = e.author_id {where} ORDER BY e.created_at DESC, e.id DESC LIMIT 15",
        "SELECT h.history_type, h.history_user_id, count(*), max(h.history_date) AS at"
        " FROM rectification_historicalmeasure h JOIN rectification_finding f ON f.id = h.finding_id"
        f" JOIN rectification_category c ON c.id = f.category_id {where} AND h.history_type IN ('+', '-')"
        " GROUP BY h.history_type, h.history_user_id ORDER BY at DESC LIMIT 15",
    ]


OWNERS_OF_LISTED = (
    "SELECT o.measure_id, p.id, p.name FROM rectification_measure_owners o"
    " JOIN rectification_person p ON p.id = o.person_id WHERE o.measure_id IN ({ids})"
)


def sql_figures(inspection_id: int, today: dt.date, days: int) -> dict[str, Any]:
    """Everything the dashboard shows, by hand-written SQL: the limit."""
    params = {"inspection": inspection_id, "today": today, "soon": today + dt.timedelta(days=days)}
    results = []
    with connection.cursor() as cur:
        for query in _queries(connection.vendor):
            cur.execute(query, params)
            results.append(cur.fetchall())
        listed = sorted({row[0] for rows in results[4:8] for row in rows})
        if listed:
            cur.execute(OWNERS_OF_LISTED.format(ids=",".join(str(i) for i in listed)))
            results.append(cur.fetchall())
    per_category = results[0]
    headline = {name: sum(row[3 + i] or 0 for row in per_category) for i, name in enumerate(COUNT_NAMES)}
    return {"counts": headline, "items": results[3][0], "rows": results}


def _check_same_figures(inspection: Inspection, today: dt.date, days: int) -> None:
    """The limit must compute what the page computes, or the ratio means nothing."""
    counts = sel.dashboard_data(inspection=inspection, today=today, due_soon_days=days).counts
    by_sql = sql_figures(inspection.pk, today, days)["counts"]
    by_orm = {name: getattr(counts, name) for name in COUNT_NAMES}
    if by_sql != by_orm:
        raise AssertionError(f"hand-written SQL disagrees with the selector: {by_sql} != {by_orm}")


def dashboard_page(spec) -> tuple[Inspection, str]:
    """The inspection the case shows (the first community's latest) and its dashboard URL."""
    org = Organisation.objects.get(slug=community_slug(spec, 0))
    inspection = sel.dashboard_inspections(organisation=org).first()
    return inspection, reverse("rectification:dashboard") + f"?organisation={org.pk}&inspection={inspection.pk}"


def run(ctx) -> list[Figure]:
    spec = ctx.scale.main
    data.ensure(spec)
    demo_load()
    days = settings.RECTIFICATION["DUE_SOON_DAYS"]
    User = get_user_model()
    inspection, url = dashboard_page(spec)
    fuhua = Organisation.objects.get(slug="fuhua")
    with as_of(ctx.today):
        _check_same_figures(inspection, ctx.today, days)
        client = logged_in_client(User.objects.get(username=username(spec, 0, "secretary")))
        demo_client = logged_in_client(User.objects.get(username="shuji"))

        def page() -> None:
            response = client.get(url)
            assert response.status_code == 200, response.status_code

        def demo_page() -> None:
            assert demo_client.get(reverse("rectification:dashboard") + f"?organisation={fuhua.pk}").status_code == 200

        queries, demo_queries = count_queries(page), count_queries(demo_page)
        times = interleaved(
            {
                "page": page,
                "selectors": lambda: sel.dashboard_data(inspection=inspection, today=ctx.today, due_soon_days=days),
                "sql": lambda: sql_figures(inspection.pk, ctx.today, days),
            },
            ctx.runs,
        )
        page_cpu = cpu_ms(page, ctx.runs)
    total = spec.total_measures
    n = sel.dashboard_data(inspection=inspection, today=ctx.today, due_soon_days=days).counts.total
    return [
        Figure(
            "dashboard",
            times["page"],
            "ms",
            "dashboard.sql",
            times["sql"],
            targets=[Target("ratio", "<=", 3), Target("median", "<", 100)],
            note=f"one inspection of {n} measures, {total:,} measures in the database; GET through django.test.Client",
        ),
        Figure(
            "dashboard.selectors",
            times["selectors"],
            "ms",
            "dashboard.sql",
            times["sql"],
            note="selectors.dashboard_data alone (the ORM side of the page, no request or template)",
        ),
        Figure(
            "dashboard.cpu",
            page_cpu,
            "ms",
            note="the web process's CPU time per page (wall time less waiting for the database and the machine)",
        ),
        Figure(
            "dashboard.queries",
            [queries],
            "queries",
            "dashboard.queries.fuhua-demo",
            [demo_queries],
            targets=[Target("ratio", "<=", 1)],
            note="same query count on the small Fuhua demo: the count does not grow with data",
        ),
    ]
