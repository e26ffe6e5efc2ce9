"""Writes and business rules, one module per area; import from here.

Each function is named ``<entity>_<action>``, takes keyword-only arguments and runs in
one transaction, so a failure leaves nothing half-written.
"""

from .bulletins import BulletinConflictError, bulletin_publish, bulletin_update
from .evidence import evidence_add, evidence_delete
from .ledger import LedgerPlan, ledger_import, ledger_preview
from .measures import (
    ConflictError,
    extension_decide,
    extension_request,
    measure_change_status,
    measure_report_progress,
    measure_send_back,
    measure_sign_off,
    measure_update,
)
from .organisations import organisation_create, organisation_rebuild_paths
from .structure import (
    category_create,
    category_delete,
    category_move,
    category_update,
    finding_create,
    finding_delete,
    finding_move,
    finding_update,
    inspection_create,
    inspection_update,
    measure_create,
    measure_delete,
    measure_edit_plan,
    measure_move,
    measures_bulk_update,
    person_ensure,
)

__all__ = [
    "BulletinConflictError",
    "bulletin_publish",
    "bulletin_update",
    "ConflictError",
    "evidence_add",
    "evidence_delete",
    "extension_decide",
    "extension_request",
    "LedgerPlan",
    "ledger_import",
    "ledger_preview",
    "measure_change_status",
    "measure_report_progress",
    "measure_send_back",
    "measure_sign_off",
    "measure_update",
    "organisation_create",
    "organisation_rebuild_paths",
    # structure
    "category_create",
    "category_delete",
    "category_move",
    "category_update",
    "finding_create",
    "finding_delete",
    "finding_move",
    "finding_update",
    "inspection_create",
    "inspection_update",
    "measure_create",
    "measure_delete",
    "measure_edit_plan",
    "measure_move",
    "measures_bulk_update",
    "person_ensure",
]
