"""Writes and business rules, one module per area; import from here.

Each function is named ``<entity>_<action>``, takes keyword-only arguments and runs in
one transaction, so a failure leaves nothing half-written.
"""

from .organisations import organisation_create, organisation_rebuild_paths

__all__ = ["organisation_create", "organisation_rebuild_paths"]
