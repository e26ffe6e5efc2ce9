"""The security audit trail: one call to record an event, and the pruning job.

``audit_record`` is called where the thing happens — the services that publish, decide or
change roles, the views that export or send a file, the login signals (audit_signals.py) —
and writes one row. Who and from where come from the request that is being served
(``AuditAddressMiddleware`` keeps its client address in a context variable), so a service
does not need the request passed down. A write inside a service's transaction is rolled
back with it: an action that did not happen leaves no event.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from ..models import AUDIT_MINIMUM_DAYS, AuditEvent

Kind = AuditEvent.Kind
_request: contextvars.ContextVar[Any] = contextvars.ContextVar("audit_request", default=None)
_UNSET = object()


def client_address(request) -> str:
    """The client's address: REMOTE_ADDR, or with AUDIT_CLIENT_ADDRESS_HEADER set (behind a
    proxy that overwrites it, e.g. nginx's X-Real-IP) that header."""
    header = getattr(settings, "AUDIT_CLIENT_ADDRESS_HEADER", "")
    meta = request.META
    value = (meta.get(header) if header else None) or meta.get("REMOTE_ADDR") or ""
    return str(value).split(",")[-1].strip()[:45]


def set_current_request(request) -> contextvars.Token:
    return _request.set(request)


def reset_current_request(token: contextvars.Token) -> None:
    _request.reset(token)


def describe(obj: Any) -> str:
    """ "<model label>#<pk> <text>" for a model instance, the text otherwise (cut to the column)."""
    if isinstance(obj, models.Model):
        return f"{obj._meta.label_lower}#{obj.pk} {obj}"[:200]
    return str(obj or "")[:200]


def audit_record(
    kind: str, *, actor: Any = _UNSET, target: Any = None, detail: str = "", request=None, actor_name: str = ""
) -> None:
    """Append one event. ``actor``: the user who acted; left out, the user of the request
    being served (a change made in the admin); None for the anonymous (a failed login, whose
    typed user name goes in ``actor_name``, or a job)."""
    if not settings.AUDIT_ENABLED:
        return
    request = request if request is not None else _request.get()
    if actor is _UNSET:
        actor = getattr(request, "user", None)
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    AuditEvent.objects.create(
        kind=kind,
        actor_id=actor.pk if authenticated else None,
        actor_name=(actor.get_username() if authenticated else actor_name)[:150],
        address=client_address(request) if request is not None else "",
        target=describe(target),
        detail=str(detail)[:500],
    )


def audit_retention_days() -> int:
    """AUDIT_RETENTION_DAYS, never below the legal minimum the triggers enforce."""
    return max(int(settings.AUDIT_RETENTION_DAYS), AUDIT_MINIMUM_DAYS)


@transaction.atomic
def audit_prune(*, now: dt.datetime | None = None) -> int:
    """Delete the events older than the retention period and record the run (with how many
    and up to when) as an event of its own; returns the number deleted. The database's
    triggers refuse to delete anything younger than AUDIT_MINIMUM_DAYS whatever this says.
    A second run the same day deletes nothing more and records that too: every run shows."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=audit_retention_days())
    deleted, _ = AuditEvent.objects.filter(at__lt=cutoff).delete()
    audit_record(
        Kind.PRUNED, actor=None, actor_name="audit_prune", detail=f"deleted={deleted} before={cutoff.isoformat()}"
    )
    return deleted
