"""The audit trail as the auditor reads it: newest first, filtered by kind, person, address
and day. Callers check ``require_administrator(user, "auditor")`` first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from ..models import AuditEvent


@dataclass(frozen=True)
class AuditFilter:
    kind: str = ""
    who: str = ""  # part of the user name
    address: str = ""
    since: dt.date | None = None
    until: dt.date | None = None  # inclusive
    target: str = ""


def audit_events(f: AuditFilter) -> QuerySet[AuditEvent]:
    """One query (a page of it, with the paginator's count: two)."""
    q = Q()
    if f.kind:
        q &= Q(kind=f.kind)
    if f.who:
        q &= Q(actor_name__icontains=f.who)
    if f.address:
        q &= Q(address__startswith=f.address)
    if f.target:
        q &= Q(target__icontains=f.target)
    if f.since:
        q &= Q(at__date__gte=f.since)
    if f.until:
        q &= Q(at__date__lte=f.until)
    return AuditEvent.objects.filter(q).order_by("-at", "-pk")
