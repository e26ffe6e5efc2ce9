"""Case 8: the supervisors' review queue (「报送审核」) for the whole district: every
document handed upward and awaiting a decision and every pending change to an approved
plan (方案调整) of the district's communities, through the whole Django stack, beside the
same rows fetched by hand-written SQL.

The data set has no documents handed upward, so the case writes them first, inside a
transaction that is rolled back at the end (the data stays as generated for the other
cases): for each community, its first inspection's plan approved with two pending
changes (a measure to add, a deadline to move), and its other inspections' plan and
report submitted, at their first to third version (the earlier ones returned). The
frozen files are a few bytes each: the queue never reads them."""

from __future__ import annotations

import datetime as dt
import itertools

from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rectification.devdata.scale import district_slug, supervisor_username
from rectification.models import (
    Inspection,
    Measure,
    Membership,
    Organisation,
    PlanChange,
    Review,
    SubmittedVersion,
    UpwardDocument,
)
from rectification.selectors.plan_changes import pending_plan_change_rows, pending_plan_changes
from rectification.selectors.reviews import review_queue, review_queue_count, review_queue_rows
from rectification.views.upward import QUEUE_PAGE as PAGE

from .. import data
from ..figures import Figure, Target, interleaved
from . import as_of, count_queries, logged_in_client

# What the page shows, fetched by hand: the first page (25 each, oldest first) of the
# documents awaiting review with their latest version and its signer and of the pending
# changes with the measure they concern and who asked, how many there are of each, and
# the menu's count of both.
DOCUMENTS = """
SELECT d.id, d.kind, d.sequence, d.due_on, i.id, i.team, o.short_name, v.number, v.signed_at,
       u.first_name, u.username
FROM rectification_upwarddocument d
JOIN rectification_inspection i ON i.id = d.inspection_id
JOIN rectification_organisation o ON o.id = i.organisation_id
JOIN rectification_submittedversion v ON v.document_id = d.id
 AND v.number = (SELECT max(number) FROM rectification_submittedversion WHERE document_id = d.id)
JOIN auth_user u ON u.id = v.signed_by_id
WHERE o.path LIKE %(prefix)s AND d.state = 'submitted'
ORDER BY v.signed_at, d.id
LIMIT 25"""
CHANGES = """
SELECT c.id, c.action, c.proposal, c.reason, c.requested_at, d.id, d.kind, d.sequence, i.id, i.team, o.short_name,
       o.path, m.id, m.title, u.first_name, u.username
FROM rectification_planchange c
JOIN rectification_upwarddocument d ON d.id = c.plan_id
JOIN rectification_inspection i ON i.id = d.inspection_id
JOIN rectification_organisation o ON o.id = i.organisation_id
LEFT JOIN rectification_measure m ON m.id = c.measure_id
JOIN auth_user u ON u.id = c.requested_by_id
WHERE o.path LIKE %(prefix)s AND c.state = 'pending'
ORDER BY c.requested_at, c.id
LIMIT 25"""
COUNT_DOCUMENTS = """
SELECT count(*) FROM rectification_upwarddocument d
JOIN rectification_inspection i ON i.id = d.inspection_id
JOIN rectification_organisation o ON o.id = i.organisation_id
WHERE o.path LIKE %(prefix)s AND d.state = 'submitted'"""
COUNT_CHANGES = """
SELECT count(*) FROM rectification_planchange c
JOIN rectification_upwarddocument d ON d.id = c.plan_id
JOIN rectification_inspection i ON i.id = d.inspection_id
JOIN rectification_organisation o ON o.id = i.organisation_id
WHERE o.path LIKE %(prefix)s AND c.state = 'pending'"""
COUNT = """
SELECT count(*) FROM (
  SELECT d.id FROM rectification_upwarddocument d
  JOIN rectification_inspection i ON i.id = d.inspection_id
  JOIN rectification_organisation o ON o.id = i.organisation_id
  WHERE o.path LIKE %(prefix)s AND d.state = 'submitted'
  UNION ALL
  SELECT c.id FROM rectification_planchange c
  JOIN rectification_upwarddocument d ON d.id = c.plan_id
  JOIN rectification_inspection i ON i.id = d.inspection_id
  JOIN rectification_organisation o ON o.id = i.organisation_id
  WHERE o.path LIKE %(prefix)s AND c.state = 'pending'
) AS awaiting"""


def sql_queue(prefix: str) -> tuple[list, list, int, int, int]:
    """The first page of each list, their counts, the menu's count."""
    with connection.cursor() as cur:
        out = []
        for statement in (DOCUMENTS, CHANGES, COUNT_DOCUMENTS, COUNT_CHANGES, COUNT):
            cur.execute(statement, {"prefix": prefix + "%"})
            out.append(cur.fetchall())
        documents, changes, n_documents, n_changes, total = out
        return documents, changes, n_documents[0][0], n_changes[0][0], total[0][0]


def replay(statements: list[str]) -> None:
    """The page's own SQL, as it ran, through a bare cursor."""
    with connection.cursor() as cur:
        for statement in statements:
            cur.execute(statement)
            if cur.description:
                cur.fetchall()


def _version(document: UpwardDocument, number: int, signer: int, at: dt.datetime) -> SubmittedVersion:
    return SubmittedVersion(
        document=document, number=number, content={}, text=f"第{number}稿", html="<p/>", pdf=b"%PDF-1.4",
        docx=b"PK", sha256="0" * 64, docx_sha256="0" * 64, attestation="本人已审核上述内容，确认真实、准确、完整，签字背书。",
        signed_by_id=signer, signed_at=at,
    )  # fmt: skip


def generate(district: Organisation, reviewer_id: int, today: dt.date) -> tuple[int, int]:
    """The district's documents and plan changes (see the module docstring), with
    bulk_create. Returns (documents awaiting review, pending changes)."""
    inspections = list(
        Inspection.objects.filter(organisation__path__startswith=district.path, upward_documents__isnull=True)
        .order_by("organisation_id", "feedback_on", "pk")
        .values_list("pk", "organisation_id")
    )
    secretaries = dict(
        Membership.objects.filter(organisation__path__startswith=district.path, role=Membership.Role.SECRETARY)
        .order_by("organisation_id", "pk")
        .values_list("organisation_id", "user_id")
    )
    first_measures = {}
    for inspection_id, measure_id, finding_id in Measure.objects.filter(
        finding__category__inspection__in=[pk for pk, _org in inspections]
    ).values_list("finding__category__inspection_id", "pk", "finding_id"):
        first_measures.setdefault(inspection_id, (measure_id, finding_id))
    start = timezone.make_aware(dt.datetime.combine(today, dt.time(9))) - dt.timedelta(days=60)
    documents, versions, reviews, changes = [], [], [], []
    awaiting = 0
    for _org, group in itertools.groupby(inspections, key=lambda row: row[1]):
        for n, (inspection_id, organisation_id) in enumerate(group):
            signer = secretaries[organisation_id]
            at = start + dt.timedelta(hours=len(documents))
            if n == 0:  # the approved plan and its changes
                plan = UpwardDocument(inspection_id=inspection_id, kind="plan", state="approved")
                documents.append(plan)
                versions.append(_version(plan, 1, signer, at))
                reviews.append((len(versions) - 1, "approved"))
                measure_id, finding_id = first_measures[inspection_id]
                changes += [
                    PlanChange(
                        plan=plan, action="add", finding_id=finding_id, reason="巡察办要求补充长效机制",
                        proposal={"title": "建立月度复查制度", "kind": "time_bound", "due_on": "2025-09-30"},
                        requested_by_id=signer, requested_at=at,
                    ),
                    PlanChange(
                        plan=plan, action="redate", measure_id=measure_id, reason="需协调区直部门",
                        proposal={"due_on": "2025-12-31", "old_due_on": "2025-06-30", "kind": "time_bound"},
                        requested_by_id=signer, requested_at=at,
                    ),
                ]  # fmt: skip
                continue
            for kind in ("plan", "report"):
                document = UpwardDocument(inspection_id=inspection_id, kind=kind, state="submitted")
                documents.append(document)
                awaiting += 1
                count = 1 + len(documents) % 3
                for number in range(1, count + 1):
                    versions.append(_version(document, number, signer, at + dt.timedelta(days=number)))
                    if number < count:
                        reviews.append((len(versions) - 1, "returned"))
    # Each bulk_create reads the new rows' ids back, which the next rows refer to.
    UpwardDocument.objects.bulk_create(documents)
    SubmittedVersion.objects.bulk_create(versions)
    Review.objects.bulk_create(
        Review(submitted=versions[i], decision=decision, comments="请修改" if decision == "returned" else "",
               reviewer_id=reviewer_id)
        for i, decision in reviews
    )  # fmt: skip
    PlanChange.objects.bulk_create(changes)
    return awaiting, len(changes)


def run(ctx) -> list[Figure]:
    spec = ctx.scale.main
    data.ensure(spec)
    district = Organisation.objects.get(slug=district_slug(spec))
    users = get_user_model().objects
    supervisor = users.get(username=supervisor_username(spec))
    street_supervisor = users.get(username=supervisor_username(spec, 0))
    url = reverse("rectification:review_queue")
    with as_of(ctx.today), transaction.atomic():
        awaiting, pending = generate(district, supervisor.pk, ctx.today)
        client, street_client = logged_in_client(supervisor), logged_in_client(street_supervisor)

        def page() -> None:
            response = client.get(url)
            assert response.status_code == 200, response.status_code

        documents, changes, n_documents, n_changes, total = sql_queue(district.path)
        assert (n_documents, n_changes, total) == (awaiting, pending, awaiting + pending)
        assert len(documents) == min(awaiting, PAGE) and len(changes) == min(pending, PAGE)
        assert review_queue_count(user=supervisor) == total and len(review_queue(user=supervisor)) == awaiting
        street_rows = len(review_queue(user=street_supervisor)) + len(pending_plan_changes(user=street_supervisor))
        queries = count_queries(page)
        street_queries = count_queries(lambda: street_client.get(url))
        with CaptureQueriesContext(connection) as captured:
            page()
        own_sql = [q["sql"] for q in captured.captured_queries]

        def selectors() -> None:
            for rows in (review_queue_rows(user=supervisor), pending_plan_change_rows(user=supervisor)):
                paginator = Paginator(rows, PAGE)
                list(paginator.page(1).object_list)
            review_queue_count(user=supervisor)

        times = interleaved(
            {
                "page": page,
                "selectors": selectors,
                "sql": lambda: sql_queue(district.path),
                "own-sql": lambda: replay(own_sql),
            },
            ctx.runs,
        )
        transaction.set_rollback(True)  # the data set stays as generated
    rows = f"{awaiting:,} documents awaiting review and {pending:,} pending plan changes"
    return [
        Figure(
            "reviews",
            times["page"],
            "ms",
            "reviews.sql",
            times["sql"],
            targets=[Target("ratio", "<=", 3)],
            note=f"GET /reviews/ as the district's inspection office: {rows} of {spec.communities} communities, "
            f"{PAGE} of each list on the page",
        ),
        Figure(
            "reviews.own-sql",
            times["page"],
            "ms",
            "reviews.own-sql-replayed",
            times["own-sql"],
            note=f"the same page against its own {len(own_sql)} statements (session, user, memberships, the lists, "
            "their counts, the menu's count, the bell) replayed through a bare cursor",
        ),
        Figure(
            "reviews.selectors",
            times["selectors"],
            "ms",
            "reviews.sql",
            times["sql"],
            note="the two lists' first pages and counts (selectors and Paginator) and the menu's count alone",
        ),
        Figure(
            "reviews.queries",
            [queries],
            "queries",
            "reviews.queries.one-street",
            [street_queries],
            targets=[Target("ratio", "<=", 1)],
            note=f"the same page for one street's supervisor ({street_rows:,} rows): the count does not grow with data",
        ),
    ]
