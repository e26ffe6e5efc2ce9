"""The measure (整改措施): its kind and status, the counting rules every list, dashboard and
job filter with, and its internal timeline."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .inspections import Finding
from .organisations import Person


class MeasureKind(models.TextChoices):
    IMMEDIATE = "immediate", _("立行立改")
    TIME_BOUND = "time_bound", _("限期整改")
    ONGOING = "ongoing", _("长期坚持")


class MeasureStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("未启动")
    IN_PROGRESS = "in_progress", _("推进中")
    AWAITING_SIGN_OFF = "awaiting_sign_off", _("待销号")
    DONE = "done", _("已完成")


_STATUS_LABELS = dict(MeasureStatus.choices)  # lazy labels, translated when shown


def status_label(value: str) -> str:
    """A status's label in the active language, an unknown value as it is (as Django's
    ``get_status_display``, at a tenth of its cost: that one rebuilds and hashes every
    choice, translating each label, on every call)."""
    return str(_STATUS_LABELS.get(value, value))


def overdue_q(today: dt.date) -> Q:
    """Has a deadline, the deadline has passed, not signed off.

    A Q (not only a queryset method) so that aggregates can count with exactly the
    rule the lists filter with: ``Count("pk", filter=overdue_q(today))``.
    """
    return Q(due_on__lt=today) & ~Q(status=MeasureStatus.DONE)


def done_last() -> models.Case:
    """0 for a measure still to do, 1 for a signed-off one: the first key of the lists'
    deadline orders. The index ``measure_done_last_due`` is built on this same expression
    with ``due_on``, so a list of 30,000 measures reads its first page from the index
    instead of sorting them all (PostgreSQL matches an index by its expression)."""
    return models.Case(
        models.When(status=MeasureStatus.DONE, then=models.Value(1)),
        default=models.Value(0),
        output_field=models.IntegerField(),
    )


def recheck_unopened_q() -> Q:
    """Signed off, with a re-check date whose 回头看 has not been opened yet. Also the
    condition of the partial index the sweep's re-check step reads, so that step costs what
    it opens, not the history of every re-check ever opened. Written without negation, so
    the index condition and the sweep's query are the same SQL."""
    return Q(status=MeasureStatus.DONE, recheck_on__isnull=False) & (
        Q(recheck_opened_for__isnull=True)
        | Q(recheck_opened_for__lt=F("recheck_on"))
        | Q(recheck_opened_for__gt=F("recheck_on"))
    )


def ladder_climbing_q() -> Q:
    """Not signed off, and not yet through the whole escalation ladder for its current
    deadline. Also the condition of the partial index the ladder's steps read, so that
    they cost what they issue, not one check per long-overdue measure a day."""
    return ~Q(status=MeasureStatus.DONE) & (
        Q(ladder_done_for__isnull=True) | Q(ladder_done_for__lt=F("due_on")) | Q(ladder_done_for__gt=F("due_on"))
    )


def stale_unreminded_q() -> Q:
    """Flagged stale (长期未更新), and its people not yet asked for progress in this stale
    spell. Also the condition of the partial index the sweep's stale reminders read, so
    that they cost what they send, not one check per stale measure a day."""
    return Q(stale_since__isnull=False) & (
        Q(stale_reminded_for__isnull=True)
        | Q(stale_reminded_for__lt=F("stale_since"))
        | Q(stale_reminded_for__gt=F("stale_since"))
    )


def stale_q() -> Q:
    """长期未更新: an open ongoing measure the daily sweep flagged for lack of progress
    (``stale_since``). The dashboard, the to-do home and the list's ``stale`` filter count
    with it."""
    return Q(kind=MeasureKind.ONGOING, stale_since__isnull=False) & ~Q(status=MeasureStatus.DONE)


def due_within_q(today: dt.date, days: int) -> Q:
    """Not done, deadline from today up to ``days`` days ahead (inclusive)."""
    return ~Q(status=MeasureStatus.DONE) & Q(due_on__gte=today, due_on__lte=today + dt.timedelta(days=days))


class MeasureQuerySet(models.QuerySet):
    """Row filters that define the counting rules, shared by lists, dashboard and jobs."""

    def open(self) -> MeasureQuerySet:
        return self.exclude(status=MeasureStatus.DONE)

    def overdue(self, today: dt.date) -> MeasureQuerySet:
        """Has a deadline, the deadline has passed, not signed off."""
        return self.filter(overdue_q(today))

    def due_within(self, today: dt.date, days: int) -> MeasureQuerySet:
        """Not done, deadline from today up to ``days`` days ahead (inclusive)."""
        return self.filter(due_within_q(today, days))

    def in_organisations(self, organisation_ids) -> MeasureQuerySet:
        return self.filter(finding__category__inspection__organisation_id__in=organisation_ids)


class Measure(models.Model):
    """The unit of work: an owner, a deadline, a status."""

    Kind = MeasureKind

    Status = MeasureStatus

    finding = models.ForeignKey(Finding, verbose_name=_("整改事项"), on_delete=models.CASCADE, related_name="measures")
    position = models.PositiveIntegerField(_("顺序"))
    title = models.TextField(_("整改措施"))
    progress = models.TextField(_("整改进展（公开）"), blank=True)
    kind = models.CharField(_("整改类型"), max_length=20, choices=Kind.choices, default=Kind.TIME_BOUND)
    status = models.CharField(_("整改状态"), max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    due_on = models.DateField(_("完成时限"), null=True, blank=True, help_text=_("长期坚持的措施不设时限"))
    original_due_on = models.DateField(_("原定时限"), null=True, blank=True, help_text=_("延期前的时限"))
    leader = models.ForeignKey(
        Person,
        verbose_name=_("责任领导"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_measures",
    )
    owners = models.ManyToManyField(Person, verbose_name=_("责任人"), blank=True, related_name="owned_measures")
    unit = models.CharField(_("责任部门"), max_length=100, blank=True)
    note = models.TextField(_("备注"), blank=True)

    # The outcome figures (rules, people dealt with, money) are registers of their own
    # (models/outcomes.py); selectors/counting.py sums them.

    submitted_at = models.DateTimeField(_("提请销号时间"), null=True, blank=True)
    completed_on = models.DateField(_("完成日期"), null=True, blank=True)
    signed_off_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    # 已验收: when a supervisor accepted the current sign-off (services/acceptance.py); cleared
    # by save_measure whenever the measure leaves 已完成 or is signed off anew. Kept on the
    # row (the SignOff rows say the same) so that a district's roll-up counts it for free.
    accepted_at = models.DateTimeField(_("验收时间"), null=True, blank=True, editable=False)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("销号人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Set by the daily sweep (jobs), so that "became overdue" is a recorded event.
    overdue_since = models.DateField(_("超期起始日"), null=True, blank=True)
    stale_since = models.DateField(_("长期未更新起始日"), null=True, blank=True)
    last_progress_at = models.DateTimeField(_("最近进展时间"), null=True, blank=True)
    recheck_on = models.DateField(_("回头看日期"), null=True, blank=True)
    # The re-check date whose 回头看 the sweep has opened: a measure whose recheck_on
    # differs (a new sign-off, an edit) is due again, whatever changed it.
    recheck_opened_for = models.DateField(_("已开展回头看的日期"), null=True, blank=True, editable=False)
    # The deadline for which every step of the escalation ladder has been issued: a measure
    # whose due_on differs (an extension, an edit) climbs again, whatever changed it.
    ladder_done_for = models.DateField(_("已逐级督办的时限"), null=True, blank=True, editable=False)
    # The stale_since whose reminder the sweep has sent: a new stale spell (a new date)
    # is reminded again.
    stale_reminded_for = models.DateField(_("已提醒的长期未更新起始日"), null=True, blank=True, editable=False)

    # Optimistic concurrency: every save through services bumps it, a stale form is refused.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(
        excluded_fields=["updated_at", "recheck_opened_for", "ladder_done_for", "stale_reminded_for"]
    )
    objects = MeasureQuerySet.as_manager()

    class Meta:
        verbose_name = _("整改措施")
        verbose_name_plural = _("整改措施")
        ordering = ["finding", "position"]
        constraints = [
            models.UniqueConstraint(fields=["finding", "position"], name="measure_unique_position"),
            models.CheckConstraint(condition=Q(kind__in=MeasureKind.values), name="measure_valid_kind"),
            models.CheckConstraint(condition=Q(status__in=MeasureStatus.values), name="measure_valid_status"),
            models.CheckConstraint(
                condition=~Q(kind="ongoing") | Q(due_on__isnull=True), name="measure_ongoing_has_no_deadline"
            ),
            models.CheckConstraint(
                condition=Q(kind="ongoing") | Q(due_on__isnull=False), name="measure_time_bound_has_deadline"
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(signed_off_at__isnull=False), name="measure_done_is_signed_off"
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(status="done"), name="measure_accepted_is_done"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_on"], name="measure_status_due"),
            models.Index(fields=["due_on"], name="measure_due"),
            models.Index(done_last(), F("due_on"), name="measure_done_last_due"),  # the lists' default order
            # For the daily sweep: partial indexes that let its steps skip the table scan.
            # The open measures by deadline, with their ids, answer the overdue steps (the
            # repeat reminders, the state) from the index alone; those not yet through the
            # escalation ladder, the ladder; the signed-off ones whose re-check has not
            # opened yet, the re-check step; the stale ones not yet reminded in their stale
            # spell, the stale reminders; the others find stale flags, quiet ongoing
            # measures and sign-offs without a re-check date. None covers overdue_since,
            # which the sweep sets on many rows at once: an index on it would turn those
            # updates from HOT into full index updates.
            models.Index(fields=["due_on"], include=["id"], name="measure_open_due", condition=~Q(status="done")),
            models.Index(
                fields=["due_on"], include=["id"], name="measure_ladder_climbing", condition=ladder_climbing_q()
            ),
            models.Index(fields=["stale_since"], name="measure_stale", condition=Q(stale_since__isnull=False)),
            models.Index(
                fields=["stale_since"], include=["id"], name="measure_stale_unreminded", condition=stale_unreminded_q()
            ),
            models.Index(
                fields=["recheck_on"], include=["id"], name="measure_recheck_due", condition=recheck_unopened_q()
            ),
            # Signed off, no re-check date yet: empty but for the day's sign-offs.
            models.Index(
                fields=["signed_off_at"],
                name="measure_recheck_unscheduled",
                condition=Q(status="done", recheck_on=None),
            ),
            # Open ongoing measures not flagged stale yet, by their last progress: the
            # stale flag reads the few that fell quiet, not the hundred thousand already
            # flagged (over a million measures: 340 → 100 ms a day).
            models.Index(
                fields=["last_progress_at"],
                name="measure_stale_candidates",
                condition=Q(kind="ongoing") & ~Q(status="done") & Q(stale_since=None),
            ),
        ]

    def __str__(self) -> str:
        return self.title[:40]

    @property
    def is_done(self) -> bool:
        return self.status == self.Status.DONE

    def is_overdue(self, today: dt.date | None = None) -> bool:
        """Overdue: has a deadline, the deadline has passed, not signed off."""
        today = today or timezone.localdate()
        return self.due_on is not None and self.due_on < today and self.status != self.Status.DONE

    def days_overdue(self, today: dt.date | None = None) -> int:
        today = today or timezone.localdate()
        return (today - self.due_on).days if self.is_overdue(today) else 0

    @property
    def is_extended(self) -> bool:
        return self.original_due_on is not None and self.original_due_on != self.due_on

    def get_status_display(self) -> str:
        """Django's generated method, cheaper (``status_label``): a list of 25 measures
        spent 2.5 ms in Django's."""
        return status_label(self.status)


class ProgressEntry(models.Model):
    """The internal timeline of a measure: notes, status changes, decisions."""

    class Kind(models.TextChoices):
        NOTE = "note", _("进展")
        STATUS = "status", _("状态变更")
        SIGN_OFF = "sign_off", _("销号")
        SEND_BACK = "send_back", _("退回")
        EXTENSION = "extension", _("延期")
        EVIDENCE = "evidence", _("佐证材料")
        RECHECK = "recheck", _("回头看")
        SYSTEM = "system", _("系统")

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.NOTE)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("内容"))
    old_status = models.CharField(max_length=20, blank=True)
    new_status = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("整改进展记录")
        verbose_name_plural = _("整改进展记录")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["measure", "-created_at"], name="entry_measure_time")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:30]}"
