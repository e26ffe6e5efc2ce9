"""Migrations 0024/0025 carry every bare outcome figure (rules_made, people_handled,
money_recovered) into the registers, and back again when reversed. Runs on whichever
database the suite uses (SQLite here, PostgreSQL in the second pass, where the data step and
the column drops must sit in different migrations)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count, Sum

BEFORE = [("rectification", "0023_public_comments")]
AFTER = [("rectification", "0025_remove_bare_figures")]

# (rules_made, people_handled, money_recovered) of each measure.
FIGURES = [
    (0, 0, Decimal("0")),
    (3, 0, Decimal("0")),
    (0, 2, Decimal("0")),
    (0, 0, Decimal("12.35")),
    (1, 4, Decimal("0.01")),
    (2, 1, Decimal("9999999999.99")),
]


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


def _measures(apps) -> list[int]:
    """Measures carrying FIGURES, built with the models as they were at ``apps``."""
    Organisation = apps.get_model("rectification", "Organisation")
    Inspection = apps.get_model("rectification", "Inspection")
    Category = apps.get_model("rectification", "Category")
    Finding = apps.get_model("rectification", "Finding")
    Measure = apps.get_model("rectification", "Measure")
    org = Organisation.objects.create(
        name="迁移测试社区党委", short_name="迁移", slug="mig", level="community", path="/mig/"
    )
    day = dt.date(2025, 1, 10)
    insp = Inspection.objects.create(
        organisation=org, team="第一巡察组", onsite_start=day, onsite_end=day, feedback_on=day
    )
    cat = Category.objects.create(inspection=insp, title="方面", position=1)
    finding = Finding.objects.create(category=cat, heading="事项", position=1)
    return [
        Measure.objects.create(
            finding=finding,
            position=i,
            title=f"措施{i}",
            due_on=day,
            rules_made=rules,
            people_handled=people,
            money_recovered=money,
        ).pk
        for i, (rules, people, money) in enumerate(FIGURES, 1)
    ]


@pytest.mark.django_db(transaction=True)
def test_every_figure_is_carried_into_the_registers_and_back():
    try:
        ids = _measures(_migrate(BEFORE))
        apps = _migrate(AFTER)
        RuleRecord = apps.get_model("rectification", "RuleRecord")
        TreatmentRecord = apps.get_model("rectification", "TreatmentRecord")
        MoneyRecord = apps.get_model("rectification", "MoneyRecord")
        rules = dict(RuleRecord.objects.values_list("measure_id").annotate(n=Count("pk")).order_by())
        people = dict(TreatmentRecord.objects.values_list("measure_id").annotate(n=Sum("count")).order_by())
        money = dict(MoneyRecord.objects.values_list("measure_id").annotate(n=Sum("amount")).order_by())
        for pk, (r, p, m) in zip(ids, FIGURES, strict=True):
            assert (rules.get(pk, 0), people.get(pk, 0), money.get(pk, Decimal("0"))) == (r, p, m)
        # Nothing invented: the figures did not say which kind, so every record is 「未分类」.
        for model in (RuleRecord, TreatmentRecord, MoneyRecord):
            assert set(model.objects.values_list("kind", flat=True)) == {"unspecified"}
        assert RuleRecord.objects.count() == sum(r for r, _p, _m in FIGURES)
        assert MoneyRecord.objects.count() == sum(1 for *_x, m in FIGURES if m)

        Measure = _migrate(BEFORE).get_model("rectification", "Measure")
        back = {m.pk: (m.rules_made, m.people_handled, m.money_recovered) for m in Measure.objects.all()}
        assert [back[pk] for pk in ids] == FIGURES
    finally:
        # Back to the latest schema, which the rest of the suite expects.
        executor = MigrationExecutor(connection)
        _migrate(executor.loader.graph.leaf_nodes())
