"""The Fuhua demo data: complete, true to the seed bulletin, and idempotent."""

import datetime as dt
import json

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command

from rectification.devdata.demo import REFERENCE_DAY, demo_load
from rectification.models import (
    BulletinVersion,
    Category,
    Escalation,
    Finding,
    Inspection,
    Measure,
    Notification,
    Organisation,
    Review,
    SignOff,
    SubmittedVersion,
    UpwardDocument,
)
from rectification.selectors.reviews import review_queue


@pytest.mark.django_db
def test_demo_matches_the_seed_structure(demo):
    assert demo.organisation.name == "中共深圳市福田区福田街道福华社区委员会"
    assert demo.team == "区委第四巡察组"
    cats = list(Category.objects.filter(inspection=demo).order_by("position"))
    assert [c.title for c in cats] == [
        "关于党中央和上级各项决策部署落实情况方面",
        "关于群众身边不正之风和腐败问题以及群众反映强烈的问题方面",
        "关于基层党组织建设情况方面",
    ]
    assert [c.findings.count() for c in cats] == [8, 2, 2]
    assert Measure.objects.filter(finding__category__inspection=demo).count() == 29


@pytest.mark.django_db
def test_demo_text_comes_from_the_seed(demo, settings):
    seed = (settings.BASE_DIR / "fixtures" / "seed" / "fuhua-bulletin-2025.txt").read_text(encoding="utf-8")
    seed = "".join(seed.split()).replace("**", "")
    for f in Finding.objects.filter(category__inspection=demo):
        assert f.heading in seed
    for m in Measure.objects.filter(finding__category__inspection=demo):
        assert m.title in seed, m.title
        assert "".join(m.progress.split()).rstrip("。") in seed, m.title


@pytest.mark.django_db
def test_demo_has_a_mix_for_the_dashboard(demo):
    statuses = set(Measure.objects.values_list("status", flat=True))
    assert statuses == {"not_started", "in_progress", "awaiting_sign_off", "done"}
    assert Measure.objects.filter(kind="ongoing").exists()
    done = Measure.objects.filter(status="done")
    assert SignOff.objects.filter(measure__in=done).count() == done.count()


@pytest.mark.django_db
def test_loading_twice_changes_nothing(demo, capsys):
    counts = {m: m.objects.count() for m in (Organisation, Category, Finding, Measure, SignOff)}
    Measure.objects.filter(pk=Measure.objects.first().pk).update(progress="用户修改过的进展")
    report = demo_load()
    assert not report.created
    call_command("load_demo")
    assert "nothing changed" in capsys.readouterr().out
    assert {m: m.objects.count() for m in counts} == counts
    assert Measure.objects.filter(progress="用户修改过的进展").count() == 1


@pytest.mark.django_db
def test_make_run_loads_a_working_day_relative_to_today(capsys, settings):
    """`load_demo` (what `make run` runs) places the dates relative to the day, keeps the
    texts, sweeps and publishes once; a second run changes nothing."""
    day = dt.date(2027, 3, 10)  # a Wednesday
    with time_machine.travel(dt.datetime(2027, 3, 10, 9, tzinfo=dt.UTC), tick=False):
        call_command("load_demo")
        first = capsys.readouterr().out
    assert "bulletin version 1 published" in first and "sweep 2027-03-10" in first
    shift = day - REFERENCE_DAY
    data = json.loads((settings.BASE_DIR / "fixtures" / "fuhua_2025.json").read_text(encoding="utf-8"))
    rows = [m for c in data["categories"] for f in c["findings"] for m in f["measures"]]
    for row in rows:
        measure = Measure.objects.get(title=row["title"])
        assert measure.progress == row["progress"]  # the Fuhua text, unchanged
        expected = dt.date.fromisoformat(row["due_on"]) + shift if row["due_on"] else None
        assert measure.due_on == expected, row["title"]
    inspection = Inspection.objects.get()
    assert inspection.feedback_on == dt.date(2025, 1, 21) + shift
    # A working day: a few late, one due within the week, most signed off.
    assert Measure.objects.overdue(day).count() == 6
    assert Measure.objects.due_within(day, 7).count() == 1
    assert Measure.objects.filter(overdue_since__isnull=False).count() == 6  # the sweep ran
    assert Measure.objects.filter(stale_since__isnull=False).count() == 1
    assert Notification.objects.filter(recipient__username="gongzuo").exists()
    assert Escalation.objects.exists()
    assert BulletinVersion.objects.get().bulletin.issued_on == day
    # The documents handed upward as they went: the plan approved by the street before its
    # due date, the first report submitted and waiting in the street supervisor's queue.
    plan, report = UpwardDocument.objects.order_by("kind")  # "plan" < "report"
    assert (plan.kind, plan.state, report.state) == ("plan", "approved", "submitted")
    assert SubmittedVersion.objects.get(document=plan).signed_at.date() < plan.due_on
    assert Review.objects.get().reviewer.username == "jiedao"
    jiedao = get_user_model().objects.get(username="jiedao")
    assert [d.pk for d in review_queue(user=jiedao)] == [report.pk]

    counts = {
        m: m.objects.count()
        for m in (Measure, Notification, Escalation, BulletinVersion, SignOff, SubmittedVersion, Review)
    }
    with time_machine.travel(dt.datetime(2027, 3, 11, 9, tzinfo=dt.UTC), tick=False):
        call_command("load_demo")  # the next day: still nothing changes
    assert "nothing changed" in capsys.readouterr().out
    assert {m: m.objects.count() for m in counts} == counts
