"""Case 8: the supervisors' review queue (「报送审核」) for the whole district: every
document handed upward and awaiting a decision, every pending change to an approved
plan (方案调整) and every bulletin draft submitted for approval before publication of the
district's communities, through the whole Django stack, beside the
same rows fetched by hand-written SQL.

The data set has no documents handed upward, so the case writes them first, inside a
transaction that is rolled back at the end (the data stays as generated for the other
cases): for each community, its first inspection's plan approved with two pending
changes (a measure to add, a deadline to move), and its other inspections' plan and
report submitted, at their first to third version (the earlier ones returned); its second
inspection's bulletin draft submitted for review. The frozen files are a few bytes each:
the queue never reads them."""

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
    Bulletin,
    BulletinReview,
    Inspection,
    Measure,
    Membership,
    Organisation,
    PlanChange,
    Review,
    SubmittedVersion,
    UpwardDocument,
)
from rectification.selectors.bulletin_review import pending_bulletin_review_rows
from rectification.selectors.plan_changes import pending_plan_change_rows, pending_plan_changes
from rectification.selectors.reviews import review_queue, review_queue_count, review_queue_rows
from rectification.views.upward import QUEUE_PAGE as PAGE

from .. import data
from ..figures import Figure, Target, interleaved
from . import as_of, count_queries, logged_in_client

# What the page shows, fetched by hand: the first page (25 each, oldest first) of the
# documents awaiting review with their latest version and its signer, of the pending
# changes with the measure they concern and who asked, and of the bulletin drafts with
# who submitted them, and how many there are of each (the menu shows their sum).
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
BULLETINS = """
SELECT r.id, r.number, r.submitted_at, b.id, i.id, i.team, o.short_name, u.first_name, u.username
FROM rectification_bulletinreview r
JOIN rectification_bulletin b ON b.id = r.bulletin_id
JOIN rectification_inspection i ON i.id = b.inspection_id
JOIN rectification_organisation o ON o.id = i.organisation_id
JOIN auth_user u ON u.id = r.submitted_by_id
WHERE o.path LIKE %(prefix)s AND r.state = 'submitted'
ORDER BY r.submitted_at, r.id
LIMIT 25"""
COUNT_BULLETINS = """
SELECT count(*) FROM rectification_bulletinreview r
JOIN rectification_bulletin b ON b.id = r.bulletin_id
JOIN rectification_inspection i ON i.id = b.inspection_id
JOIN rectification_organisation o ON o.id = i.organisation_id
WHERE o.path LIKE %(prefix)s AND r.state = 'submitted'"""


def sql_queue(prefix: str) -> tuple[list, list, list, int, int, int]:
    """The first page of each of the three lists and their counts (the menu's count is
    their sum, as on the page)."""
    with connection.cursor() as cur:
        out = []
        for statement in (DOCUMENTS, CHANGES, BULLETINS, COUNT_DOCUMENTS, COUNT_CHANGES, COUNT_BULLETINS):
            cur.execute(statement, {"prefix": prefix + "%"})
            out.append(cur.fetchall())
        documents, changes, bulletins, n_documents, n_changes, n_bulletins = out
        return documents, changes, bulletins, n_documents[0][0], n_changes[0][0], n_bulletins[0][0]


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


def generate(district: Organisation, reviewer_id: int, today: dt.date) -> tuple[int, int, int]:
    """The district's documents, plan changes and bulletin drafts submitted for review (see
    the module docstring), with bulk_create. Returns (documents awaiting review, pending
    changes, bulletin drafts awaiting review)."""
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
    drafts = []  # (inspection, submitter, when): each community's second inspection's bulletin
    for _org, group in itertools.groupby(inspections, key=lambda row: row[1]):
        for n, (inspection_id, organisation_id) in enumerate(group):
            signer = secretaries[organisation_id]
            at = start + dt.timedelta(hours=len(documents))
            if n == 1:
                drafts.append((inspection_id, signer, at))
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
    existing = {b.inspection_id: b for b in Bulletin.objects.filter(inspection_id__in=[pk for pk, *_ in drafts])}
    Bulletin.objects.bulk_create(
        b for pk, *_ in drafts if (b := existing.setdefault(pk, Bulletin(inspection_id=pk))).pk is None
    )
    bulletins = [existing[pk] for pk, *_ in drafts]
    BulletinReview.objects.bulk_create(
        BulletinReview(bulletin=b, number=1, html="<p/>", html_sha256="0" * 64, rendered_on=today,
                       submitted_by_id=signer, submitted_at=at)
        for b, (_pk, signer, at) in zip(bulletins, drafts, strict=True)
    )  # fmt: skip
    return awaiting, len(changes), len(bulletins)


def run(ctx) -> list[Figure]:
    spec = ctx.scale.main
    data.ensure(spec)
    district = Organisation.objects.get(slug=district_slug(spec))
    users = get_user_model().objects
    supervisor = users.get(username=supervisor_username(spec))
    street_supervisor = users.get(username=supervisor_username(spec, 0))
    url = reverse("rectification:review_queue")
    with as_of(ctx.today), transaction.atomic():
        awaiting, pending, drafts = generate(district, supervisor.pk, ctx.today)
        client, street_client = logged_in_client(supervisor), logged_in_client(street_supervisor)

        def page() -> None:
            response = client.get(url)
            assert response.status_code == 200, response.status_code

        documents, changes, bulletins, n_documents, n_changes, n_bulletins = sql_queue(district.path)
        assert (n_documents, n_changes, n_bulletins) == (awaiting, pending, drafts)
        assert len(documents) == min(awaiting, PAGE) and len(changes) == min(pending, PAGE)
        assert len(bulletins) == min(drafts, PAGE)
        total = awaiting + pending + drafts
        assert review_queue_count(user=supervisor) == total and len(review_queue(user=supervisor)) == awaiting
        street_rows = len(review_queue(user=street_supervisor)) + len(pending_plan_changes(user=street_supervisor))
        queries = count_queries(page)
        street_queries = count_queries(lambda: street_client.get(url))
        with CaptureQueriesContext(connection) as captured:
            page()
        own_sql = [q["sql"] for q in captured.captured_queries]

        def selectors() -> None:
            rows = (
                review_queue_rows(user=supervisor),
                pending_plan_change_rows(user=supervisor),
                pending_bulletin_review_rows(user=supervisor),
            )
            for queryset in rows:
                paginator = Paginator(queryset, PAGE)
                list(paginator.page(1).object_list)

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
    rows = f"{awaiting:,} documents awaiting review, {pending:,} pending plan changes and {drafts:,} bulletin drafts"
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
            "their counts, the bell) replayed through a bare cursor",
        ),
        Figure(
            "reviews.selectors",
            times["selectors"],
            "ms",
            "reviews.sql",
            times["sql"],
            note="the three lists' first pages and counts (selectors and Paginator) alone; the menu adds the counts up",
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
