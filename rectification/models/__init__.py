"""The rectification domain: fields, constraints, indexes, single-row properties only.

Business rules (transitions, sign-off, reordering, tree paths) live in services/;
reads live in selectors/. See docs/DOMAIN.md for the vocabulary.

One module per area; import from here.
"""

# Imported in the order the models were declared when they were one module, so the app
# registry (and with it content types, flushes and dumps) lists them as before.
# isort: off
from .organisations import Membership, Organisation, Person, Role
from .inspections import (
    Category,
    Finding,
    HistoricalCategory,
    HistoricalFinding,
    HistoricalInspection,
    Inspection,
    InspectionKind,
    Recurrence,
)
from .measures import (
    HistoricalMeasure,
    Measure,
    MeasureKind,
    MeasureQuerySet,
    MeasureStatus,
    ProgressEntry,
    done_last,
    due_within_q,
    ladder_climbing_q,
    overdue_q,
    recheck_unopened_q,
    stale_q,
    stale_unreminded_q,
    status_label,
)
from .evidence import Evidence, HistoricalEvidence, evidence_upload_to
from .decisions import DeadlineExtension, ReCheck, SignOff, accepted_q, awaiting_acceptance_q, sent_back_q
from .supervision import Escalation, SweepMark
from .notifications import Delivery, Notification
from .bulletins import SECTION_HEADING_HELP, Bulletin, BulletinVersion, HistoricalBulletin
from .upward import (
    HistoricalUpwardDocument,
    PlanChange,
    ReportingRules,
    Review,
    SubmittedVersion,
    UpwardDocument,
    document_label,
)
from .bulletin_review import BulletinReview, HistoricalWithheldFinding, WithheldFinding
from .urging import Talk, UrgingAttachment, UrgingLetter, UrgingReply, urging_attachment_upload_to
from .identity import Profile
from .acceptance_opinion import AcceptanceOpinion
from .audit import AUDIT_MINIMUM_DAYS, AdministratorRole, AuditEvent, PasswordRecord
from .comments import COMMENT_MAX_CHARS, PublicComment
from .headings import FOUR_FOCUSES, Heading
from .outcomes import MoneyKind, MoneyRecord, RuleKind, RuleRecord, TreatmentKind, TreatmentRecord

# isort: on

__all__ = [
    # organisations
    "Membership",
    "Organisation",
    "Person",
    "Role",
    # inspections
    "Category",
    "Finding",
    "HistoricalCategory",
    "HistoricalFinding",
    "HistoricalInspection",
    "Inspection",
    "InspectionKind",
    "Recurrence",
    # measures
    "HistoricalMeasure",
    "Measure",
    "MeasureKind",
    "MeasureQuerySet",
    "MeasureStatus",
    "ProgressEntry",
    "done_last",
    "due_within_q",
    "ladder_climbing_q",
    "overdue_q",
    "recheck_unopened_q",
    "stale_unreminded_q",
    "stale_q",
    "status_label",
    # evidence
    "Evidence",
    "HistoricalEvidence",
    "evidence_upload_to",
    # decisions
    "DeadlineExtension",
    "ReCheck",
    "SignOff",
    "sent_back_q",
    "accepted_q",
    "awaiting_acceptance_q",
    # supervision
    "Escalation",
    "SweepMark",
    # notifications
    "Delivery",
    "Notification",
    # bulletins
    "SECTION_HEADING_HELP",
    "Bulletin",
    "BulletinVersion",
    "HistoricalBulletin",
    # documents handed upward
    "HistoricalUpwardDocument",
    "PlanChange",
    "ReportingRules",
    "Review",
    "SubmittedVersion",
    "UpwardDocument",
    "document_label",
    # the bulletin's review and held-back items
    "BulletinReview",
    "HistoricalWithheldFinding",
    "WithheldFinding",
    # urging from above (督办)
    "Talk",
    "UrgingAttachment",
    "UrgingLetter",
    "UrgingReply",
    "urging_attachment_upload_to",
    # identity outside the app
    "Profile",
    # the acceptance's conclusion (整改验收意见)
    "AcceptanceOpinion",
    # the security audit trail, 三员, password history
    "AUDIT_MINIMUM_DAYS",
    "AdministratorRole",
    "AuditEvent",
    "PasswordRecord",
    # comments from the public
    "COMMENT_MAX_CHARS",
    "PublicComment",
    # standard headings
    "FOUR_FOCUSES",
    "Heading",
    # outcome registers
    "MoneyKind",
    "MoneyRecord",
    "RuleKind",
    "RuleRecord",
    "TreatmentKind",
    "TreatmentRecord",
]
