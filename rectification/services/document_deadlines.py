"""The documents an inspection hands upward, scheduled and reminded: the rows with their due
dates (整改方案 and each 整改情况报告), and their rungs on the reminder ladder.

Scheduling (``documents_schedule``): every inspection has one UpwardDocument per document
its organisation's rules call for (deadlines.due_dates), with the rule's due date; when the
rules change, the due dates of documents not yet submitted follow. Submitted and approved
documents keep the date they were due by. A report the rules no longer call for keeps its
row (a draft may hold the secretary's work) but loses its due date. Run by the daily sweep,
and right after an inspection is created, edited or imported, so the dashboard counts down
from the first day.

Reminders (working days only, as the measures' ladder; each notice once, by its key, which
carries the due date, so a changed date reminds afresh):
  REMIND_BEFORE_WORKDAYS working days before the due date, not submitted → the secretary
  due date passed, not submitted (a draft or returned) → the secretary, and the supervisors
      of the nearest organisation above with supervisors (the side the document goes to)
Nothing once it is submitted or approved. A document late for longer than
OVERDUE_NOTICE_WINDOW_DAYS when the sweep first sees it (an old inspection entered late)
gets no overdue notice: the dashboard and the roll-up show it late, but nobody is told
"today" about a date that passed long ago; this also keeps the daily read to what was due
lately, not every old document.

Set-based and idempotent like the rest of the sweep: a fixed number of statements, inserts
that skip what a unique constraint refuses, updates conditional on the state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import BigIntegerField, Case, DateField, Value, When
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from ..deadlines import NOT_SUBMITTED, ancestor_ids, due_dates
from ..models import Inspection, Membership, Notification, UpwardDocument, document_label
from ..permissions import secretary_memberships
from ..selectors.deadlines import rules_for_paths
from . import workdays
from .notification_kinds import Kind
from .outbox import deliveries_queue
from .sql import chunks, insert_rows_returning, insert_select

OVERDUE_NOTICE_WINDOW_DAYS = 30
_DOC_COLUMNS = ("inspection", "kind", "sequence", "state", "content", "due_on", "version", "updated_at")
_NOTIFICATION_COLUMNS = ("recipient", "key", "kind", "message", "measure", "created_at")


@dataclass
class Scheduled:
    created: int = 0
    moved: int = 0


# ---------------------------------------------------------------------------- scheduling


# No savepoint of its own: called from inside a service's transaction (creating, editing or
# importing an inspection) it is part of that one, and alone (the sweep) it is its own.
@transaction.atomic(savepoint=False)
def documents_schedule(*, inspection_ids: Iterable[int] | None = None) -> Scheduled:
    """Create the missing documents of these inspections (all when None) and move the due
    dates of those not yet submitted to what the rules now say. Returns what changed; a
    second run changes nothing. Queries: 3 reads (inspections, rules, documents), then per
    500 rows one INSERT or UPDATE and one INSERT of their history, only when there is any."""
    inspections = Inspection.objects.order_by()
    documents = UpwardDocument.objects.order_by()
    if inspection_ids is not None:
        ids = sorted(set(inspection_ids))
        inspections, documents = inspections.filter(pk__in=ids), documents.filter(inspection_id__in=ids)
    wanted_rows = list(inspections.values_list("pk", "feedback_on", "organisation__path"))
    rules = rules_for_paths(path for _pk, _feedback, path in wanted_rows)
    wanted = {
        (pk, due.kind, due.sequence): due.due_on
        for pk, feedback, path in wanted_rows
        for due in due_dates(feedback, rules[path])
    }
    existing = {
        (insp, kind, seq): (pk, state, due)
        for pk, insp, kind, seq, state, due in documents.values_list(
            "pk", "inspection_id", "kind", "sequence", "state", "due_on"
        )
    }
    now = timezone.now()
    new = [
        (insp, kind, seq, UpwardDocument.State.DRAFT, {}, due, 1, now)
        for (insp, kind, seq), due in wanted.items()
        if (insp, kind, seq) not in existing
    ]
    created = [pk for (pk,) in insert_rows_returning(UpwardDocument, _DOC_COLUMNS, new, returning=("id",))]
    _record_history(created, "+", now)
    moves = {
        pk: wanted.get(key)
        for key, (pk, state, due) in existing.items()
        if state in NOT_SUBMITTED and wanted.get(key) != due
    }
    moved = _move(moves)
    _record_history(moved, "~", now)
    return Scheduled(created=len(created), moved=len(moved))


def _move(moves: dict[int, dt.date | None]) -> list[int]:
    """Set each document's due date (pk → date), unless it was submitted meanwhile: one
    UPDATE per 500 documents. Returns the ids of those moved."""
    moved: list[int] = []
    for chunk in chunks(sorted(moves)):
        rows = UpwardDocument.objects.filter(pk__in=chunk, state__in=NOT_SUBMITTED)
        new_due = Case(*[When(pk=pk, then=Value(moves[pk])) for pk in chunk], output_field=DateField())
        if rows.update(due_on=new_due):
            moved += list(rows.filter(pk__in=chunk).values_list("pk", flat=True))
    return moved


def _record_history(ids: list[int], history_type: str, when: dt.datetime) -> None:
    """The documents' history rows (simple_history's, as a save would write them) for rows
    written in bulk: one INSERT … SELECT per 500, by the system (no user)."""
    history = UpwardDocument.history.model
    tracked = [f.attname for f in history._meta.concrete_fields if not f.attname.startswith("history_")]
    for chunk in chunks(ids):
        source = (
            UpwardDocument.objects.filter(pk__in=chunk)
            .order_by()
            .annotate(
                h_date=Value(when),
                h_type=Value(history_type),
                h_user=Cast(Value(None), output_field=BigIntegerField()),
            )
            .values_list(*tracked, "h_date", "h_type", "h_user")
        )
        insert_select(history, [*tracked, "history_date", "history_type", "history_user"], source)


# ---------------------------------------------------------------------------- reminders


@dataclass(frozen=True)
class _Doc:
    inspection_id: int
    kind: str
    sequence: int
    due_on: dt.date
    organisation_id: int
    organisation_path: str
    organisation_name: str
    team: str

    @property
    def label(self) -> str:
        return document_label(self.kind, self.sequence)

    def key(self, step: str) -> str:
        return f"{step}:{self.inspection_id}:{self.kind}{self.sequence}:{self.due_on.isoformat()}"


@transaction.atomic
def document_reminders(*, today: dt.date) -> tuple[int, int]:
    """The documents' rungs of the ladder for ``today`` (a working day): the reminder before
    the due date, the notice once it has passed. Returns (reminders, overdue notices).
    Queries: 1 read of the documents due lately or soon, and when there are any, the
    secretaries, the supervisors above, and per 500 notices their INSERT and outbox."""
    limit = workdays.add_workdays(today, settings.RECTIFICATION["REMIND_BEFORE_WORKDAYS"])
    earliest = today - dt.timedelta(days=OVERDUE_NOTICE_WINDOW_DAYS)
    docs = [
        _Doc(*row)
        for row in UpwardDocument.objects.filter(state__in=NOT_SUBMITTED, due_on__gte=earliest, due_on__lte=limit)
        .order_by("due_on", "pk")
        .values_list(
            "inspection_id",
            "kind",
            "sequence",
            "due_on",
            "inspection__organisation_id",
            "inspection__organisation__path",
            "inspection__organisation__short_name",
            "inspection__team",
        )
    ]
    if not docs:
        return 0, 0
    soon = [d for d in docs if d.due_on >= today]
    late = [d for d in docs if d.due_on < today]
    secretaries = _by_organisation(secretary_memberships({d.organisation_id for d in docs}))
    supervisors = _supervisors_above({d.organisation_path for d in late})
    rows: list[tuple[int, str, str, str]] = []
    for d in soon:
        message = _("{document}（{team}）应于 {due} 前报送，请抓紧起草、按时报送。")
        text = message.format(document=d.label, team=d.team, due=d.due_on.isoformat())
        rows += [
            (user, d.key(Kind.DOCUMENT_DUE_SOON), Kind.DOCUMENT_DUE_SOON, text)
            for user in secretaries.get(d.organisation_id, [])
        ]
    for d in late:
        message = _("{document}（{team}）已超过报送期限（{due}）仍未报送，请尽快报送。")
        text = message.format(document=d.label, team=d.team, due=d.due_on.isoformat())
        rows += [
            (user, d.key(Kind.DOCUMENT_OVERDUE), Kind.DOCUMENT_OVERDUE, text)
            for user in secretaries.get(d.organisation_id, [])
        ]
        message = _("{organisation}的{document}（{team}）已超过报送期限（{due}）仍未报送。")
        text = message.format(organisation=d.organisation_name, document=d.label, team=d.team, due=d.due_on.isoformat())
        rows += [
            (user, d.key(Kind.DOCUMENT_OVERDUE), Kind.DOCUMENT_OVERDUE, text)
            for user in supervisors.get(d.organisation_path, [])
        ]
    created = _notify(rows)
    return created.get(Kind.DOCUMENT_DUE_SOON, 0), created.get(Kind.DOCUMENT_OVERDUE, 0)


def _by_organisation(memberships) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for org_id, user_id in memberships.order_by("user_id").values_list("organisation_id", "user_id"):
        out.setdefault(org_id, []).append(user_id)
    return out


def _supervisors_above(paths: set[str]) -> dict[str, list[int]]:
    """For each organisation (by path), the active supervisors of the nearest organisation
    above it that has any: a community's street, or the district where the street has none.
    Queries: 1 (none without paths)."""
    above = {path: ancestor_ids(path)[1:] for path in paths}
    ids = {pk for chain in above.values() for pk in chain}
    if not ids:
        return {}
    found = _by_organisation(
        Membership.objects.filter(
            organisation_id__in=sorted(ids), role=Membership.Role.SUPERVISOR, user__is_active=True
        )
    )
    return {path: next((found[pk] for pk in chain if pk in found), []) for path, chain in above.items()}


def _notify(rows: list[tuple[int, str, str, str]]) -> dict[str, int]:
    """Notifications (recipient, key, kind, message), each (recipient, key) once: those
    already sent are skipped by the unique constraint. Returns how many were new, by kind."""
    now = timezone.now()
    values = [(user, key, kind, message, None, now) for user, key, kind, message in rows]
    created = insert_rows_returning(Notification, _NOTIFICATION_COLUMNS, values, returning=("id", "kind"))
    deliveries_queue([pk for pk, _kind in created])
    counts: dict[str, int] = {}
    for _pk, kind in created:
        counts[kind] = counts.get(kind, 0) + 1
    return counts
