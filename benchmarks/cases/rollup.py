"""Case 2: the supervisors' roll-up over every community of the district, through the
whole Django stack, beside one hand-written GROUP BY over the same rows."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import connection
from django.urls import reverse

from rectification.devdata.scale import district_slug, supervisor_username
from rectification.models import Organisation
from rectification.selectors.rollup import rollup_rows

from .. import data
from ..figures import Figure, Target, cpu_ms, interleaved
from . import as_of, count_queries, logged_in_client
from .dashboard import COUNTS

GROUP_BY = f"""
SELECT i.organisation_id, max(m.last_progress_at) AS last_progress, {COUNTS}
FROM rectification_measure m
JOIN rectification_finding f ON f.id = m.finding_id
JOIN rectification_category c ON c.id = f.category_id
JOIN rectification_inspection i ON i.id = c.inspection_id
WHERE i.organisation_id IN (SELECT id FROM rectification_organisation WHERE path LIKE %(prefix)s)
GROUP BY i.organisation_id"""


def sql_rollup(prefix: str, today: dt.date) -> list[tuple]:
    with connection.cursor() as cur:
        cur.execute(GROUP_BY, {"prefix": prefix + "%", "today": today, "soon": today})
        return cur.fetchall()


def rollup_page(spec) -> tuple[Organisation, str]:
    """The district and its roll-up URL."""
    district = Organisation.objects.get(slug=district_slug(spec))
    return district, reverse("rectification:rollup") + f"?organisation={district.pk}"


def run(ctx) -> list[Figure]:
    spec = ctx.scale.main
    data.ensure(spec)
    district, url = rollup_page(spec)
    supervisor = get_user_model().objects.get(username=supervisor_username(spec))
    with as_of(ctx.today):
        client = logged_in_client(supervisor)

        def page() -> None:
            response = client.get(url)
            assert response.status_code == 200, response.status_code

        rows = sql_rollup(district.path, ctx.today)
        assert len(rows) == spec.communities, len(rows)
        street_client = logged_in_client(get_user_model().objects.get(username=supervisor_username(spec, 0)))
        queries = count_queries(page)
        street_queries = count_queries(lambda: street_client.get(reverse("rectification:rollup")))
        times = interleaved(
            {
                "page": page,
                "selector": lambda: rollup_rows(root=district, today=ctx.today),
                "sql": lambda: sql_rollup(district.path, ctx.today),
            },
            ctx.runs,
        )
        page_cpu = cpu_ms(page, ctx.runs)
    return [
        Figure(
            "rollup",
            times["page"],
            "ms",
            "rollup.sql-group-by",
            times["sql"],
            targets=[Target("ratio", "<=", 3), Target("median", "<", 100)],
            note=f"{spec.communities} communities in {spec.streets} streets, {spec.total_measures:,} measures",
        ),
        Figure(
            "rollup.selector",
            times["selector"],
            "ms",
            "rollup.sql-group-by",
            times["sql"],
            note="selectors.rollup_rows alone (the ORM side of the page, no request or template)",
        ),
        Figure(
            "rollup.cpu",
            page_cpu,
            "ms",
            note="the web process's CPU time per page (wall time less waiting for the database and the machine)",
        ),
        Figure(
            "rollup.queries",
            [queries],
            "queries",
            "rollup.queries.one-street",
            [street_queries],
            targets=[Target("ratio", "<=", 1)],
            note="the same count for one street's communities: the count does not grow with data",
        ),
    ]
