"""The daily sweep: the run that takes every step in turn, and its report.

The steps live by job: flags.py (overdue and stale flags, kept every day), ladder.py
(reminders and the escalation ladder), recheck_sweep.py (re-checks, 回头看), document_deadlines.py (the documents handed
upward: their due dates and reminders), and outbox.py sends what they notify. Notifications go out, and re-checks open, on working
days only; flags are kept every day. The weekly digest (digest.py) is a job of its own.

Set-based: each step is a few UPDATE / INSERT … SELECT statements, whatever the number of
measures; nothing loops over measures in Python. Idempotent: every flag is set by a
conditional UPDATE ("… WHERE overdue_since IS NULL": the row count says who acted), and
every record and notification has a unique key, so a second run the same day, or a run
beside another one, adds nothing. Each step commits on its own, so a run killed half-way
leaves whole steps behind and the next run completes the rest.

What a step has already sent is skipped before anything is offered to the unique keys,
so an ordinary day costs about what it sends, not what the database holds. Where proving
"already sent" would itself read every long-overdue or signed-off measure each day, the
measure records what is done for its current deadline, re-check date or stale spell
(ladder_done_for, recheck_opened_for, stale_reminded_for) and partial indexes hold only the
rest; a changed date makes the measure due again without anyone having to reset the record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import translation

from ..models import Measure, ReCheck
from . import workdays
from .document_deadlines import document_reminders, documents_schedule
from .flags import overdue_clear, overdue_flag, stale_clear, stale_flag
from .ladder import (
    LADDER,
    Step,
    escalate,
    ladder_climbing,
    ladder_record_done,
    reminders_due_soon,
    reminders_overdue_repeat,
    reminders_stale,
)
from .outbox import deliveries_held, deliveries_queue, outbox_drain
from .recheck_sweep import recheck_open, recheck_schedule
from .sweep_summary import notices_summarise


@dataclass
class SweepReport:
    today: dt.date
    workday: bool
    done: dict[str, int] = field(default_factory=dict)
    state: dict[str, int] = field(default_factory=dict)

    def add(self, what: str, count: int) -> None:
        if count:
            self.done[what] = self.done.get(what, 0) + count

    @property
    def nothing_new(self) -> bool:
        return not self.done

    def lines(self) -> list[str]:
        head = f"sweep {self.today:%Y-%m-%d}"
        out = [f"{head}: {what}: {count}" for what, count in self.done.items()]
        if self.state:
            out.append(f"{head}: now " + ", ".join(f"{what}: {count}" for what, count in self.state.items()))
        if not self.workday:
            out.append(f"{head}: not a working day, reminders and re-checks wait for the next working day")
        if self.nothing_new:
            out.append(f"{head}: nothing new to do")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


def sweep_run(*, today: dt.date, drain: bool = True) -> SweepReport:
    """Run every step for ``today``. Not one transaction on purpose: each step commits on
    its own (see the module docstring)."""
    report = SweepReport(today=today, workday=workdays.is_workday(today))
    with translation.override(settings.LANGUAGE_CODE):
        report.add("measures flagged overdue", overdue_flag(today=today))
        report.add("overdue flags cleared (done or deadline moved)", overdue_clear(today=today))
        report.add("ongoing measures flagged stale", stale_flag(today=today))
        report.add("stale flags cleared", stale_clear(today=today))
        report.add("re-check dates scheduled", recheck_schedule())
        scheduled = documents_schedule()
        report.add("documents scheduled (整改方案, 整改情况报告)", scheduled.created)
        report.add("document due dates moved (reporting rules changed)", scheduled.moved)
        if report.workday:
            with deliveries_held() as notices:
                _remind(today, report)
            summaries, to_send = notices_summarise(notification_ids=notices, today=today)
            report.add("summary notices (several notices to one person, one summary)", summaries)
            deliveries_queue(to_send)
    if drain:
        sent = outbox_drain()
        report.add("messages sent (e-mail, webhook, work messages)", sent.sent)
        report.add("messages to retry", sent.retrying)
        report.add("messages given up", sent.given_up)
    report.state = sweep_state(today)
    return report


def sweep_state(today: dt.date) -> dict[str, int]:
    """What the flags say after the run (3 queries, each answered from a small index).

    After overdue_flag and overdue_clear the overdue flags are exactly the measures that
    are overdue today (the one adds the new ones, the other removes the rest), so those are
    counted, from the open measures' index rather than a scan of the whole table."""
    pending = ReCheck.objects.filter(state=ReCheck.State.PENDING).count()
    return {
        "overdue": Measure.objects.overdue(today).count(),
        "stale": Measure.objects.filter(stale_since__isnull=False).count(),
        "re-checks pending": pending,
    }


def _remind(today: dt.date, report: SweepReport) -> None:
    report.add("due-soon reminders (提醒书)", reminders_due_soon(today=today))
    climbing = ladder_climbing(today)
    for step, after, audience in LADDER:
        escalated, notified = escalate(
            today=today, step=step, after_workdays=settings.RECTIFICATION[after], audience=audience, climbing=climbing
        )
        report.add(f"escalations: {Step(step).label}", escalated)
        report.add(f"escalation notices: {Step(step).label} → {audience}", notified)
    ladder_record_done(today=today, climbing=climbing)
    report.add("repeated overdue reminders", reminders_overdue_repeat(today=today))
    report.add("stale reminders", reminders_stale())
    reminded, overdue = document_reminders(today=today)
    report.add("document reminders (报送提醒)", reminded)
    report.add("document overdue notices (报送超期) → secretaries, supervisors", overdue)
    opened, asked = recheck_open(today=today)
    report.add("re-checks due (回头看)", opened)
    report.add("re-check requests to secretaries", asked)
