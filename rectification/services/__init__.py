"""Writes and business rules, one module per area; import from here.

Each function is named ``<entity>_<action>``, takes keyword-only arguments and runs in
one transaction, so a failure leaves nothing half-written.
"""

from .acceptance import measure_accept, measure_return_acceptance
from .administrators import administrator_grant, administrator_revoke
from .audit import audit_prune, audit_record
from .bulk import measures_bulk_update
from .bulletins import (
    BulletinConflictError,
    BulletinRenderError,
    BulletinWithdrawError,
    bulletin_publish,
    bulletin_update,
    bulletin_withdraw,
)
from .digest import digest_send
from .document_deadlines import documents_schedule
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
from .notifications import notification_mark_read, notify
from .organisations import organisation_create, organisation_rebuild_paths
from .outbox import outbox_drain
from .rechecks import recheck_confirm, recheck_reopen
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
    person_ensure,
)
from .sweep import sweep_run

__all__ = [
    "administrator_grant",
    "administrator_revoke",
    "audit_prune",
    "audit_record",
    "measure_accept",
    "measure_return_acceptance",
    "BulletinConflictError",
    "BulletinRenderError",
    "BulletinWithdrawError",
    "bulletin_publish",
    "bulletin_update",
    "bulletin_withdraw",
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
    # jobs: notifications, re-checks, the sweep
    "digest_send",
    "documents_schedule",
    "notification_mark_read",
    "notify",
    "outbox_drain",
    "recheck_confirm",
    "recheck_reopen",
    "sweep_run",
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
