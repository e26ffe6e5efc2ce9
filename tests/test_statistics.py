"""The district statistics (巡察整改统计): every column of every organisation, and the total
line, equal sums over the measures, problems and registers computed here in Python from
the rows themselves; the workbook says the same; queries do not grow with the number of
organisations; a 回头看 round's marks show in both rounds' figures."""

from __future__ import annotations

import datetime as dt
import io
import random
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from rectification.ledger.statistics import write_statistics
from rectification.models import (
    Category,
    Finding,
    Heading,
    Inspection,
    Measure,
    MoneyKind,
    MoneyRecord,
    Recurrence,
    RuleRecord,
    TreatmentKind,
    TreatmentRecord,
)
from rectification.selectors.statistics import (
    district_statistics,
    heading_statistics,
    round_statistics,
    statistics_columns,
    statistics_data,
)
from rectification.services.headings import headings_for
from rectification.services.rounds import finding_mark_recurrence, follow_up_create

from . import factories as f

TODAY = dt.date(2025, 9, 1)
K, S = Measure.Kind, Measure.Status


def _community(street, rng: random.Random, round_no: int) -> None:
    """An organisation with one inspection of ``round_no``: measures of every kind and state,
    done on time, late and after an extension, with register rows; its first category
    under a standard heading (picked at random), the second under none."""
    org = f.organisation(parent=street)
    insp = f.inspection(organisation=org)
    Inspection.objects.filter(pk=insp.pk).update(round_no=round_no)
    headings = headings_for(organisation=org)
    for c in range(2):
        cat = f.category(inspection=insp, title=f"方面{c}")
        Category.objects.filter(pk=cat.pk).update(heading=rng.choice(headings) if c == 0 else None)
        parent = f.finding(category=cat, heading=f"事项{c}")
        findings = [parent, f.finding(category=cat, heading=f"子事项{c}", parent=parent), f.finding(category=cat)]
        for finding in findings[1:]:
            for _ in range(rng.randint(1, 4)):
                kind = rng.choice(K.values)
                status = rng.choice(S.values)
                due = None if kind == K.ONGOING else dt.date(2025, rng.randint(5, 11), 15)
                extra = {}
                if status == S.DONE:
                    extra["completed_on"] = dt.date(2025, rng.randint(4, 8), rng.choice((10, 15, 20)))
                m = f.measure(finding=finding, kind=kind, status=status, due_on=due, **extra)
                if due and rng.random() < 0.3:  # extended: the original deadline was earlier
                    Measure.objects.filter(pk=m.pk).update(original_due_on=due - dt.timedelta(days=30))
                for _ in range(rng.choice((0, 0, 1, 2))):
                    f.rule(m, rng.choice(("made", "revised", "unspecified")))
                if rng.random() < 0.4:
                    f.treatment(m, rng.randint(1, 3), rng.choice(TreatmentKind.values))
                if rng.random() < 0.4:
                    f.money(m, f"{rng.randint(1, 99999) / 100:.2f}", rng.choice(MoneyKind.values))


def _district(n: int, seed: int = 7):
    rng = random.Random(seed)
    district = f.organisation(level="district", name=f"区委{seed}")
    streets = [f.organisation(level="street", parent=district) for _ in range(2)]
    for i in range(n):
        _community(streets[i % 2], rng, round_no=1 + i % 2)
    return district


def _expected(
    measures: list[Measure], findings: list[Finding], org_ids: set[int], heading: object = "any"
) -> dict[str, object]:
    """Every column of one group, computed from the rows in Python (not with the rules of
    counting.py): measures, problems (findings without sub-problems) and registers; of the
    organisations ``org_ids``, and of one standard heading id (None: unmapped) when given."""

    def keep(category: Category) -> bool:
        return category.inspection.organisation_id in org_ids and heading in ("any", category.heading_id)

    ms = [m for m in measures if keep(m.finding.category)]
    ids = {m.pk for m in ms}
    bounded = [m for m in ms if m.kind != K.ONGOING]
    on_time = [m for m in bounded if m.status == S.DONE and m.completed_on <= (m.original_due_on or m.due_on)]
    leaves = [x for x in findings if keep(x.category) and not x.subfindings.exists()]
    later = [x for x in Finding.objects.filter(carried_from__in=leaves)]
    inspections = Inspection.objects.filter(organisation_id__in=org_ids).count()
    out: dict[str, object] = {
        "inspections": inspections if heading == "any" else None,
        "problems": len(leaves),
        "total": len(ms),
        "immediate": sum(m.kind == K.IMMEDIATE for m in ms),
        "time_bound": sum(m.kind == K.TIME_BOUND for m in ms),
        "ongoing": sum(m.kind == K.ONGOING for m in ms),
        "done": sum(m.status == S.DONE for m in ms),
        "overdue": sum(m.due_on is not None and m.due_on < TODAY and m.status != S.DONE for m in ms),
        "extended": sum(m.original_due_on is not None and m.due_on != m.original_due_on for m in bounded),
        "on_time": len(on_time),
        "rate": round(sum(m.status == S.DONE for m in bounded) * 100 / len(bounded), 1) if bounded else None,
        "on_time_rate": round(len(on_time) * 100 / len(bounded), 1) if bounded else None,
        "carried": sum(x.carried_from_id is not None for x in leaves),
        "carried_open": sum(x.carried_from_id is not None and x.carried_done is False for x in leaves),
        "found_rebound": sum(x.recurrence == Recurrence.REBOUND for x in leaves),
        "found_repeat": sum(x.recurrence == Recurrence.REPEAT for x in leaves),
        "rebounded_later": sum(x.recurrence == Recurrence.REBOUND for x in later),
        "repeated_later": sum(x.recurrence == Recurrence.REPEAT for x in later),
    }
    rules = [r for r in RuleRecord.objects.all() if r.measure_id in ids]
    out |= {
        "rules_made": sum(r.kind == "made" for r in rules),
        "rules_revised": sum(r.kind == "revised" for r in rules),
        "rules_total": len(rules),
    }
    people = [t for t in TreatmentRecord.objects.all() if t.measure_id in ids]
    out |= {f"people_{k}": sum(t.count for t in people if t.kind == k) for k in TreatmentKind.values}
    out["people_total"] = sum(t.count for t in people)
    money = [x for x in MoneyRecord.objects.all() if x.measure_id in ids]
    out |= {f"money_{k}": sum((x.amount for x in money if x.kind == k), Decimal(0)) for k in MoneyKind.values}
    out["money_total"] = sum((x.amount for x in money), Decimal(0))
    return out


def _all_rows():
    measures = list(Measure.objects.select_related("finding__category__inspection"))
    findings = list(Finding.objects.select_related("category__inspection"))
    return measures, findings


def _values(figures) -> dict[str, object]:
    return {key: figures.value(key) for key, _label in statistics_columns()}


@pytest.mark.django_db
def test_every_column_of_every_organisation_and_the_total_equals_the_sums_of_the_rows():
    district = _district(6)
    rows, total = district_statistics(root=district, today=TODAY)
    measures, findings = _all_rows()
    assert len(rows) == 6 and total.counts.total == len(measures)
    for row in rows:
        assert _values(row.figures) == _expected(measures, findings, {row.organisation.pk}), row.label
    all_orgs = {r.organisation.pk for r in rows}
    assert _values(total) == _expected(measures, findings, all_orgs)
    # The registers are really there (the sums above compare something).
    assert total.value("rules_total") and total.value("people_total") and total.value("money_total")
    assert 0 < total.counts.on_time < total.counts.bounded_done


@pytest.mark.django_db
def test_every_column_of_every_standard_heading_equals_the_sums_of_the_rows():
    district = _district(6)
    rows, total = heading_statistics(root=district, today=TODAY)
    measures, findings = _all_rows()
    orgs = set(Inspection.objects.values_list("organisation_id", flat=True))
    used = set(Category.objects.values_list("heading_id", flat=True))
    order = [h.pk for h in Heading.objects.filter(organisation=district).order_by("position") if h.pk in used]
    assert [r.label for r in rows] == [Heading.objects.get(pk=pk).title for pk in order] + ["未归类"]
    for row, key in zip(rows, [*order, None], strict=True):
        assert _values(row.figures) == _expected(measures, findings, orgs, heading=key), row.label
    everything = _expected(measures, findings, orgs)
    assert _values(total) == everything | {"inspections": None}
    assert total.counts.total == len(measures)


@pytest.mark.django_db
def test_one_round_counts_only_its_inspections():
    district = _district(6)
    rows, total = district_statistics(root=district, today=TODAY, round_no=2)
    orgs = set(Inspection.objects.filter(round_no=2).values_list("organisation_id", flat=True))
    assert {r.organisation.pk for r in rows} == orgs and len(orgs) == 3
    measures, findings = _all_rows()
    assert _values(total) == _expected(measures, findings, orgs)
    by_round, round_total = round_statistics(root=district, today=TODAY)
    assert [r.round_no for r in by_round] == [1, 2]
    assert _values(by_round[1].figures) == _values(total)
    assert _values(round_total) == _expected(
        measures,
        findings,
        {r.organisation.pk for r in rows}
        | set(Inspection.objects.filter(round_no=1).values_list("organisation_id", flat=True)),
    )


@pytest.mark.django_db
def test_queries_do_not_grow_with_the_number_of_organisations(django_assert_num_queries):
    small, large = _district(2, seed=1), _district(8, seed=2)
    # 22 = district_statistics 8 (inspections, measures, problems, problems found back later,
    # rules, treatments, money, organisations) + round_statistics 7 (the same but organisations)
    # + heading_statistics 7 (the same but inspections, and the headings).
    with django_assert_num_queries(22):
        assert len(statistics_data(root=small, today=TODAY).rows) == 2
    with django_assert_num_queries(22):
        assert len(statistics_data(root=large, today=TODAY).rows) == 8


@pytest.mark.django_db
def test_the_workbook_says_what_the_figures_say(tmp_path):
    district = _district(4)
    data = statistics_data(root=district, today=TODAY)
    ws = load_workbook(io.BytesIO(write_statistics(data)))["按党组织"]
    header = [c.value for c in ws[2]]
    columns = statistics_columns()
    assert header[2:] == [str(label) for _key, label in columns]
    body = [[c.value for c in row] for row in ws.iter_rows(min_row=3)]
    assert [r[0] for r in body] == [r.label for r in data.rows] + ["合计"]
    for line, figures in zip(body, [r.figures for r in data.rows] + [data.total], strict=True):
        for (key, _label), cell in zip(columns, line[2:], strict=True):
            value = figures.value(key)
            expected = "—" if value is None else float(value) if isinstance(value, Decimal) else value
            assert cell == expected, key
    # The command writes the same workbook.
    out = tmp_path / "stats.xlsx"
    with time_machine.travel(dt.datetime(2025, 9, 1, 10, tzinfo=dt.UTC), tick=False):
        call_command("statistics", str(district.pk), "--output", str(out))
    again = load_workbook(out)["按党组织"]
    assert [[c.value for c in row] for row in again.iter_rows(min_row=2)] == [header, *body]


# ---------------------------------------------------------------- rounds and 回头看


@pytest.fixture
def two_rounds(personas):
    """Round 1 of community A: one problem done, one open; then its 回头看 (round 2)."""
    insp = f.inspection(organisation=personas.tree.a)
    Inspection.objects.filter(pk=insp.pk).update(round_no=1)
    insp.refresh_from_db()
    cat = f.category(inspection=insp, title="关于基层党组织建设方面")
    fixed = f.finding(category=cat, heading="会议记录不规范")
    f.measure(finding=fixed, status=S.DONE, completed_on=dt.date(2025, 5, 1))
    still = f.finding(category=cat, heading="台账不全")
    f.measure(finding=still, status=S.IN_PROGRESS)
    follow = follow_up_create(
        user=personas.secretary_a,
        earlier=insp,
        team="区委第二巡察组",
        onsite_start=dt.date(2025, 8, 1),
        onsite_end=dt.date(2025, 8, 10),
        feedback_on=dt.date(2025, 8, 20),
        round_no=2,
    )
    return insp, follow


def test_a_follow_up_brings_in_the_earlier_problems_with_their_state(two_rounds, personas):
    earlier, follow = two_rounds
    assert (follow.kind, follow.round_no, follow.follows_id) == ("follow_up", 2, earlier.pk)
    copies = list(Finding.objects.filter(category__inspection=follow).order_by("position"))
    assert [(c.heading, c.carried_from.heading, c.carried_done) for c in copies] == [
        ("会议记录不规范", "会议记录不规范", True),
        ("台账不全", "台账不全", False),
    ]
    assert not Measure.objects.filter(finding__in=copies).exists()  # the new round plans its own


def test_a_rebound_shows_in_the_figures_of_both_rounds(two_rounds, personas):
    earlier, follow = two_rounds
    rebound = Finding.objects.get(category__inspection=follow, heading="会议记录不规范")
    finding_mark_recurrence(user=personas.secretary_a, finding=rebound, recurrence=Recurrence.REBOUND)
    rows, _total = round_statistics(root=personas.tree.street, today=TODAY)
    first, second = (
        {k: r.figures.value(k) for k in ("carried", "carried_open", "found_rebound", "rebounded_later")} for r in rows
    )
    assert [r.round_no for r in rows] == [1, 2]
    assert first == {"carried": 0, "carried_open": 0, "found_rebound": 0, "rebounded_later": 1}
    assert second == {"carried": 2, "carried_open": 1, "found_rebound": 1, "rebounded_later": 0}
    # Cleared again, neither round counts it.
    finding_mark_recurrence(user=personas.secretary_a, finding=rebound, recurrence="")
    rows, _total = round_statistics(root=personas.tree.street, today=TODAY)
    assert [r.figures.value("rebounded_later") + r.figures.value("found_rebound") for r in rows] == [0, 0]


def test_only_the_secretary_starts_a_follow_up_and_marks_and_only_carried_problems(two_rounds, personas):
    earlier, follow = two_rounds
    dates = dict(onsite_start=dt.date(2025, 8, 1), onsite_end=dt.date(2025, 8, 10), feedback_on=dt.date(2025, 8, 20))
    for user in (personas.staff_a, personas.supervisor, personas.staff_b):
        with pytest.raises(PermissionDenied):
            follow_up_create(user=user, earlier=earlier, team="组", **dates)
    copy = Finding.objects.filter(category__inspection=follow).first()
    with pytest.raises(PermissionDenied):
        finding_mark_recurrence(user=personas.supervisor, finding=copy, recurrence=Recurrence.REBOUND)
    own = Finding.objects.filter(category__inspection=earlier).first()
    with pytest.raises(ValidationError):
        finding_mark_recurrence(user=personas.secretary_a, finding=own, recurrence=Recurrence.REBOUND)
    with pytest.raises(ValidationError):  # a 回头看 comes after the earlier feedback
        follow_up_create(
            user=personas.secretary_a, earlier=earlier, team="组", **(dates | {"onsite_start": earlier.feedback_on})
        )
    count = Inspection.objects.count()
    assert count == 2


# ---------------------------------------------------------------- the page and the download


def test_the_page_and_the_download_for_the_supervisor_only_within_their_tree(two_rounds, personas, client):
    client.force_login(personas.supervisor)
    url = reverse("rectification:statistics")
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "按期完成率" in text and "第1轮" in text and "第2轮" in text
    one_round = client.get(url, {"round": 2})
    assert one_round.context["data"].round_no == 2 and len(one_round.context["org_rows"]) == 1
    xlsx = client.get(reverse("rectification:statistics_xlsx"), {"round": 1})
    assert xlsx.status_code == 200 and xlsx["Cache-Control"] == "private, no-store"
    sheet = load_workbook(io.BytesIO(xlsx.content))["按党组织"]
    assert sheet["A3"].value == personas.tree.a.short_name and sheet["A4"].value == "合计"
    # Above their own organisation, or not a number: 404, nothing shown.
    for query in ({"organisation": personas.tree.district.pk}, {"organisation": "x"}, {"round": "-1"}):
        assert client.get(url, query).status_code == 404
        assert client.get(reverse("rectification:statistics_xlsx"), query).status_code == 404


def test_the_page_queries_do_not_grow_with_the_organisations(client, django_assert_num_queries, personas):
    client.force_login(personas.supervisor)
    url = reverse("rectification:statistics")
    # session, user, memberships, the supervisor's roots, statistics_data's 22, the frame's
    # two counts (unread notifications, documents to review): 28, for 1 or 7 organisations.
    _community(personas.tree.street, random.Random(3), round_no=1)
    with django_assert_num_queries(28):
        assert len(client.get(url).context["org_rows"]) == 1
    for _ in range(6):
        _community(personas.tree.street, random.Random(3), round_no=1)
    with django_assert_num_queries(28):
        assert len(client.get(url).context["org_rows"]) == 7


# ---------------------------------------------------------------- the on-time rate on the dashboard


def test_the_on_time_rate_counts_what_was_done_by_the_original_deadline(client, personas):
    insp = f.inspection(organisation=personas.tree.a)
    finding = f.finding(category=f.category(inspection=insp))
    due = dt.date(2025, 6, 30)
    f.measure(finding=finding, status=S.DONE, due_on=due, completed_on=due)  # on the day: on time
    late = f.measure(finding=finding, status=S.DONE, due_on=due, completed_on=dt.date(2025, 7, 20))
    Measure.objects.filter(pk=late.pk).update(due_on=dt.date(2025, 7, 31))  # extended first: still late
    f.measure(finding=finding, status=S.IN_PROGRESS, due_on=due)
    f.measure(finding=finding, status=S.DONE, kind=K.ONGOING, completed_on=dt.date(2025, 1, 1))  # no deadline
    client.force_login(personas.secretary_a)
    with time_machine.travel(dt.datetime(2025, 9, 1, 10, tzinfo=dt.UTC), tick=False):
        response = client.get(reverse("rectification:dashboard"), {"inspection": insp.pk})
    counts = response.context["data"].counts
    assert (counts.on_time, counts.bounded, counts.on_time_rate) == (1, 3, 33.3)
    assert "按期完成率 33.3%" in response.content.decode()
