"""workflow.py, the measure's state machine, without the database: transitions, the
re-check date and what the measure page offers each persona in each status."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from rectification import workflow
from rectification.models import MeasureKind, MeasureStatus, ReCheck

S = MeasureStatus
SECRETARY = frozenset(
    {
        "change_measure",
        "sign_off_measure",
        "edit_measure",
        "add_evidence",
        "request_extension",
        "decide_extension",
        "decide_recheck",
    }
)
RESPONSIBLE = frozenset({"change_measure", "add_evidence", "request_extension"})
READER = frozenset()  # supervisors, an ancestor organisation's secretary, staff who do not answer for it


class User:
    def __init__(self, rules: frozenset[str]) -> None:
        self.rules = rules

    def has_perm(self, perm: str, obj=None) -> bool:
        return perm.removeprefix("rectification.") in self.rules


def measure(status: str = S.IN_PROGRESS, kind: str = MeasureKind.TIME_BOUND, **kw) -> SimpleNamespace:
    due_on = None if kind == MeasureKind.ONGOING else dt.date(2025, 6, 30)
    return SimpleNamespace(
        **{
            "status": status,
            "kind": kind,
            "due_on": due_on,
            "progress": "已整改",
            "recheck_on": None,
            "accepted_at": None,
            **kw,
        }
    )


PENDING = object()  # stands for a pending DeadlineExtension


def test_transitions_and_their_rules():
    assert workflow.transition(S.NOT_STARTED, S.IN_PROGRESS).perm == "change_measure"
    assert workflow.transition(S.IN_PROGRESS, S.AWAITING_SIGN_OFF).perm == "change_measure"
    assert workflow.transition(S.AWAITING_SIGN_OFF, S.DONE).perm == "sign_off_measure"
    assert workflow.transition(S.AWAITING_SIGN_OFF, S.IN_PROGRESS).name == "send_back"
    assert workflow.transition(S.DONE, S.AWAITING_SIGN_OFF).perm is None  # a consequence of a change
    assert workflow.transition(S.DONE, S.IN_PROGRESS).perm == "decide_recheck"
    assert workflow.transition(S.NOT_STARTED, S.DONE) is None
    assert workflow.transition(S.IN_PROGRESS, S.DONE) is None


@pytest.mark.parametrize(
    ("status", "kind", "expected"),
    [
        (S.NOT_STARTED, MeasureKind.TIME_BOUND, [S.IN_PROGRESS]),
        (S.IN_PROGRESS, MeasureKind.TIME_BOUND, [S.AWAITING_SIGN_OFF]),
        (S.AWAITING_SIGN_OFF, MeasureKind.TIME_BOUND, []),
        (S.DONE, MeasureKind.TIME_BOUND, []),
        (S.NOT_STARTED, MeasureKind.ONGOING, [S.IN_PROGRESS]),
        (S.IN_PROGRESS, MeasureKind.ONGOING, []),  # ongoing measures never go to sign-off
    ],
)
def test_next_statuses(status, kind, expected):
    m = measure(status, kind)
    assert workflow.next_statuses(m) == expected
    assert all(workflow.is_forward(m, s) for s in expected)


def test_submit_and_extension_refusals():
    assert workflow.submit_refusal(measure()) is None
    assert workflow.submit_refusal(measure(progress="  ")) is not None
    assert workflow.submit_refusal(measure(kind=MeasureKind.ONGOING)) is not None
    assert workflow.extension_refusal(measure()) is None
    assert workflow.extension_refusal(measure(S.DONE)) is not None
    assert workflow.extension_refusal(measure(kind=MeasureKind.ONGOING)) is not None


def test_recheck_date_and_due(settings):
    settings.RECTIFICATION = {**settings.RECTIFICATION, "RECHECK_AFTER_MONTHS": 3}
    assert workflow.recheck_due_on(dt.date(2025, 11, 30)) == dt.date(2026, 2, 28)
    assert workflow.recheck_due_on(dt.date(2025, 1, 31)) == dt.date(2025, 4, 30)
    assert workflow.add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    today = dt.date(2026, 3, 1)
    assert workflow.recheck_is_due(measure(S.DONE, recheck_on=today), today)
    assert not workflow.recheck_is_due(measure(S.DONE, recheck_on=today + dt.timedelta(days=1)), today)
    assert not workflow.recheck_is_due(measure(S.DONE), today)
    assert not workflow.recheck_is_due(measure(S.IN_PROGRESS, recheck_on=today), today)


def test_may_decide_recheck():
    pending = SimpleNamespace(state=ReCheck.State.PENDING, measure=measure(S.DONE))
    decided = SimpleNamespace(state=ReCheck.State.CONFIRMED, measure=measure(S.DONE))
    assert workflow.may_decide_recheck(User(SECRETARY), pending)
    assert not workflow.may_decide_recheck(User(SECRETARY), decided)
    assert not workflow.may_decide_recheck(User(RESPONSIBLE), pending)


def _on(actions: workflow.MeasureActions) -> set[str]:
    return {name for name, value in vars(actions).items() if value}


@pytest.mark.parametrize(
    ("rules", "status", "expected"),
    [
        (SECRETARY, S.NOT_STARTED, {"report_progress", "next_statuses", "request_extension", "add_evidence", "edit"}),
        (SECRETARY, S.AWAITING_SIGN_OFF, {"report_progress", "sign_off", "send_back", "request_extension", "add_evidence", "edit"}),
        (SECRETARY, S.DONE, {"report_progress", "add_evidence", "edit"}),
        (RESPONSIBLE, S.IN_PROGRESS, {"report_progress", "next_statuses", "request_extension", "add_evidence"}),
        (RESPONSIBLE, S.AWAITING_SIGN_OFF, {"report_progress", "request_extension", "add_evidence"}),
        (RESPONSIBLE, S.DONE, {"report_progress", "add_evidence"}),
        (READER, S.IN_PROGRESS, set()),
        (READER, S.AWAITING_SIGN_OFF, set()),
    ],
)  # fmt: skip
def test_actions_per_persona_and_status(rules, status, expected):
    actions = workflow.measure_actions(User(rules), measure(status))
    assert _on(actions) == expected
    assert actions.change_status == ("next_statuses" in expected)


def test_actions_with_a_pending_extension():
    m = measure(S.IN_PROGRESS)
    secretary = workflow.measure_actions(User(SECRETARY), m, pending_extension=PENDING)
    assert secretary.decide_extension and not secretary.request_extension and not secretary.extension_waiting
    responsible = workflow.measure_actions(User(RESPONSIBLE), m, pending_extension=PENDING)
    assert not responsible.decide_extension and not responsible.request_extension and responsible.extension_waiting
    assert workflow.measure_actions(User(READER), m, pending_extension=PENDING).extension_waiting


def test_actions_on_ongoing_measures():
    started = workflow.measure_actions(User(RESPONSIBLE), measure(S.IN_PROGRESS, MeasureKind.ONGOING))
    assert started.periodic_note and not started.next_statuses and not started.request_extension
    new = workflow.measure_actions(User(RESPONSIBLE), measure(S.NOT_STARTED, MeasureKind.ONGOING))
    assert new.next_statuses == (S.IN_PROGRESS,) and not new.periodic_note
    assert not workflow.measure_actions(User(READER), measure(S.IN_PROGRESS, MeasureKind.ONGOING)).periodic_note


def test_the_steps_offered_carry_their_buttons():
    """The page prints each step's own label: 提请销号 with its hint, 开始推进 without."""
    submit = workflow.measure_actions(User(RESPONSIBLE), measure(S.IN_PROGRESS)).steps
    assert [(t.target, str(t.label), bool(t.hint)) for t in submit] == [(S.AWAITING_SIGN_OFF, "提请销号", True)]
    start = workflow.measure_actions(User(RESPONSIBLE), measure(S.NOT_STARTED)).steps
    assert [(t.target, str(t.label), bool(t.hint)) for t in start] == [(S.IN_PROGRESS, "开始推进", False)]
    assert workflow.measure_actions(User(READER), measure(S.IN_PROGRESS)).steps == ()
