"""The documents a committee hands upward for review (整改方案, 整改情况报告): the editable
draft, the versions submitted (frozen, signed as true) and the reviewer's decision on each.

The chain: draft → submitted (a SubmittedVersion: the exact files, their SHA-256, who signed
and when) → returned with comments (the draft opens again; the next submission is a new
version) or approved. Nothing of a submitted version is ever updated.
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..text import chinese_numeral
from .inspections import Inspection


class UpwardDocument(models.Model):
    """One document of one inspection that goes up for review, with its editable draft.

    ``content`` holds the sections the secretary writes (narrative paragraphs, the leading
    group, the steps); which sections a kind has is the document kind's own schema
    (documents/kinds/). Everything else is generated from the inspection's data."""

    class Kind(models.TextChoices):
        PLAN = "plan", _("整改方案")
        REPORT = "report", _("整改情况报告")

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已报送待审核")
        RETURNED = "returned", _("已退回待修改")
        APPROVED = "approved", _("已审核通过")

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="upward_documents")
    kind = models.CharField(_("文书类型"), max_length=20, choices=Kind.choices)
    # Reports come in a series (a first report, then 整改进展情况报告 at set points); a plan is one.
    sequence = models.PositiveSmallIntegerField(_("序次"), default=1)
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.DRAFT)
    content = models.JSONField(_("内容"), default=dict, blank=True)
    due_on = models.DateField(_("报送期限"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)  # optimistic locking of the draft
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("报送文书")
        verbose_name_plural = _("报送文书")
        ordering = ["inspection", "kind", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "kind", "sequence"], name="upward_document_unique"),
            models.CheckConstraint(condition=~Q(kind="plan") | Q(sequence=1), name="upward_document_one_plan"),
        ]
        indexes = [models.Index(fields=["state", "due_on"], name="upward_document_state_due")]

    def __str__(self) -> str:
        return f"{self.inspection.organisation.short_name} · {self.label}"

    @property
    def label(self) -> str:
        return document_label(self.kind, self.sequence)


def document_label(kind: str, sequence: int) -> str:
    """「整改方案」, 「整改情况报告」, and for later reports 「第二次整改情况报告」: the one name
    of a document wherever it is shown (pages, notices, the dashboard, the roll-up)."""
    return _document_label(kind, sequence, get_language() or "zh-hans")


@lru_cache(maxsize=64)
def _document_label(kind: str, sequence: int, language: str) -> str:
    """``document_label`` in ``language`` (the active one: the key keeps a cached label
    from crossing languages); lists show one a row, and a translation does not change
    while the process runs."""
    if kind == UpwardDocument.Kind.PLAN:
        return str(UpwardDocument.Kind.PLAN.label)
    if sequence <= 1:
        return str(UpwardDocument.Kind.REPORT.label)
    # 第二次 in Chinese, "no. 2" in English: the numeral follows the language.
    numeral = chinese_numeral(sequence) if language.startswith("zh") else str(sequence)
    return gettext("第{n}次整改情况报告").format(n=numeral)


class SubmittedVersion(models.Model):
    """A submitted version, frozen: the files as the reviewer reads them, signed as true
    (签字背书) by the secretary who submitted it. Never updated after it is written."""

    document = models.ForeignKey(UpwardDocument, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    content = models.JSONField(default=dict)
    text = models.TextField(help_text="the document as plain text, for what changed between versions")
    html = models.TextField()
    pdf = models.BinaryField()
    docx = models.BinaryField()
    sha256 = models.CharField(max_length=64, help_text="SHA-256 of the PDF")
    docx_sha256 = models.CharField(max_length=64)
    attestation = models.TextField(help_text="the statement the signer confirmed")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("报送版本")
        verbose_name_plural = _("报送版本")
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="submitted_version_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.document} v{self.number}"


class Review(models.Model):
    """The reviewing supervisor's decision on one submitted version."""

    class Decision(models.TextChoices):
        APPROVED = "approved", _("审核通过")
        RETURNED = "returned", _("退回修改")

    submitted = models.OneToOneField(SubmittedVersion, on_delete=models.PROTECT, related_name="review")
    decision = models.CharField(_("审核意见"), max_length=20, choices=Decision.choices)
    comments = models.TextField(_("意见说明"), blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("审核记录")
        verbose_name_plural = _("审核记录")
        ordering = ["-decided_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(decision="returned") | ~Q(comments=""), name="review_return_has_comments"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.submitted} · {self.get_decision_display()}"


def default_report_months() -> list[int]:
    return [2]


class ReportingRules(models.Model):
    """When the documents are due, as a district (or any organisation) sets it for the
    organisations below it; the nearest organisation up the tree with rules decides, and
    without any the defaults below hold (a plan a month after feedback, one report after
    two months)."""

    organisation = models.OneToOneField(
        "rectification.Organisation", on_delete=models.CASCADE, related_name="reporting_rules"
    )
    plan_due_days = models.PositiveSmallIntegerField(
        _("整改方案报送期限（反馈后天数）"), default=30, help_text=_("收到巡察反馈意见后多少天内报送整改方案")
    )
    report_due_months = models.JSONField(
        _("整改情况报告报送时间（反馈后月数）"),
        default=default_report_months,
        help_text=_("反馈后第几个月报送整改情况报告；多次报告依次列出，如 1, 3"),
    )
    # Off by default: a community alone publishes its bulletin as before.
    bulletin_review_required = models.BooleanField(
        _("通报公开前须经上级审核"),
        default=False,
        help_text=_("开启后，下辖党组织的整改进展通报须经街道或区委巡察办督导人员审核通过后方可发布"),
    )

    class AcceptanceLevel(models.TextChoices):
        # 验收: after the committee's own sign-off (销号), a supervisor of this level or above
        # accepts the measure (or returns it); off by default, so a community alone works
        # as before.
        NONE = "none", _("不需验收（书记销号即完成）")
        STREET = "street", _("街道验收")
        DISTRICT = "district", _("区委巡察办验收")

    acceptance_level = models.CharField(
        _("销号后验收"),
        max_length=20,
        choices=AcceptanceLevel.choices,
        default=AcceptanceLevel.NONE,
        help_text=_("书记销号后是否还需上级督导人员验收，由哪一级验收"),
    )

    class Meta:
        verbose_name = _("报送期限规则")
        verbose_name_plural = _("报送期限规则")

    def __str__(self) -> str:
        return str(self.organisation)


class PlanChange(models.Model):
    """方案调整: once the plan is approved, adding, removing or re-dating a measure is a
    request the reviewing supervisor decides; nothing changes until it is approved."""

    class Action(models.TextChoices):
        # In a context of their own: the dashboard's 新增措施 counts measures added.
        ADD = "add", pgettext_lazy("plan change", "新增措施")
        REMOVE = "remove", pgettext_lazy("plan change", "删除措施")
        REDATE = "redate", pgettext_lazy("plan change", "调整完成时限")

    class State(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已同意")
        REFUSED = "refused", _("未同意")

    plan = models.ForeignKey(UpwardDocument, on_delete=models.CASCADE, related_name="changes")
    action = models.CharField(_("调整内容"), max_length=20, choices=Action.choices)
    # The measure removed or re-dated (its title kept in ``proposal``: an approved removal
    # deletes the measure and the change stays on record, hence SET_NULL); for an
    # addition, the finding it is added to and the new measure's fields in ``proposal``
    # (title, kind, due_on, leader, owners, unit), and the measure once created.
    measure = models.ForeignKey(
        "rectification.Measure", null=True, blank=True, on_delete=models.SET_NULL, related_name="plan_changes"
    )
    finding = models.ForeignKey(
        "rectification.Finding", null=True, blank=True, on_delete=models.CASCADE, related_name="plan_changes"
    )
    proposal = models.JSONField(default=dict, blank=True)
    reason = models.TextField(_("调整理由"))
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)

    class Meta:
        verbose_name = _("方案调整申请")
        verbose_name_plural = _("方案调整申请")
        ordering = ["-requested_at"]
        constraints = [
            # An addition names its finding; a removal or a re-dating names its measure
            # when asked (services/plan_change_requests.py) and outlives it once done.
            models.CheckConstraint(
                condition=~Q(action="add") | Q(finding__isnull=False), name="plan_change_add_names_its_finding"
            ),
            # One pending change per measure: two would race each other's decision.
            models.UniqueConstraint(
                fields=["measure"], condition=Q(state="pending"), name="plan_change_one_pending_per_measure"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} · {self.get_action_display()}"
