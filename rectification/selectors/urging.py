"""Reads of urging from above (督办): the letters and talks of an organisation, one letter
with its reply, the measures a supervisor may urge with their colours, and the roll-up's
per-organisation counts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone

from ..models import Inspection, Measure, Organisation, Talk, UrgingLetter
from ..permissions import Role, organisation_scope
from ..urge_colour import urge_colour


def urging_letter(*, pk: int, organisations: QuerySet[Organisation]) -> UrgingLetter:
    """One letter to one of ``organisations`` (the caller's reach) with its issuer,
    organisation, inspection, reply and measures (DoesNotExist otherwise: a 404).
    Queries: 3 (the letter and its reply, the measures with their findings, the attachments)."""
    return (
        UrgingLetter.objects.filter(organisation__in=organisations)
        .select_related(
            "issuer",
            "organisation",
            "inspection",
            "issued_by",
            "reply",
            "reply__replied_by",
            "withdrawn_by",
            "closed_by",
        )
        .prefetch_related(Prefetch("measures", Measure.objects.select_related("finding")), "reply__attachments")
        .get(pk=pk)
    )


def organisation_letters(*, organisation: Organisation, today: dt.date) -> list[UrgingLetter]:
    """The organisation's letters, newest first, with their replies; each with ``late``
    (the reply came, or is still missing, after the deadline). Queries: 1."""
    letters = list(
        UrgingLetter.objects.filter(organisation=organisation).select_related("issuer", "inspection", "reply")
    )
    for letter in letters:
        reply = getattr(letter, "reply", None)
        replied_on = timezone.localdate(reply.replied_at) if reply else None
        letter.late = not letter.is_withdrawn and letter.is_reply_late(replied_on, today)
    return letters


def organisation_talks(*, organisation: Organisation) -> list[Talk]:
    """The talks held with the organisation, newest first. Queries: 1."""
    return list(Talk.objects.filter(organisation=organisation).select_related("issuer", "inspection"))


@dataclass(frozen=True)
class Candidate:
    """An open measure a supervisor may urge, with its colour today (None: no warning)."""

    measure: Measure
    colour: str | None


def urge_candidates(*, inspection: Inspection, today: dt.date) -> list[Candidate]:
    """The inspection's open measures in plan order, each with its colour. Queries: 1."""
    measures = (
        Measure.objects.filter(finding__category__inspection=inspection)
        .exclude(status=Measure.Status.DONE)
        .select_related("finding__category")
        .order_by("finding__category__position", "finding__position", "position")
    )
    return [Candidate(m, urge_colour(m.due_on, today)) for m in measures]


@dataclass(frozen=True)
class UrgingCounts:
    open: int = 0  # letters not replied to yet
    answered: int = 0
    late: int = 0  # replied after the deadline, or not yet and past it
    talks: int = 0


def urging_counts(*, organisation_ids: list[int], today: dt.date) -> dict[int, UrgingCounts]:
    """Per organisation: open letters, answered ones, late replies and talks held (letters
    withdrawn are left out).

    Queries: 2 (letters grouped by organisation, talks grouped by organisation),
    whatever the number of organisations or letters."""
    no_reply = Q(reply__isnull=True)
    letters = (
        # A withdrawn letter asks for nothing: it stays on record, out of the counts.
        UrgingLetter.objects.filter(organisation_id__in=organisation_ids, withdrawn_at__isnull=True)
        .values("organisation_id")
        .annotate(
            open=Count("pk", filter=no_reply),
            answered=Count("pk", filter=~no_reply),
            late=Count(
                "pk",
                filter=(no_reply & Q(reply_due_on__lt=today)) | Q(reply__replied_at__date__gt=F("reply_due_on")),
            ),
        )
        .order_by()
    )
    talks = dict(
        Talk.objects.filter(organisation_id__in=organisation_ids)
        .values("organisation_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("organisation_id", "n")
    )
    out = {r["organisation_id"]: UrgingCounts(r["open"], r["answered"], r["late"]) for r in letters}
    for org_id, n in talks.items():
        row = out.get(org_id, UrgingCounts())
        out[org_id] = UrgingCounts(row.open, row.answered, row.late, n)
    return out


def letters_awaiting_reply(*, user) -> list[UrgingLetter]:
    """Letters to the organisations where the user is secretary themselves (who replies),
    not answered nor withdrawn, the earliest deadline first. Queries: 1."""
    mine = Organisation.objects.filter(organisation_scope(user, roles=[Role.SECRETARY]))
    return list(
        UrgingLetter.objects.filter(organisation__in=mine, reply__isnull=True, withdrawn_at__isnull=True)
        .select_related("issuer", "organisation")
        .order_by("reply_due_on", "pk")
    )


def replies_to_close(*, user) -> list[UrgingLetter]:
    """Letters the user issued that were answered and that they have not closed (办结) yet,
    the earliest reply first. Queries: 1."""
    return list(
        UrgingLetter.objects.filter(issued_by=user, reply__isnull=False, closed_at__isnull=True)
        .select_related("organisation", "reply")
        .order_by("reply__replied_at", "pk")
    )
