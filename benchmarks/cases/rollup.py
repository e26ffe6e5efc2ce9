"""Case 2: the supervisors' roll-up over every community of the district, through the
whole Django stack, beside hand-written GROUP BYs over the same rows.

The roll-up's supervising columns (issue 21) need what the data set does not hold: the
case writes it first, inside a transaction that is rolled back at the end (the data stays
as generated for the other cases): the district's rule asking for acceptance, a third of
the signed-off measures accepted (as the acceptance case does), and for half the
communities two 督办函 each, one of them answered (every third answer late), and a 约谈
for every fourth community."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from rectification.devdata.scale import district_slug, supervisor_username
from rectification.models import Inspection, Organisation, Talk, UrgingLetter, UrgingReply
from rectification.selectors.rollup import rollup_rows

from .. import data
from ..figures import Figure, Target, cpu_ms, interleaved
from . import as_of, count_queries, logged_in_client
from .acceptance import generate as accept_a_third
from .dashboard import COUNTS

# 已验收: done, and a supervisor accepted this sign-off.
ACCEPTED = "sum(CASE WHEN m.status = 'done' AND m.accepted_at IS NOT NULL THEN 1 ELSE 0 END) AS accepted"
GROUP_BY = f"""
SELECT i.organisation_id, max(m.last_progress_at) AS last_progress, {COUNTS}, {ACCEPTED}
FROM rectification_measure m
JOIN rectification_finding f ON f.id = m.finding_id
JOIN rectification_category c ON c.id = f.category_id
JOIN rectification_inspection i ON i.id = c.inspection_id
WHERE i.organisation_id IN (SELECT id FROM rectification_organisation WHERE path LIKE %(prefix)s)
GROUP BY i.organisation_id"""
IN_SUBTREE = "organisation_id IN (SELECT id FROM rectification_organisation WHERE path LIKE %(prefix)s)"
# Open letters, answered ones, late replies (answered after the deadline, or not yet and past it).
LETTERS = f"""
SELECT l.organisation_id, sum(CASE WHEN r.id IS NULL THEN 1 ELSE 0 END), sum(CASE WHEN r.id IS NULL THEN 0 ELSE 1 END),
  sum(CASE WHEN (r.id IS NULL AND l.reply_due_on < %(today)s) OR r.replied_at >= l.reply_due_on + 1
      THEN 1 ELSE 0 END)
FROM rectification_urgingletter l LEFT JOIN rectification_urgingreply r ON r.letter_id = l.id
WHERE l.{IN_SUBTREE} GROUP BY l.organisation_id"""
TALKS = f"SELECT organisation_id, count(*) FROM rectification_talk WHERE {IN_SUBTREE} GROUP BY organisation_id"


def sql_rollup(prefix: str, today: dt.date) -> tuple[list, list, list]:
    """Per organisation: the measures' counts, the letters', the talks'."""
    params = {"prefix": prefix + "%", "today": today, "soon": today}
    with connection.cursor() as cur:
        out = []
        for statement in (GROUP_BY, LETTERS.replace("l.reply_due_on + 1", _next_day()), TALKS):
            cur.execute(statement, params)
            out.append(cur.fetchall())
        return out[0], out[1], out[2]


def _next_day() -> str:
    """The day after the reply deadline, as a timestamp both databases compare with."""
    if connection.vendor == "postgresql":
        return "(l.reply_due_on + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'"
    return "datetime(l.reply_due_on, '+1 day', '-8 hours')"


def urge(district: Organisation, supervisor_id: int, today: dt.date) -> tuple[int, int]:
    """Letters, replies and talks for the district's communities (see the module
    docstring). Returns (letters, talks)."""
    firsts = {}
    for pk, org_id in (
        Inspection.objects.filter(organisation__path__startswith=district.path)
        .order_by("organisation_id", "feedback_on", "pk")
        .values_list("pk", "organisation_id")
    ):
        firsts.setdefault(org_id, pk)
    at = timezone.make_aware(dt.datetime.combine(today, dt.time(9)))
    letters, talks = [], []
    for n, (org_id, inspection_id) in enumerate(sorted(firsts.items())):
        if n % 2 == 0:
            for k in range(2):
                letters.append(
                    UrgingLetter(
                        issuer=district, organisation_id=org_id, inspection_id=inspection_id, prefix="福巡督",
                        year=today.year, serial=len(letters) + 1, subject="关于加快整改进度的督办函",
                        text="请于期限内报告整改进展。", reply_due_on=today - dt.timedelta(days=10 - 15 * k),
                        issued_by_id=supervisor_id, issued_at=at - dt.timedelta(days=20),
                    )
                )  # fmt: skip
        if n % 4 == 0:
            talks.append(
                Talk(
                    issuer=district, organisation_id=org_id, inspection_id=inspection_id,
                    held_on=today - dt.timedelta(days=5), talked_by="区委巡察办主任", talked_with="社区党委书记",
                    reason="整改进度滞后", recorded_by_id=supervisor_id,
                )
            )  # fmt: skip
    UrgingLetter.objects.bulk_create(letters)
    Talk.objects.bulk_create(talks)
    replies = [
        UrgingReply(
            letter=letter, text="已按要求整改。", replied_by_id=supervisor_id,
            replied_at=at - dt.timedelta(days=(-3 if n % 3 == 0 else 12)),
        )
        for n, letter in enumerate(letters[::2])
    ]  # fmt: skip
    UrgingReply.objects.bulk_create(replies)
    return len(letters), len(talks)


def rollup_page(spec) -> tuple[Organisation, str]:
    """The district and its roll-up URL."""
    district = Organisation.objects.get(slug=district_slug(spec))
    return district, reverse("rectification:rollup") + f"?organisation={district.pk}"


def run(ctx) -> list[Figure]:
    spec = ctx.scale.main
    data.ensure(spec)
    district, url = rollup_page(spec)
    supervisor = get_user_model().objects.get(username=supervisor_username(spec))
    with as_of(ctx.today), transaction.atomic():
        _signed_off, accepted = accept_a_third(district, supervisor.pk, ctx.today)
        letters, talks = urge(district, supervisor.pk, ctx.today)
        client = logged_in_client(supervisor)

        def page() -> None:
            response = client.get(url)
            assert response.status_code == 200, response.status_code

        rows = sql_rollup(district.path, ctx.today)
        _check(rollup_rows(root=district, today=ctx.today), rows, spec.communities, (accepted, letters, talks))
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
        transaction.set_rollback(True)  # the data set stays as generated
    return [
        Figure(
            "rollup",
            times["page"],
            "ms",
            "rollup.sql-group-by",
            times["sql"],
            targets=[Target("ratio", "<=", 3), Target("median", "<", 100)],
            note=f"{spec.communities} communities in {spec.streets} streets, {spec.total_measures:,} measures; "
            f"{accepted:,} accepted, {letters} 督办函 (half answered), {talks} 约谈",
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


def _check(page_rows, sql_rows: tuple[list, list, list], communities: int, written: tuple[int, int, int]) -> None:
    """The selector and the hand-written SQL agree on what the case wrote."""
    accepted, letters, talks = written
    measures, letter_rows, talk_rows = sql_rows
    assert len([r for r in page_rows if r.counts.total]) == communities == len(measures)
    assert sum(r.counts.accepted for r in page_rows) == sum(r[-1] for r in measures) == accepted
    assert sum(r.urging.open + r.urging.answered for r in page_rows) == letters
    assert sum(r.urging.late for r in page_rows) == sum(r[3] for r in letter_rows)
    assert sum(r.urging.talks for r in page_rows) == talks == sum(r[1] for r in talk_rows)
