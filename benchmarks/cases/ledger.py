"""Case 5: importing a 1,000-row ledger (整改台账) into a community, beside inserting the
same rows with bulk_create.

The import reads the workbook, validates every cell, matches organisation, inspection,
categories, items and people, and writes in one transaction; the limit inserts the rows
that import writes (inspection, categories, items, measures, responsible people links,
one timeline entry per measure) from rows already parsed, with bulk_create. Both run in
a transaction rolled back after each run, so every run creates the same new inspection.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from rectification.devdata import vocabulary as vocab
from rectification.devdata.hostile import hostile_ledger
from rectification.devdata.scale import community_slug
from rectification.ledger.format import InspectionInfo, LedgerRow
from rectification.ledger.reader import read_ledger
from rectification.ledger.writer import ExportRow, write_ledger
from rectification.models import Category, Finding, Inspection, Measure, MeasureKind, Organisation, ProgressEntry
from rectification.services.ledger import ledger_import

from .. import data
from ..figures import Figure, Target, cpu_ms, interleaved
from .sweep import rolled_back_ms

MEASURES_PER_ITEM = 5
FEEDBACK = dt.date(2025, 3, 10)


def _rows(n: int, people: list[str], rng: random.Random) -> list[LedgerRow]:
    rows = []
    categories = vocab.CATEGORY_TITLES
    for i in range(n):
        item_no = i // MEASURES_PER_ITEM
        kind = rng.choices((MeasureKind.TIME_BOUND, MeasureKind.IMMEDIATE, MeasureKind.ONGOING), (70, 18, 12))[0]
        rows.append(
            LedgerRow(
                row=i + 2,
                category=categories[item_no % len(categories)],
                item=f"{vocab.item_texts(rng)[0]}（{item_no + 1}）",
                measure=f"{vocab.measure_title(rng)}（{i + 1}）",
                problem="问题描述：工作存在薄弱环节。",
                progress=vocab.progress(rng) if rng.random() < 0.6 else "",
                kind=kind,
                due_on=None if kind == MeasureKind.ONGOING else FEEDBACK + dt.timedelta(days=rng.randint(30, 300)),
                status=rng.choice(("not_started", "in_progress")),
                leader=people[0],
                owners=rng.sample(people[1:], rng.choice((1, 2))),
                unit=rng.choice(vocab.UNITS),
            )
        )
    return rows


def build_workbook(org: Organisation, n: int) -> bytes:
    people = list(org.people.order_by("pk").values_list("name", flat=True)) + ["新录入人员甲", "新录入人员乙"]
    info = InspectionInfo(
        organisation_name=org.name,
        short_name=org.short_name,
        deployed_by="区委",
        team="区委第九巡察组",
        onsite_start=FEEDBACK - dt.timedelta(days=100),
        onsite_end=FEEDBACK - dt.timedelta(days=20),
        feedback_on=FEEDBACK,
        deadline=FEEDBACK + dt.timedelta(days=365),
    )
    rows = [ExportRow(r) for r in _rows(n, people, random.Random(f"ledger:{n}"))]
    return write_ledger(info=info, rows=rows, title="巡察整改台账")


class BulkInsert:
    """The limit: the import's rows from already parsed ledger rows, with bulk_create."""

    def __init__(self, org: Organisation, workbook: bytes) -> None:
        ledger = read_ledger(workbook)
        self.org, self.info, self.rows = org, ledger.info, ledger.rows
        self.people = {p.name: p for p in org.people.all()}

    def __call__(self) -> int:
        info = self.info
        inspection = Inspection.objects.create(
            organisation=self.org,
            deployed_by=info.deployed_by,
            team=info.team,
            onsite_start=info.onsite_start,
            onsite_end=info.onsite_end,
            feedback_on=info.feedback_on,
            deadline=info.deadline,
        )
        titles = list(dict.fromkeys(r.category for r in self.rows))
        categories = {
            c.title: c
            for c in Category.objects.bulk_create(
                [Category(inspection=inspection, title=t, position=p) for p, t in enumerate(titles, 1)]
            )
        }
        items: dict[str, Finding] = {}
        for r in self.rows:
            if r.item not in items:
                items[r.item] = Finding(category=categories[r.category], heading=r.item, position=len(items) + 1)
        Finding.objects.bulk_create(items.values())
        measures = Measure.objects.bulk_create([self._measure(r, items[r.item], i) for i, r in enumerate(self.rows)])
        Through = Measure.owners.through
        Through.objects.bulk_create(
            [
                Through(measure_id=m.pk, person_id=self.people[name].pk)
                for m, r in zip(measures, self.rows, strict=True)
                for name in r.owners
                if name in self.people
            ]
        )
        ProgressEntry.objects.bulk_create(
            [
                ProgressEntry(measure=m, kind="system", text=f"由整改台账导入（第 {r.row} 行）。")
                for m, r in zip(measures, self.rows, strict=True)
            ]
        )
        return len(measures)

    def _measure(self, r: LedgerRow, finding: Finding, i: int) -> Measure:
        return Measure(
            finding=finding,
            position=i + 1,
            title=r.measure,
            progress=r.progress,
            kind=r.kind,
            status=r.status,
            due_on=r.due_on,
            original_due_on=r.due_on,
            leader=self.people.get(r.leader),
            unit=r.unit,
            last_progress_at=timezone.now() if r.progress else None,
        )


def run(ctx) -> list[Figure]:
    spec = ctx.scale.main
    data.ensure(spec)
    org = Organisation.objects.get(slug=community_slug(spec, 1))
    workbook = build_workbook(org, ctx.scale.ledger_rows)
    limit = BulkInsert(org, workbook)
    before = Measure.objects.count()

    def do_import() -> int:
        plan = ledger_import(data=workbook, organisation=org)
        return len(plan.new_measures)

    import_ms, bulk_ms = [], []
    for i in range(ctx.runs + 1):  # the first pair warms up
        ms, created = rolled_back_ms(do_import)
        ms_limit, inserted = rolled_back_ms(limit)
        if created != ctx.scale.ledger_rows or inserted != created:
            raise AssertionError(f"imported {created}, bulk-inserted {inserted}, expected {ctx.scale.ledger_rows}")
        if i:
            import_ms.append(ms)
            bulk_ms.append(ms_limit)
    assert Measure.objects.count() == before  # everything was rolled back
    hostile = hostile_ledger(rows=75_000 if not ctx.quick else 8_000)
    refused = [p.message for p in read_ledger(hostile).problems]
    assert len(refused) == 1 and "超过" in refused[0], refused
    times = interleaved({"hostile": lambda: read_ledger(hostile), "accepted": lambda: read_ledger(workbook)}, ctx.runs)
    return [
        Figure(
            "ledger.hostile-refused",
            times["hostile"],
            "ms",
            "ledger.read-accepted",
            times["accepted"],
            note=f"read_ledger of the hostile workbook ({len(hostile) // 1024} KiB, 20 numeric cells a row, "
            f"{'75,000' if not ctx.quick else '8,000'} rows), refused while streamed; limit: reading the "
            f"accepted {ctx.scale.ledger_rows}-row ledger above",
        ),
        Figure(
            "ledger.hostile-refused.cpu",
            cpu_ms(lambda: read_ledger(hostile), ctx.runs),
            "ms",
            targets=[Target("median", "<", 2000)],
            note="the same refusal's CPU time: the issue's 2 s, whatever the neighbours do to the wall clock",
        ),
        Figure(
            "ledger.import",
            import_ms,
            "ms",
            "ledger.bulk-create",
            bulk_ms,
            targets=[Target("ratio", "<=", 5)],
            note=f"{ctx.scale.ledger_rows} rows, {len(workbook) // 1024} KiB xlsx: read, validate, match, write "
            "(with change history); limit: the same rows from parsed cells, no history",
        ),
    ]
