"""`manage.py sweep` on the Fuhua demo data: it flags exactly the measures whose deadline
had passed on the given day, says what it did, and a second run has nothing new to do."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command

from rectification.models import Measure


def _expected_overdue(today: dt.date) -> set[str]:
    """Titles of the fixture's measures that are overdue on ``today``, read from the JSON
    itself: a deadline, before today, not done."""
    data = json.loads((settings.BASE_DIR / "fixtures" / "fuhua_2025.json").read_text(encoding="utf-8"))
    return {
        m["title"]
        for c in data["categories"]
        for finding in c["findings"]
        for m in finding["measures"]
        if m["due_on"] and dt.date.fromisoformat(m["due_on"]) < today and m["status"] != "done"
    }


def _sweep(day: str) -> str:
    out = StringIO()
    with time_machine.travel(dt.datetime.fromisoformat(f"{day}T06:30:00+08:00"), tick=False):
        call_command("sweep", today=day, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize("day", ["2025-06-01", "2025-07-01", "2025-09-01", "2025-11-03"])
def test_sweep_flags_exactly_the_demo_measures_past_their_deadline(demo, day):
    today = dt.date.fromisoformat(day)
    first = _sweep(day)
    flagged = set(Measure.objects.filter(overdue_since=today).values_list("title", flat=True))
    assert flagged == _expected_overdue(today)
    # The model's own single-row rule agrees, row by row.
    assert flagged == {m.title for m in Measure.objects.all() if m.is_overdue(today)}
    if flagged:
        assert f"sweep {day}: measures flagged overdue: {len(flagged)}" in first
    assert f"sweep {day}: now overdue: {len(flagged)}," in first

    second = _sweep(day)
    assert second.strip().endswith(f"sweep {day}: nothing new to do"), second
    assert "flagged" not in second


@pytest.mark.django_db
def test_on_1_june_the_sweep_flags_the_two_late_demo_measures_and_reports_its_other_work(demo):
    """On 2025-06-01 two demo measures are past their deadline and not done; the sweep
    flags exactly those, and reports its other work (stale ongoing measures, and on the
    next working day re-checks and reminders)."""
    out = _sweep("2025-06-01")
    assert _expected_overdue(dt.date(2025, 6, 1)) == {"定期召开网格员环卫测评会议", "协调力量强化引导，"}
    assert "sweep 2025-06-01: measures flagged overdue: 2" in out
    assert "定期召开网格员环卫测评会议 (due 2025-05-31)" in out and "协调力量强化引导， (due 2025-05-20)" in out
    assert "sweep 2025-06-01: ongoing measures flagged stale: 6" in out
    assert "not a working day" in out and "re-checks due" not in out  # Sunday, Dragon Boat holiday
    out = _sweep("2025-06-03")  # the next working day: what waited goes out
    assert "re-checks due (回头看): 3" in out and "re-check requests to secretaries: 3" in out
    assert "stale reminders: 5" in out  # six stale measures, one of whose people has no account


@pytest.mark.django_db
def test_bad_date_is_a_clear_error(db):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("sweep", today="1 June")
