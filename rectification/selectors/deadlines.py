"""Reads for the documents' due dates: whose reporting rules apply, an inspection's
countdown (the dashboard), and who is late with which document (the roll-up).

The rules themselves (dates, lateness, wording) are rectification/deadlines.py's; these
functions only fetch what it needs, a fixed number of queries whatever the data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from ..deadlines import (
    Countdown,
    ReportingRule,
    ancestor_ids,
    countdown,
    default_rule,
    due_dates,
    late_q,
    rule_for,
    rule_text,
    stored_rule,
)
from ..models import Inspection, ReportingRules, UpwardDocument, document_label

RULE_FIELDS = ("organisation_id", "organisation__short_name", "plan_due_days", "report_due_months", "acceptance_level")


def reporting_rules(organisation_ids: Iterable[int] | None = None) -> dict[int, ReportingRule]:
    """The ReportingRules rows, by the id of the organisation that set them: those of
    ``organisation_ids``, or every one (a handful per district: the sweep reads them all
    rather than name every organisation). Queries: 1."""
    rows = ReportingRules.objects.order_by()
    if organisation_ids is not None:
        rows = rows.filter(organisation_id__in=sorted(set(organisation_ids)))
    return {
        pk: stored_rule(
            plan_due_days=days, report_due_months=months, set_by=name, set_by_id=pk, acceptance_level=acceptance
        )
        for pk, name, days, months, acceptance in rows.values_list(*RULE_FIELDS)
    }


def rules_for_paths(paths: Iterable[str]) -> dict[str, ReportingRule]:
    """The rule of each organisation (by its materialised path): the nearest organisation up
    its tree with rules, else the defaults. Queries: 1, for any number of organisations."""
    paths = set(paths)
    found = reporting_rules({pk for path in paths for pk in ancestor_ids(path)})
    default = default_rule()
    return {path: rule_for(path, found, default) for path in paths}


# ---------------------------------------------------------------------------- the dashboard


@dataclass
class DocumentDeadline:
    """One document of an inspection as the dashboard lists it."""

    kind: str
    sequence: int
    label: str
    state: str
    state_label: str
    due_on: dt.date | None
    countdown: Countdown
    scheduled: bool  # False: not written yet (the next sweep writes it); the date is the rule's


@dataclass
class InspectionDeadlines:
    documents: list[DocumentDeadline]
    rule: ReportingRule
    rule_text: str

    @property
    def late(self) -> list[DocumentDeadline]:
        return [d for d in self.documents if d.countdown.late_days is not None]


STATE_LABELS = dict(UpwardDocument.State.choices)


def inspection_deadlines(*, inspection: Inspection, today: dt.date, soon_days: int = 7) -> InspectionDeadlines:
    """The inspection's documents with their due dates and countdowns, and the rule that
    sets them. Documents the rules call for that have no row yet (an inspection made since
    the last sweep) are shown with the rule's date, as the sweep will write it.

    Queries: 2 (the inspection's documents; the rules up its organisation's tree), the
    inspection's organisation already loaded."""
    rows = inspection.upward_documents.order_by("kind", "sequence").values_list("kind", "sequence", "state", "due_on")
    existing = {(kind, seq): (state, due) for kind, seq, state, due in rows}
    rule = rules_for_paths([inspection.organisation.path])[inspection.organisation.path]
    wanted = {(d.kind, d.sequence): d.due_on for d in due_dates(inspection.feedback_on, rule)}
    keys = sorted(set(existing) | set(wanted), key=lambda k: (k[0] != UpwardDocument.Kind.PLAN, k[1]))
    documents = []
    for kind, seq in keys:
        state, due = existing.get((kind, seq), (UpwardDocument.State.DRAFT, wanted.get((kind, seq))))
        documents.append(
            DocumentDeadline(
                kind=kind,
                sequence=seq,
                label=document_label(kind, seq),
                state=state,
                state_label=str(STATE_LABELS.get(state, state)),
                due_on=due,
                countdown=countdown(state, due, today, soon_days=soon_days),
                scheduled=(kind, seq) in existing,
            )
        )
    return InspectionDeadlines(documents, rule, rule_text(rule))


# ---------------------------------------------------------------------------- the roll-up


@dataclass(frozen=True)
class LateDocument:
    """A document an organisation is late with: 「整改方案 超期 5 天」."""

    label: str
    days: int
    due_on: dt.date
    inspection_id: int


def late_documents(*, organisation_ids: Iterable[int], today: dt.date) -> dict[int, list[LateDocument]]:
    """Per organisation, its inspections' documents that are late today (the lateness rule
    of deadlines.late_q), the longest late first. Queries: 1."""
    rows = (
        UpwardDocument.objects.filter(late_q(today), inspection__organisation_id__in=list(organisation_ids))
        .order_by("due_on", "inspection_id", "kind", "sequence")
        .values_list("inspection__organisation_id", "inspection_id", "kind", "sequence", "due_on")
    )
    out: dict[int, list[LateDocument]] = {}
    for org_id, inspection_id, kind, seq, due in rows:
        late = LateDocument(document_label(kind, seq), (today - due).days, due, inspection_id)
        out.setdefault(org_id, []).append(late)
    return out
