"""Case 9: the district supervisor's acceptance queue (「待验收」): every measure the
communities' secretaries signed off that the district's rule sends to the district for
acceptance (验收), through the whole Django stack, beside the same rows fetched by
hand-written SQL.

The data set's district asks for no acceptance, so the case sets the rule (acceptance by
the street or above, so that the district's office and each street's supervisor both see
their part) and accepts a third of the signed-off measures first (a supervisor's
sign-off row each, as ``measure_accept`` writes), inside a transaction that is rolled back
at the end: the queue then holds the other two thirds, each with the progress and evidence
frozen at the secretary's sign-off."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from rectification.devdata.scale import district_slug, supervisor_username
from rectification.models import Measure, Organisation, ReportingRules, SignOff
from rectification.selectors.acceptance import acceptance_queue_rows
from rectification.views.acceptance import QUEUE_PAGE as PAGE

from .. import data
from ..figures import Figure, Target, interleaved
from . import as_of, count_queries, logged_in_client

# The secretary's latest sign-off, as the queue reads it (portable SQL: the quick run is on
# SQLite).
SIGNED = """(SELECT s.{field} FROM rectification_signoff s
  WHERE s.measure_id = m.id AND s.level = 'secretary' AND s.decision = 'approved'
  ORDER BY s.decided_at DESC, s.id DESC LIMIT 1)"""
SCOPE = """
FROM rectification_measure m
JOIN rectification_finding f ON f.id = m.finding_id
JOIN rectification_category c ON c.id = f.category_id
JOIN rectification_inspection i ON i.id = c.inspection_id
JOIN rectification_organisation o ON o.id = i.organisation_id
WHERE o.path LIKE %(prefix)s AND m.status = 'done' AND m.accepted_at IS NULL"""
ROWS = f"""
SELECT m.id, m.title, m.version, m.signed_off_at, f.heading, i.team, o.short_name,
  {SIGNED.format(field="progress_snapshot")}, {SIGNED.format(field="evidence_snapshot")},
  (SELECT u.first_name FROM auth_user u WHERE u.id = {SIGNED.format(field="decided_by_id")})
{SCOPE}
ORDER BY m.signed_off_at, m.id
LIMIT {PAGE}"""
COUNT = f"SELECT count(*) {SCOPE}"


def sql_queue(prefix: str) -> tuple[list, int]:
    """The first page of the queue and how many there are."""
    with connection.cursor() as cur:
        cur.execute(ROWS, {"prefix": prefix + "%"})
        rows = cur.fetchall()
        cur.execute(COUNT, {"prefix": prefix + "%"})
        return rows, cur.fetchone()[0]


def generate(district: Organisation, supervisor_id: int, today: dt.date) -> tuple[int, int]:
    """The district's rule (acceptance by a street or above) and a third of the signed-off
    measures accepted. Returns (signed off, accepted)."""
    ReportingRules.objects.update_or_create(
        organisation=district, defaults={"acceptance_level": ReportingRules.AcceptanceLevel.STREET}
    )
    done = list(
        Measure.objects.filter(
            finding__category__inspection__organisation__path__startswith=district.path, status=Measure.Status.DONE
        )
        .order_by("pk")
        .values_list("pk", "signed_off_at")
    )
    # After every sign-off (as an acceptance is): the generated ones end on the reference day.
    at = max([timezone.make_aware(dt.datetime.combine(today, dt.time(9)))] + [signed for _pk, signed in done])
    at += dt.timedelta(minutes=1)
    chosen = [pk for n, (pk, _signed) in enumerate(done) if n % 3 == 0]
    SignOff.objects.bulk_create(
        SignOff(
            measure_id=pk,
            decision=SignOff.Decision.APPROVED,
            level=SignOff.Level.SUPERVISOR,
            decided_by_id=supervisor_id,
            decided_at=at,
        )
        for pk in chosen
    )
    Measure.objects.filter(pk__in=chosen).update(accepted_at=at)  # as services.measure_accept
    return len(done), len(chosen)


def run(ctx) -> list[Figure]:
    spec = ctx.scale.main
    data.ensure(spec)
    district = Organisation.objects.get(slug=district_slug(spec))
    users = get_user_model().objects
    supervisor = users.get(username=supervisor_username(spec))
    url = reverse("rectification:acceptance_queue")
    with as_of(ctx.today), transaction.atomic():
        signed_off, accepted = generate(district, supervisor.pk, ctx.today)
        street = users.get(username=supervisor_username(spec, 0))
        street_org = street.memberships.get().organisation
        client, street_client = logged_in_client(supervisor), logged_in_client(street)

        def page() -> None:
            response = client.get(url)
            assert response.status_code == 200, response.status_code

        rows, awaiting = sql_queue(district.path)
        _rows, street_awaiting = sql_queue(street_org.path)
        assert len(rows) == min(awaiting, PAGE) and 0 < street_awaiting <= awaiting
        expected = signed_off - accepted
        assert awaiting == expected, (awaiting, expected)
        assert acceptance_queue_rows(user=supervisor).count() == awaiting
        assert acceptance_queue_rows(user=street).count() == street_awaiting
        queries = count_queries(page)
        street_queries = count_queries(lambda: street_client.get(url))

        def selector() -> None:
            list(Paginator(acceptance_queue_rows(user=supervisor), PAGE).page(1).object_list)

        times = interleaved(
            {"page": page, "selector": selector, "sql": lambda: sql_queue(district.path)},
            ctx.runs,
        )
        transaction.set_rollback(True)  # the data set stays as generated
    return [
        Figure(
            "acceptance",
            times["page"],
            "ms",
            "acceptance.sql",
            times["sql"],
            targets=[Target("ratio", "<=", 3)],
            note=f"GET /acceptance/ as the district's inspection office: {awaiting:,} signed-off "
            f"measures awaiting its acceptance ({accepted:,} accepted already) of {spec.communities} communities, "
            f"{PAGE} on the page with their frozen progress and evidence",
        ),
        Figure(
            "acceptance.selector",
            times["selector"],
            "ms",
            "acceptance.sql",
            times["sql"],
            note="the queue's first page and count (selector and Paginator) alone",
        ),
        Figure(
            "acceptance.queries",
            [queries],
            "queries",
            "acceptance.queries.one-street",
            [street_queries],
            targets=[Target("ratio", "<=", 1)],
            note=f"the same page for one street's supervisor ({street_awaiting:,} awaiting): "
            "the count does not grow with data",
        ),
    ]
