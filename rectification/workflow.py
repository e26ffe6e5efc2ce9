"""The measure's state machine, in one place and without the database.

Transitions (``MeasureStatus``), each with the rule (permissions.py) that lets a user make it:
    not_started → in_progress          start       change_measure (responsible people, secretary)
    in_progress → awaiting_sign_off    submit      change_measure; not for ongoing measures,
                                                   and only with the public progress written
    awaiting_sign_off → done           sign_off    sign_off_measure (the secretary; a frozen snapshot)
    awaiting_sign_off → in_progress    send_back   sign_off_measure (the secretary, with a reason)
    done → awaiting_sign_off           reopen      whoever changes what a sign-off approved
                                                   (public progress, evidence, title, kind,
                                                   outcome figures): a new sign-off is due
    done → in_progress                 recheck     decide_recheck (回头看 found the problem back)
Ongoing (长期坚持) measures have no deadline, never go to sign-off and take periodic progress.
A signed-off measure is re-checked RECHECK_AFTER_MONTHS months after its sign-off.

``measure_actions`` says what the measure page offers a user; services, selectors, views
and templates ask this module rather than compare statuses themselves. Nothing here reads
the database: permission questions go through ``user.has_perm`` (permissions.py), which
needs the measure's owners prefetched (selectors.measures.measure_queryset does).

The documents handed upward (整改方案, 整改情况报告) have their own small state machine at
the end of the module (DOCUMENT_TRANSITIONS, ``document_actions``), followed by the changes
to an approved plan (方案调整, PLAN_CHANGE_TRANSITIONS).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import (
    MeasureKind,
    MeasureStatus,
    Organisation,
    PlanChange,
    ReCheck,
    ReportingRules,
    SignOff,
    UpwardDocument,
)

Status = MeasureStatus


@dataclass(frozen=True)
class Transition:
    name: str
    source: str
    target: str
    perm: str | None  # the rule that lets a user make it; None: a consequence of another change
    label: str = ""  # the button that makes it, where a page offers it
    hint: str = ""  # what happens next, beside the button


TRANSITIONS: tuple[Transition, ...] = (
    Transition("start", Status.NOT_STARTED, Status.IN_PROGRESS, "change_measure", gettext_lazy("开始推进")),
    Transition(
        "submit",
        Status.IN_PROGRESS,
        Status.AWAITING_SIGN_OFF,
        "change_measure",
        gettext_lazy("提请销号"),
        gettext_lazy("提交后由书记审核销号。"),
    ),
    Transition("sign_off", Status.AWAITING_SIGN_OFF, Status.DONE, "sign_off_measure"),
    Transition("send_back", Status.AWAITING_SIGN_OFF, Status.IN_PROGRESS, "sign_off_measure"),
    Transition("reopen", Status.DONE, Status.AWAITING_SIGN_OFF, None),
    Transition("recheck", Status.DONE, Status.IN_PROGRESS, "decide_recheck"),
)
# The steps the responsible people take themselves (sign-off and send-back are the secretary's).
FORWARD_STEPS = tuple(t for t in TRANSITIONS if t.name in ("start", "submit"))
FORWARD = {t.source: t.target for t in FORWARD_STEPS}


def transition(source: str, target: str) -> Transition | None:
    """The transition from ``source`` to ``target``, None when there is none."""
    return next((t for t in TRANSITIONS if t.source == source and t.target == target), None)


def takes_deadline(measure) -> bool:
    """Time-bound measures have a deadline (and go to sign-off); ongoing ones have neither."""
    return measure.kind != MeasureKind.ONGOING


def next_statuses(measure) -> list[str]:
    """Where the responsible people may move the measure (sign-off and send-back aside)."""
    target = FORWARD.get(measure.status)
    if target is None or (target == Status.AWAITING_SIGN_OFF and not takes_deadline(measure)):
        return []
    return [target]


def is_forward(measure, to_status: str) -> bool:
    """Whether ``to_status`` is the responsible people's next step from the measure's status."""
    return FORWARD.get(measure.status) == to_status


def submit_refusal(measure) -> str | None:
    """Why the measure may not go to sign-off now, or None."""
    if not takes_deadline(measure):
        return _("长期坚持的措施持续推进，不提请销号，请定期报告进展。")
    if not measure.progress.strip():
        return _("提请销号前，请先填写公开的整改进展。")
    return None


def awaits_sign_off(measure) -> bool:
    """Only awaiting measures are signed off or sent back."""
    return measure.status == Status.AWAITING_SIGN_OFF


def starts_on_progress(measure) -> bool:
    """Reporting progress on a measure that has not started starts it."""
    return measure.status == Status.NOT_STARTED


def is_signed_off(measure) -> bool:
    """Done: a change to what the sign-off approved sends it back to the sign-off queue
    (reopen), a re-check that finds the problem back sends it back to work (recheck)."""
    return measure.status == Status.DONE


def open_send_back(measure, sign_offs):
    """The secretary's send-back the responsible people still have to answer: the latest
    decision (``sign_offs`` newest first) when it sent the measure back to work and the
    measure is still there. None otherwise."""
    latest = sign_offs[0] if sign_offs else None
    if latest is None or latest.decision != SignOff.Decision.SENT_BACK or measure.status != Status.IN_PROGRESS:
        return None
    return latest


def status_changed_message(measure) -> str:
    """What the responsible person is told after moving the measure to its status: above
    all, who acts next."""
    if measure.status == Status.AWAITING_SIGN_OFF:
        return _("已提请销号，现在等待书记审核。书记同意销号或退回时，您会收到通知。")
    if measure.status == Status.IN_PROGRESS:
        return _("已开始推进。完成后请填写公开的整改进展并提请销号。")
    return _("已更新整改状态。")


def extension_refusal(measure) -> str | None:
    """Why the measure's deadline cannot be extended whatever the new date, or None."""
    if measure.due_on is None:
        return _("长期坚持的措施不设时限，无需延期。")
    if is_signed_off(measure):
        return _("已完成的措施无需延期。")
    return None


# ---------------------------------------------------------------------------- re-checks (回头看)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` ``months`` months later; the 31st becomes the month's last day."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def recheck_due_on(signed_off_on: dt.date) -> dt.date:
    """When a measure signed off on ``signed_off_on`` is re-checked."""
    return add_months(signed_off_on, settings.RECTIFICATION["RECHECK_AFTER_MONTHS"])


def recheck_is_due(measure, today: dt.date) -> bool:
    """A signed-off measure whose re-check date has come (the sweep opens its ReCheck)."""
    return is_signed_off(measure) and measure.recheck_on is not None and measure.recheck_on <= today


def may_decide_recheck(user, recheck) -> bool:
    """A pending re-check, decided by whoever may decide the measure's (its secretary)."""
    return recheck.state == ReCheck.State.PENDING and user.has_perm("rectification.decide_recheck", recheck.measure)


# ---------------------------------------------------------------------------- acceptance (验收)

# Where the district's rule (ReportingRules.acceptance_level, the nearest organisation up the
# tree decides) asks for it, a signed-off measure is then accepted by a supervisor of that
# level or above, each step with its rule:
#     done → done           accept     accept_measure (records SignOff level=supervisor, approved)
#     done → in_progress    return     accept_measure (with a reason; SignOff level=supervisor,
#                                      sent_back: the measure reopens and its people are told)
# 已销号 is the secretary's sign-off; 已验收 is a done measure whose latest decision is the
# supervisor's acceptance (models.accepted_q). A reopened measure signed off again awaits
# acceptance again. Without the rule the secretary's sign-off is the end, as before.
Acceptance = ReportingRules.AcceptanceLevel
# How high each acceptance level, and each organisation level, sits: a supervisor accepts
# where their organisation's rank is at least the rule's.
ACCEPTANCE_RANK = {Acceptance.STREET: 1, Acceptance.DISTRICT: 2}
ORGANISATION_RANK = {Organisation.Level.STREET: 1, Organisation.Level.DISTRICT: 2}


def requires_acceptance(level: str) -> bool:
    return level in ACCEPTANCE_RANK


def level_accepts(organisation_level: str, required: str) -> bool:
    """Whether a supervisor membership of an organisation of ``organisation_level`` is high
    enough for the acceptance level ``required`` (never when no acceptance is required)."""
    return requires_acceptance(required) and ORGANISATION_RANK.get(organisation_level, 0) >= ACCEPTANCE_RANK[required]


def is_accepted(measure) -> bool:
    """Done, and a supervisor accepted this sign-off (``accepted_at``; models.accepted_q
    counts the same)."""
    return is_signed_off(measure) and measure.accepted_at is not None


def acceptance_refusal(measure, required: str) -> str | None:
    """Why ``measure`` may not be accepted or returned now (``required``: its district's
    acceptance level), or None."""
    if not requires_acceptance(required):
        return _("本党组织所属区未要求销号后验收。")
    if not is_signed_off(measure):
        return _("只有已销号的措施才能验收或退回，该措施已不是“已销号”。")
    if is_accepted(measure):
        return _("该措施已验收，无需重复操作。")
    return None


# ---------------------------------------------------------------------------- the measure page


@dataclass(frozen=True)
class MeasureActions:
    """What the measure page offers one user on one measure, in its current state."""

    report_progress: bool = False  # progress form (and the status steps below)
    next_statuses: tuple[str, ...] = ()  # the responsible people's next step, if any
    periodic_note: bool = False  # an ongoing measure under way: "report progress periodically"
    sign_off: bool = False
    send_back: bool = False
    decide_extension: bool = False  # a pending request this user decides
    request_extension: bool = False
    extension_waiting: bool = False  # a pending request this user does not decide
    add_evidence: bool = False
    edit: bool = False  # the plan: owners, leader, deadline, title
    accept: bool = False  # 验收: accept or return a signed-off measure (a supervisor above)

    @property
    def change_status(self) -> bool:
        return bool(self.next_statuses)

    @property
    def steps(self) -> tuple[Transition, ...]:
        """The transitions behind ``next_statuses``, with their buttons' labels."""
        return tuple(t for target in self.next_statuses for t in FORWARD_STEPS if t.target == target)


def measure_actions(user, measure, *, pending_extension=None, sign_offs=()) -> MeasureActions:
    """What ``user`` may do on ``measure`` now: the rules of permissions.py and the state.

    ``pending_extension`` is the measure's pending DeadlineExtension (None: none) and
    ``sign_offs`` its decisions newest first, which the caller has loaded anyway. No queries
    once the measure's owners are prefetched (a signed-off measure not yet accepted: the
    district's acceptance rule, 1)."""

    def can(rule: str) -> bool:
        return user.has_perm(f"rectification.{rule}", measure)

    report = can("change_measure")
    steps = tuple(next_statuses(measure)) if report else ()
    decides = can("decide_extension")
    # A request the secretary forwarded upward (approved plan) waits for the supervisor.
    forwarded = getattr(pending_extension, "forwarded", False)
    decide_now = can("sign_off_measure") and awaits_sign_off(measure)
    return MeasureActions(
        report_progress=report,
        next_statuses=steps,
        periodic_note=report and not steps and not takes_deadline(measure) and not starts_on_progress(measure),
        sign_off=decide_now,
        send_back=decide_now,
        decide_extension=decides and pending_extension is not None and not forwarded,
        request_extension=(
            pending_extension is None and extension_refusal(measure) is None and can("request_extension")
        ),
        extension_waiting=pending_extension is not None and (not decides or forwarded),
        add_evidence=can("add_evidence"),
        edit=can("edit_measure"),
        accept=is_signed_off(measure) and not is_accepted(measure) and can("accept_measure"),
    )


# ---------------------------------------------------------------------------- documents handed upward

# The document's state machine (UpwardDocument.State), each step with the rule that allows it:
#     draft → submitted        submit     submit_upward (the organisation's secretary, signing)
#     returned → submitted     resubmit   submit_upward (a new version)
#     submitted → returned     return     review_upward (a supervisor above, with comments)
#     submitted → approved     approve    review_upward
# Approved is final: the approved plan is the one the ledger is worked through (changes to
# it are 方案调整 requests); a later report is a new document (the next ``sequence``).
# Only a draft or a returned document is edited; under review it waits for the decision.
DocState = UpwardDocument.State


@dataclass(frozen=True)
class DocumentTransition:
    name: str
    sources: tuple[str, ...]
    target: str
    perm: str


DOCUMENT_TRANSITIONS: tuple[DocumentTransition, ...] = (
    DocumentTransition("submit", (DocState.DRAFT, DocState.RETURNED), DocState.SUBMITTED, "submit_upward"),
    DocumentTransition("return", (DocState.SUBMITTED,), DocState.RETURNED, "review_upward"),
    DocumentTransition("approve", (DocState.SUBMITTED,), DocState.APPROVED, "review_upward"),
)
_DOCUMENT_STEPS = {t.name: t for t in DOCUMENT_TRANSITIONS}
# Review decisions (Review.Decision values) and the step each one takes.
REVIEW_STEPS = {"returned": "return", "approved": "approve"}


def document_step(name: str) -> DocumentTransition:
    return _DOCUMENT_STEPS[name]


def document_is_editable(document) -> bool:
    """The draft is open while nobody reviews it and nothing is final."""
    return document.state in (DocState.DRAFT, DocState.RETURNED)


def document_submit_refusal(document, missing: list[str]) -> str | None:
    """Why ``document`` may not be submitted now (``missing``: the labels of its required
    sections still empty, from the document kind's schema), or None."""
    if document.state == DocState.SUBMITTED:
        return _("这份文书已报送，正在等待审核，不能重复报送。")
    if document.state == DocState.APPROVED:
        return _("这份文书已审核通过，不能再次报送。")
    if missing:
        return _("以下必填部分尚未填写：%(sections)s。") % {"sections": _("、").join(missing)}
    return None


def review_refusal(document, version, latest_number: int, decided: bool) -> str | None:
    """Why ``version`` of ``document`` may not be decided now, or None: only the latest
    version of a document under review, and each version once."""
    if version.number != latest_number:
        return _("第 %(n)s 版已被第 %(latest)s 版取代，请审核最新版本。") % {
            "n": version.number,
            "latest": latest_number,
        }
    if decided or document.state != DocState.SUBMITTED:
        return _("第 %(n)s 版已审核，不能重复审核。") % {"n": version.number}
    return None


@dataclass(frozen=True)
class DocumentActions:
    """What the document page offers one user on one document, in its current state."""

    edit: bool = False  # the editor, the draft's files and preview
    submit: bool = False  # the submit form with the attestation
    review: bool = False  # approve / return the latest version
    waiting: bool = False  # submitted: the secretary waits for the decision
    final: bool = False  # approved


def document_actions(user, document) -> DocumentActions:
    """What ``user`` may do on ``document`` now (no queries: permissions come from the
    user's cached memberships, the organisation is loaded with the document)."""

    def can(rule: str) -> bool:
        return user.has_perm(f"rectification.{rule}", document)

    open_ = document_is_editable(document)
    under_review = document.state in document_step("approve").sources
    return DocumentActions(
        edit=open_ and can("edit_upward"),
        submit=open_ and can("submit_upward"),
        review=under_review and can("review_upward"),
        waiting=under_review,
        final=document.state == DocState.APPROVED,
    )


# ---------------------------------------------------------------------------- 方案调整 (changes to an approved plan)

# An approved plan fixes the list of measures and their deadlines: adding, removing or
# re-dating a measure afterwards is a PlanChange the supervisors above decide; until the
# plan is approved it is a draft and the measures change freely. A change's steps:
#     pending → approved   approve   decide_plan_change (the change is applied then)
#     pending → refused    refuse    decide_plan_change (with a note)
# A measure has at most one pending change; a deadline extension the secretary approves
# on an approved plan is forwarded as a re-dating change (services/plan_changes.py).
ChangeState = PlanChange.State
ChangeAction = PlanChange.Action

PLAN_CHANGE_TRANSITIONS: tuple[DocumentTransition, ...] = (
    DocumentTransition("approve", (ChangeState.PENDING,), ChangeState.APPROVED, "decide_plan_change"),
    DocumentTransition("refuse", (ChangeState.PENDING,), ChangeState.REFUSED, "decide_plan_change"),
)
_PLAN_CHANGE_STEPS = {t.name: t for t in PLAN_CHANGE_TRANSITIONS}


def plan_change_step(approve: bool) -> DocumentTransition:
    return _PLAN_CHANGE_STEPS["approve" if approve else "refuse"]


def plan_is_fixed(plan) -> bool:
    """Whether ``plan`` (the inspection's 整改方案; None when never opened) fixes its
    measures: only once approved."""
    return plan is not None and plan.kind == UpwardDocument.Kind.PLAN and plan.state == DocState.APPROVED


def plan_change_refusal(change) -> str | None:
    """Why ``change`` may not be decided now (each change once), or None."""
    if change.state not in plan_change_step(True).sources:
        return _("该方案调整申请已处理（%(state)s），不能重复审批。") % {"state": change.get_state_display()}
    return None


def plan_change_label(action: str) -> str:
    """The change as a verb phrase: 新增措施, 删除措施, 调整完成时限."""
    return str(PlanChange.Action(action).label)


def plan_change_requested_message(action: str) -> str:
    """What the secretary is told when an edit became a request instead of a change."""
    return _("整改方案已审核通过，%(what)s需报巡察办（街道）审批，已提交调整申请。") % {
        "what": plan_change_label(action)
    }


def may_decide_plan_change(user, change) -> bool:
    """A pending change, decided by the supervisors who review the plan (no queries once
    the change's plan, inspection and organisation are loaded)."""
    return plan_change_refusal(change) is None and user.has_perm("rectification.decide_plan_change", change)


# ---------------------------------------------------------------------------- the bulletin's review


@dataclass(frozen=True)
class BulletinReviewStatus:
    """Where the bulletin draft stands in its review before publication (when the district
    requires one): ``latest_state`` is the latest submission's state (None: never
    submitted), ``matches`` whether the draft as rendered now is that submission's text."""

    required: bool
    latest_state: str | None
    matches: bool

    @property
    def publishable(self) -> bool:
        """Only the approved text may be published; without the rule, any saved draft."""
        return not self.required or (self.latest_state == "approved" and self.matches)

    @property
    def pending(self) -> bool:
        return self.latest_state == "submitted"

    @property
    def changed_since_approval(self) -> bool:
        return self.latest_state == "approved" and not self.matches


def bulletin_submit_refusal(status: BulletinReviewStatus) -> str | None:
    """Why the draft may not be submitted for review now, or None."""
    if not status.required:
        return _("本区未要求通报公开前报审，可直接发布。")
    if status.pending:
        return _("通报草稿已报审，正在等待审核，不能重复报审。")
    if status.latest_state == "approved" and status.matches:
        return _("当前草稿已审核通过，可以发布，无需再次报审。")
    return None


def bulletin_publish_refusal(status: BulletinReviewStatus) -> str | None:
    """Why the draft may not be published now, or None."""
    if status.publishable:
        return None
    if status.changed_since_approval:
        return _("通报审核通过后又有改动（草稿、整改数据或不予公开事项），须重新报审，审核通过后方可发布。")
    if status.pending:
        return _("通报草稿正在等待上级审核，审核通过后方可发布。")
    return _("本区要求通报公开前须经上级审核：请先报审，审核通过后方可发布。")


def bulletin_review_refusal(review) -> str | None:
    """Why ``review`` (a BulletinReview) may not be decided now, or None: each once."""
    if review.state != "submitted":
        return _("该次报审已处理（%(state)s），不能重复审核。") % {"state": review.get_state_display()}
    return None
