"""What the bulletin's editor and its review before publication share: how an inspection is
loaded for them, and the policy under which a bulletin's HTML is served."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from ..models import Inspection
from ..permissions import require, visible_organisations

# The bulletin's HTML is a document, not an app page: it may load our fonts and its own
# inline style, nothing else, and runs no script.
DOCUMENT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; font-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)


def bulletin_inspection(request: HttpRequest, pk: int, perm: str) -> Inspection:
    """The inspection if visible (else 404) and the user holds ``perm`` on it (else 403)."""
    scoped = Inspection.objects.filter(organisation__in=visible_organisations(request.user))
    inspection = get_object_or_404(scoped.select_related("organisation"), pk=pk)
    require(request.user, perm, inspection)
    return inspection
