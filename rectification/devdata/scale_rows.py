"""The rows of one scale-data community: people, inspections, items, measures and what
hangs off each measure (owners, extensions, evidence, sign-offs, progress entries).
Every random draw comes from the community's own seeded stream; see ``devdata/scale.py``."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model

from ..models import (
    Bulletin,
    Category,
    DeadlineExtension,
    Evidence,
    Finding,
    Inspection,
    Measure,
    MeasureKind,
    MeasureStatus,
    Membership,
    MoneyKind,
    MoneyRecord,
    Organisation,
    Person,
    ProgressEntry,
    RuleKind,
    RuleRecord,
    SignOff,
    TreatmentKind,
    TreatmentRecord,
)
from ..services.headings import heading_for_title, headings_for
from . import vocabulary as vocab
from .scale_spec import ScaleReport, ScaleSpec, username

BATCH_SIZE = 2000
Status = MeasureStatus
Kind = MeasureKind
Role = Membership.Role


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    # Office hours, so timelines look like work days.
    time = dt.time(rng.randint(8, 18), rng.randint(0, 59))
    return dt.datetime.combine(day, time, tzinfo=ZoneInfo(settings.TIME_ZONE))


class CommunityBuilder:
    """Builds and inserts one community's rows; every random draw comes from ``rng``."""

    def __init__(self, spec: ScaleSpec, index: int, org: Organisation, password: str, report: ScaleReport):
        self.spec, self.index, self.org, self.report = spec, index, org, report
        self.rng = random.Random(f"{spec.seed}:{index}")
        self.password = password
        self.ref = spec.reference_date

    def _insert(self, model, objs: list) -> list:
        made = model.objects.bulk_create(objs, batch_size=BATCH_SIZE)
        self.report.add(model.__name__, len(made))
        return made

    def build(self) -> None:
        self._people()
        for k in range(self.spec.inspections_per_org):
            self._inspection(k)

    # -- people
    def _people(self) -> None:
        rng = self.rng
        User = get_user_model()
        names = vocab.person_names(rng, len(vocab.ROSTER))
        users, roster = [], []
        for (key, role, title), name in zip(vocab.ROSTER, names, strict=True):
            user = None
            if role is not None:
                uname = username(self.spec, self.index, key)
                user = User(username=uname, first_name=name, password=self.password)
                users.append(user)
            roster.append((key, role, title, name, user))
        self._insert(User, users)
        self._insert(
            Membership,
            [Membership(user=u, organisation=self.org, role=role) for _k, role, _t, _n, u in roster if u],
        )
        people = self._insert(
            Person, [Person(organisation=self.org, name=n, title=t, user=u) for _k, _r, t, n, u in roster]
        )
        by_role: dict[str | None, list[Person]] = {}
        for (_k, role, _t, _n, _u), person in zip(roster, people, strict=True):
            by_role.setdefault(role, []).append(person)
        self.secretary = by_role[Role.SECRETARY][0]
        self.leaders = by_role[Role.SECRETARY] + by_role[Role.MEMBER]
        self.workers = by_role[Role.STAFF] + by_role[Role.GRID] + by_role[None]
        self.authors = [p.user for p in self.workers if p.user_id]

    # -- structure
    def _inspection(self, k: int) -> None:
        rng, spec = self.rng, self.spec
        years_back = spec.inspections_per_org - 1 - k
        feedback = self.ref - dt.timedelta(days=rng.randint(45, 200) + 365 * years_back)
        onsite_end = feedback - dt.timedelta(days=rng.randint(20, 40))
        inspection = Inspection(
            organisation=self.org,
            team=f"区委第{vocab.CN_NUMBERS[rng.randint(1, 8)]}巡察组",
            onsite_start=onsite_end - dt.timedelta(days=rng.randint(60, 95)),
            onsite_end=onsite_end,
            feedback_on=feedback,
            deadline=feedback + dt.timedelta(days=rng.choice((180, 270, 365))),
            round_no=k + 1,  # the district's rounds, oldest first
        )
        self._insert(Inspection, [inspection])
        self._insert(Bulletin, [Bulletin(inspection=inspection)])
        n_cat = min(spec.items_per_inspection, rng.randint(3, 5))
        titles = rng.sample(vocab.CATEGORY_TITLES, n_cat)
        headings = headings_for(organisation=self.org)  # the 四个聚焦, made once on the district
        categories = self._insert(
            Category,
            [
                Category(inspection=inspection, title=t, position=p, heading=heading_for_title(headings, t))
                for p, t in enumerate(titles, 1)
            ],
        )
        findings = []
        for j in range(spec.items_per_inspection):
            heading, problem = vocab.item_texts(rng)
            findings.append(
                Finding(
                    category=categories[j % n_cat],
                    position=j // n_cat + 1,
                    heading=heading,
                    problem=problem,
                    lead_in=vocab.lead_in(rng) if rng.random() < 0.3 else "",
                )
            )
        self._measures(self._insert(Finding, findings), feedback)

    def _measures(self, findings: list[Finding], feedback: dt.date) -> None:
        plans = [
            (f, p, _MeasurePlan(self, feedback)) for f in findings for p in range(1, self.spec.measures_per_item + 1)
        ]
        measures = self._insert(Measure, [plan.measure(f, p) for f, p, plan in plans])
        for measure, (_f, _p, plan) in zip(measures, plans, strict=True):
            plan.saved = measure
        Through = Measure.owners.through
        self._insert(
            Through, [Through(measure_id=pl.saved.pk, person_id=o.pk) for _f, _p, pl in plans for o in pl.owners]
        )
        self._insert(DeadlineExtension, [x for _f, _p, pl in plans for x in pl.extensions()])
        outcomes = [row for _f, _p, pl in plans for row in pl.outcomes()]
        for model in (RuleRecord, TreatmentRecord, MoneyRecord):
            self._insert(model, [row for row in outcomes if type(row) is model])
        evidence = self._insert(Evidence, [e for _f, _p, pl in plans for e in pl.evidence()])
        by_measure: dict[int, list[Evidence]] = {}
        for e in evidence:
            by_measure.setdefault(e.measure_id, []).append(e)
        self._insert(SignOff, [s for _f, _p, pl in plans for s in pl.sign_offs(by_measure.get(pl.saved.pk, []))])
        self._insert(ProgressEntry, [e for _f, _p, pl in plans for e in pl.entries()])


class _MeasurePlan:
    """One measure's drawn values, and the rows that hang off it once it has a key."""

    def __init__(self, community: CommunityBuilder, feedback: dt.date) -> None:
        self.c = community
        rng, ref = community.rng, community.ref
        self.feedback = feedback
        self.kind = rng.choices((Kind.TIME_BOUND, Kind.IMMEDIATE, Kind.ONGOING), weights=(70, 18, 12))[0]
        self.due = None
        if self.kind == Kind.IMMEDIATE:
            self.due = feedback + dt.timedelta(days=rng.randint(15, 60))
        elif self.kind == Kind.TIME_BOUND:
            self.due = feedback + dt.timedelta(days=rng.randint(60, 400))
        self.status = self._status(rng, ref)
        self.extended_from = None
        if self.kind == Kind.TIME_BOUND and rng.random() < 0.05:
            self.extended_from = self.due - dt.timedelta(days=rng.randint(30, 90))
        self.leader = rng.choice(community.leaders)
        self.owners = rng.sample(community.workers, rng.choice((1, 1, 2)))
        self.started = _at(feedback + dt.timedelta(days=rng.randint(1, 20)), rng)
        self.completed = self.signed_off = self.submitted = None
        first_day = self.started.date() + dt.timedelta(days=1)
        if self.status == Status.DONE:
            drawn = self.due + dt.timedelta(days=rng.randint(-40, 15))
            self.completed = min(ref, max(first_day + dt.timedelta(days=1), drawn))
        if self.status in (Status.AWAITING_SIGN_OFF, Status.DONE):
            last = self.completed or ref
            self.submitted = _at(max(first_day, last - dt.timedelta(days=rng.randint(1, 20))), rng)
        if self.completed:
            # Signed off after it was submitted, also when both fall on one day.
            self.signed_off = max(_at(self.completed, rng), self.submitted + dt.timedelta(hours=1))
        self.notes = [] if self.status == Status.NOT_STARTED else self._notes(rng, ref)

    @staticmethod
    def _status_weights(kind: str, due: dt.date | None, ref: dt.date) -> tuple[int, int, int, int]:
        # (not started, in progress, awaiting sign-off, done): older deadlines are mostly done.
        if kind == Kind.ONGOING:
            return (10, 90, 0, 0)
        if due < ref:
            return (5, 17, 8, 70)
        if due < ref + dt.timedelta(days=60):
            return (10, 50, 15, 25)
        return (30, 60, 5, 5)

    def _status(self, rng: random.Random, ref: dt.date) -> str:
        weights = self._status_weights(self.kind, self.due, ref)
        return rng.choices(Status.values, weights=weights)[0]

    def _notes(self, rng: random.Random, ref: dt.date) -> list[tuple[dt.datetime, str]]:
        end = self.submitted.date() if self.submitted else ref
        span = max(1, (end - self.started.date()).days)
        days = sorted(rng.randint(0, span) for _ in range(rng.choice((0, 1, 1, 2))))
        return [(_at(self.started.date() + dt.timedelta(days=d), rng), vocab.note(rng)) for d in days]

    def measure(self, finding: Finding, position: int) -> Measure:
        rng, ref = self.c.rng, self.c.ref
        overdue = self.due is not None and self.due < ref and self.status != Status.DONE
        times = [self.started, *(t for t, _ in self.notes), self.submitted, self.signed_off]
        done = self.status == Status.DONE
        title = vocab.measure_title(rng)
        progress = "" if self.status == Status.NOT_STARTED else vocab.progress(rng)
        unit = rng.choice(vocab.UNITS)
        # The outcome registers' rows (rules, people dealt with, money), drawn now, inserted
        # once the measure has a key (``outcomes``).
        self.rules = [
            rng.choice(RuleKind.values[:2]) for _ in range(rng.randint(1, 2) if done and rng.random() < 0.3 else 0)
        ]
        self.money = (
            (rng.choice(MoneyKind.values[:3]), Decimal(rng.randint(1, 50000)) / 100)
            if done and rng.random() < 0.03
            else None
        )
        self.treatment = (
            (rng.choice(TreatmentKind.values[:6]), rng.randint(1, 3)) if done and rng.random() < 0.02 else None
        )
        return Measure(
            finding=finding,
            position=position,
            title=title,
            progress=progress,
            kind=self.kind,
            status=self.status,
            due_on=self.due,
            original_due_on=self.extended_from or self.due,
            leader=self.leader,
            unit=unit,
            submitted_at=self.submitted,
            completed_on=self.completed,
            signed_off_at=self.signed_off,
            signed_off_by=self.c.secretary.user if done else None,
            # As if yesterday's sweep ran: measures due yesterday are the only ones left to mark.
            overdue_since=self.due + dt.timedelta(days=1)
            if overdue and self.due < ref - dt.timedelta(days=1)
            else None,
            last_progress_at=None if self.status == Status.NOT_STARTED else max(t for t in times if t),
            recheck_on=self.completed + dt.timedelta(days=180) if done and rng.random() < 0.2 else None,
        )

    def outcomes(self) -> list[RuleRecord | TreatmentRecord | MoneyRecord]:
        m, day = self.saved, self.completed
        rows: list = [RuleRecord(measure=m, title=vocab.RULE_TITLE, kind=k, issued_on=day) for k in self.rules]
        if self.treatment:
            rows.append(TreatmentRecord(measure=m, kind=self.treatment[0], count=self.treatment[1], dealt_on=day))
        if self.money:
            rows.append(MoneyRecord(measure=m, kind=self.money[0], amount=self.money[1], recorded_on=day))
        return rows

    def extensions(self) -> list[DeadlineExtension]:
        if not self.extended_from:
            return []
        secretary = self.c.secretary.user
        return [
            DeadlineExtension(
                measure=self.saved,
                old_due_on=self.extended_from,
                new_due_on=self.due,
                reason="工作量较大，需协调相关部门配合，申请延期。",
                state=DeadlineExtension.State.APPROVED,
                requested_by=secretary,
                requested_at=_at(self.extended_from - dt.timedelta(days=10), self.c.rng),
                decided_by=secretary,
                decided_at=_at(self.extended_from - dt.timedelta(days=7), self.c.rng),
                decision_note="同意延期。",
            )
        ]

    def evidence(self) -> list[Evidence]:
        rng = self.c.rng
        if self.status == Status.NOT_STARTED:
            return []
        count = rng.choice((0, 0, 1)) if self.status == Status.IN_PROGRESS else rng.choice((1, 1, 2))
        rows = []
        for _ in range(count):
            name, content_type = rng.choice(vocab.EVIDENCE_FILES)
            size = int(rng.lognormvariate(12.5, 1.2))  # median ~270 kB, a few MB at the tail
            rows.append(
                Evidence(
                    measure=self.saved,
                    file=self.c.placeholder,
                    original_name=name,
                    content_type=content_type,
                    size=max(2048, min(size, 20 * 1024 * 1024)),
                    # Random but seeded: stands for the digest of a file we do not store.
                    sha256=f"{rng.getrandbits(256):064x}",
                    uploaded_by=rng.choice(self.c.authors),
                    uploaded_at=self.submitted or self.started,
                )
            )
        return rows

    def sign_offs(self, evidence: list[Evidence]) -> list[SignOff]:
        if self.status != Status.DONE:
            return []
        snapshot = [{"id": e.pk, "name": e.original_name, "sha256": e.sha256, "size": e.size} for e in evidence]
        m = self.saved
        return [
            SignOff(
                measure=m,
                decision=SignOff.Decision.APPROVED,
                progress_snapshot=m.progress,
                evidence_snapshot=snapshot,
                decided_by=m.signed_off_by,
                decided_at=m.signed_off_at,
            )
        ]

    def entries(self) -> list[ProgressEntry]:
        if self.status == Status.NOT_STARTED:
            return []
        m, author = self.saved, self.owners[0].user or self.c.secretary.user
        secretary = self.c.secretary.user
        rows = [
            _entry(
                m, ProgressEntry.Kind.STATUS, author, "开始推进。", Status.NOT_STARTED, Status.IN_PROGRESS, self.started
            )
        ]
        rows += [_entry(m, ProgressEntry.Kind.NOTE, author, text, "", "", at) for at, text in self.notes]
        if self.submitted:
            rows.append(
                _entry(
                    m,
                    ProgressEntry.Kind.STATUS,
                    author,
                    "提请销号。",
                    Status.IN_PROGRESS,
                    Status.AWAITING_SIGN_OFF,
                    self.submitted,
                )
            )
        if self.signed_off:
            rows.append(
                _entry(
                    m,
                    ProgressEntry.Kind.SIGN_OFF,
                    secretary,
                    "同意销号。",
                    Status.AWAITING_SIGN_OFF,
                    Status.DONE,
                    self.signed_off,
                )
            )
        return rows


def _entry(measure, kind, author, text, old, new, at) -> ProgressEntry:
    return ProgressEntry(
        measure=measure, kind=kind, author=author, text=text, old_status=old, new_status=new, created_at=at
    )
