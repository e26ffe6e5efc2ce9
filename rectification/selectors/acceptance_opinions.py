"""Reads of the 整改验收意见 (the acceptance's conclusion on a whole inspection): an
inspection's opinions with the figures they state, one opinion for its files, and the
roll-up's per-organisation conclusions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import BooleanField as BoolField
from django.db.models import Case, Prefetch, QuerySet, Value, When

from ..models import AcceptanceOpinion, Finding, Inspection, Measure, Organisation, accepted_q
from .counting import Counts, count_expressions


@dataclass(frozen=True)
class OpinionFigures:
    """What the opinion states about the inspection: its problems (items without sub-items)
    and measures, signed off and accepted, by the dashboard's counting rules (counting.py).
    Frozen on the opinion when it is issued (``AcceptanceOpinion.figures``)."""

    findings: int = 0
    total: int = 0
    done: int = 0
    accepted: int = 0

    @property
    def not_accepted(self) -> int:
        return self.total - self.accepted

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def opinion_figures(*, inspection: Inspection, today: dt.date) -> OpinionFigures:
    """The inspection's figures now. Queries: 2 (the items without sub-items, the measures' counts)."""
    findings = Finding.objects.filter(category__inspection=inspection, subfindings__isnull=True).count()
    row = Measure.objects.filter(finding__category__inspection=inspection).aggregate(**count_expressions(today, 0))
    counts = Counts.from_row(row)
    return OpinionFigures(findings, counts.total, counts.done, counts.accepted)


def figures_of(opinion: AcceptanceOpinion, *, today: dt.date) -> OpinionFigures:
    """The figures an opinion's document states: frozen at issue, live on a draft.
    Queries: none when issued, else 2."""
    if opinion.is_issued and opinion.figures:
        names = OpinionFigures.__dataclass_fields__
        return OpinionFigures(**{k: int(v) for k, v in opinion.figures.items() if k in names})
    return opinion_figures(inspection=opinion.inspection, today=today)


def _opinions() -> QuerySet[AcceptanceOpinion]:
    measures = Measure.objects.select_related("finding").order_by("finding__category__position", "finding__position")
    return AcceptanceOpinion.objects.select_related(
        "inspection__organisation", "issuer", "drafted_by", "issued_by"
    ).prefetch_related(Prefetch("measures", measures.order_by("finding__category__position", "position")))


def inspection_opinions(*, inspection: Inspection) -> list[AcceptanceOpinion]:
    """The inspection's opinions, first round first, with their measures.
    Queries: 2 (the opinions, their measures)."""
    return list(_opinions().filter(inspection=inspection).order_by("round"))


def acceptance_opinion(*, pk: int, organisations: QuerySet[Organisation]) -> AcceptanceOpinion:
    """One opinion on an inspection of one of ``organisations`` (the caller's reach), with
    what its document needs (DoesNotExist otherwise: a 404). Queries: 2."""
    return _opinions().filter(inspection__organisation__in=organisations).get(pk=pk)


def measures_for_choice(*, inspection: Inspection) -> list[Measure]:
    """The inspection's measures in plan order, each with ``is_accepted`` (the counting rule
    已验收), for choosing those a second round concerns. Queries: 1."""
    accepted = Case(When(accepted_q(), then=Value(True)), default=Value(False), output_field=BoolField())
    return list(
        Measure.objects.filter(finding__category__inspection=inspection)
        .select_related("finding__category")
        .annotate(is_accepted=accepted)
        .order_by("finding__category__position", "finding__position", "position")
    )


def latest_conclusions(*, inspection_ids: list[int]) -> dict[int, AcceptanceOpinion]:
    """Per inspection, its latest issued opinion (the conclusion that stands). Queries: 1."""
    out: dict[int, AcceptanceOpinion] = {}
    issued = AcceptanceOpinion.objects.filter(
        inspection_id__in=inspection_ids, state=AcceptanceOpinion.State.ISSUED
    ).order_by("inspection_id", "round")
    for opinion in issued:
        out[opinion.inspection_id] = opinion  # a later round replaces an earlier one
    return out


@dataclass(frozen=True)
class ConclusionCounts:
    """Per organisation: inspections whose standing conclusion is passed, or a second round
    (``second_late``: of those, the ones past the second round's date)."""

    passed: int = 0
    second_round: int = 0
    second_late: int = 0


def conclusion_counts(*, organisation_ids: list[int], today: dt.date) -> dict[int, ConclusionCounts]:
    """The roll-up's 验收结论 column. Queries: 1, whatever the number of organisations."""
    rows = (
        AcceptanceOpinion.objects.filter(
            inspection__organisation_id__in=organisation_ids, state=AcceptanceOpinion.State.ISSUED
        )
        .values("inspection__organisation_id", "inspection_id", "round", "conclusion", "second_due_on")
        .order_by("inspection_id", "round")
    )
    standing: dict[int, dict] = {}
    for row in rows:
        standing[row["inspection_id"]] = row
    counts: dict[int, list[int]] = {}
    for row in standing.values():
        slot = counts.setdefault(row["inspection__organisation_id"], [0, 0, 0])
        if row["conclusion"] == AcceptanceOpinion.Conclusion.PASSED:
            slot[0] += 1
        else:
            slot[1] += 1
            slot[2] += int(bool(row["second_due_on"]) and row["second_due_on"] < today)
    return {org_id: ConclusionCounts(*slot) for org_id, slot in counts.items()}
