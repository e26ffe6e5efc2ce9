"""Loads the Fuhua demo data (fixtures/fuhua_2025.json).

Create-only and keyed by natural keys (never by a date): a second run finds everything in
place and changes nothing, including what users edited since the first run.

The fixture's dates are those of REFERENCE_DAY. ``demo_load(today=…)`` moves every date
by the same number of days, so that the demo is seen as it stood on REFERENCE_DAY — a
working day with a few measures late, a few due soon, most signed off — whatever day it
is loaded (``make run``: today); the texts stay as the Fuhua committee wrote them. Without
``today`` the dates are the fixture's own (the tests compare them with the seed bulletin).
``demo_working_day`` then does what the days since would have done: the daily sweep
(flags, reminders, the escalation ladder) and one published bulletin version.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from .. import permissions
from ..models import (
    Bulletin,
    BulletinVersion,
    Category,
    DeadlineExtension,
    Finding,
    Inspection,
    Measure,
    Membership,
    Organisation,
    Person,
    ProgressEntry,
    ReportingRules,
    Review,
    RuleRecord,
    SignOff,
    SubmittedVersion,
    UpwardDocument,
)
from ..services import workdays
from ..services.bulletins import bulletin_publish
from ..services.document_deadlines import documents_schedule
from ..services.organisations import organisation_create
from ..services.sweep import sweep_run
from ..services.upward import upward_document_open, upward_review, upward_submit, upward_update

DEMO_PASSWORD = "Fuhua@2025"
# The district's rule for the documents handed upward (the common one: the plan within 30
# days of the feedback, the report two months after it), so the dashboard names whose it is.
DEMO_REPORTING_RULES = {"futian": {"plan_due_days": 30, "report_due_months": [2]}}
DEFAULT_PATH = Path(settings.BASE_DIR) / "fixtures" / "fuhua_2025.json"
# The day the fixture's dates describe, a Monday: six measures late (two of them waiting for
# sign-off, one only since Friday), one due within the week, fifteen of twenty-nine signed off.
REFERENCE_DAY = dt.date(2025, 12, 8)
DEMO_TEAM = "区委第四巡察组"
# How long ago the demo's ongoing measures last reported progress when loaded relative to
# a day: recently, all but the first, which stays quiet long enough to be marked stale.
RECENT_PROGRESS_DAYS = 9


@dataclass(frozen=True)
class Clock:
    """Moves the fixture's dates by ``offset`` (zero: the fixture's own dates)."""

    offset: dt.timedelta = dt.timedelta(0)
    today: dt.date | None = None  # set when loading relative to a day

    def date(self, value: str | None) -> dt.date | None:
        return dt.date.fromisoformat(value) + self.offset if value else None


FIXTURE_DATES = Clock()


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)

    def add(self, what: str, created: bool) -> None:
        if created:
            self.created[what] = self.created.get(what, 0) + 1

    def __str__(self) -> str:
        if not self.created:
            return "demo data already present, nothing changed"
        return "created " + ", ".join(f"{n} {what}" for what, n in self.created.items())


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10, 0), tzinfo=ZoneInfo(settings.TIME_ZONE))


def _user(report: LoadReport, username: str, name: str, **extra):
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"first_name": name, **extra})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    report.add("users", created)
    return user


def _organisations(report: LoadReport, rows: list[dict]) -> dict[str, Organisation]:
    orgs: dict[str, Organisation] = {}
    for row in rows:
        org = Organisation.objects.filter(slug=row["slug"]).first()
        if org is None:
            org = organisation_create(
                name=row["name"],
                short_name=row["short_name"],
                slug=row["slug"],
                level=row["level"],
                parent=orgs.get(row["parent"]),
            )
            report.add("organisations", True)
        orgs[row["slug"]] = org
    return orgs


def _people(report: LoadReport, org: Organisation, rows: list[dict]) -> tuple[dict[str, Person], object]:
    people: dict[str, Person] = {}
    secretary = None
    for row in rows:
        user = None
        if row["username"]:
            user = _user(report, row["username"], row["name"])
            _, created = Membership.objects.get_or_create(user=user, organisation=org, defaults={"role": row["role"]})
            report.add("memberships", created)
            if row["role"] == Membership.Role.SECRETARY:
                secretary = user
        person, created = Person.objects.get_or_create(
            organisation=org, name=row["name"], defaults={"title": row["title"], "user": user}
        )
        report.add("people", created)
        people[row["name"]] = person
    return people, secretary


def _last_progress(clock: Clock, finding: Finding, row: dict, completed: dt.date | None) -> dt.date:
    """When the measure last reported progress: at its sign-off, else a month after the
    feedback; loaded relative to a day, ongoing measures report recently but the first."""
    if clock.today and not completed and row["kind"] == Measure.Kind.ONGOING:
        inspection = finding.category.inspection
        if Measure.objects.filter(finding__category__inspection=inspection, kind=Measure.Kind.ONGOING).exists():
            return clock.today - dt.timedelta(days=RECENT_PROGRESS_DAYS)
    return completed or finding.category.inspection.feedback_on + dt.timedelta(days=30)


def _measure(report: LoadReport, clock: Clock, finding: Finding, position: int, row: dict, people, secretary) -> None:
    if Measure.objects.filter(finding=finding, position=position).exists():
        return
    due = clock.date(row["due_on"])
    completed = clock.date(row.get("completed_on"))
    status = row["status"]
    measure = Measure.objects.create(
        finding=finding,
        position=position,
        title=row["title"],
        progress=row["progress"],
        kind=row["kind"],
        status=status,
        due_on=due,
        original_due_on=clock.date(row.get("original_due_on")) or due,
        leader=people[row["leader"]],
        unit=row["unit"],
        completed_on=completed,
        signed_off_at=_at(completed) if completed else None,
        signed_off_by=secretary if completed else None,
        submitted_at=_at(due - dt.timedelta(days=3)) if status == Measure.Status.AWAITING_SIGN_OFF else None,
        last_progress_at=_at(_last_progress(clock, finding, row, completed)),
    )
    measure.owners.set([people[name] for name in row["owners"]])
    report.add("measures", True)
    for rule in row.get("rules", []):
        RuleRecord.objects.create(measure=measure, title=rule["title"], kind=rule["kind"], issued_on=completed)
    if completed:
        SignOff.objects.create(
            measure=measure,
            decision=SignOff.Decision.APPROVED,
            progress_snapshot=measure.progress,
            decided_by=secretary,
            decided_at=_at(completed),
        )
        ProgressEntry.objects.create(
            measure=measure,
            kind=ProgressEntry.Kind.SIGN_OFF,
            author=secretary,
            text="同意销号。",
            old_status=Measure.Status.AWAITING_SIGN_OFF,
            new_status=Measure.Status.DONE,
            created_at=_at(completed),
        )
    if row.get("extension_reason"):
        DeadlineExtension.objects.create(
            measure=measure,
            old_due_on=measure.original_due_on,
            new_due_on=due,
            reason=row["extension_reason"],
            state=DeadlineExtension.State.APPROVED,
            requested_by=secretary,
            decided_by=secretary,
            decided_at=_at(measure.original_due_on - dt.timedelta(days=10)),
            decision_note="同意延期。",
        )


def _inspection(report: LoadReport, clock: Clock, org: Organisation, data: dict, people, secretary) -> Inspection:
    spec = data["inspection"]
    # Keyed by team, not by date: loaded again on another day, it is the same inspection.
    inspection, created = Inspection.objects.get_or_create(
        organisation=org,
        team=spec["team"],
        defaults={
            "feedback_on": clock.date(spec["feedback_on"]),
            "deployed_by": spec["deployed_by"],
            "onsite_start": clock.date(spec["onsite_start"]),
            "onsite_end": clock.date(spec["onsite_end"]),
            "deadline": clock.date(spec["deadline"]),
        },
    )
    report.add("inspections", created)
    for c_pos, c_row in enumerate(data["categories"], start=1):
        category, created = Category.objects.get_or_create(
            inspection=inspection, title=c_row["title"], defaults={"position": c_pos}
        )
        report.add("categories", created)
        for f_pos, f_row in enumerate(c_row["findings"], start=1):
            finding, created = Finding.objects.get_or_create(
                category=category,
                heading=f_row["heading"],
                defaults={"position": f_pos, "problem": f_row["problem"], "lead_in": f_row["lead_in"]},
            )
            report.add("findings", created)
            for m_pos, m_row in enumerate(f_row["measures"], start=1):
                _measure(report, clock, finding, m_pos, m_row, people, secretary)
    _, created = Bulletin.objects.get_or_create(
        inspection=inspection,
        defaults={
            "section1_text": data["bulletin"]["section1_text"],
            "section3_text": data["bulletin"]["section3_text"],
            # Relative to a day, the bulletin is issued that day (demo_working_day publishes it).
            "issued_on": clock.today or clock.date(data["bulletin"]["issued_on"]),
        },
    )
    report.add("bulletins", created)
    return inspection


@transaction.atomic
def demo_load(*, path: Path = DEFAULT_PATH, with_users: bool = True, today: dt.date | None = None) -> LoadReport:
    """Create whatever of the demo data is missing; return what was created. With
    ``today``, the dates are moved so that the demo stands on ``today`` as it stood on
    REFERENCE_DAY (see the module docstring)."""
    clock = Clock(today - REFERENCE_DAY, today) if today else FIXTURE_DATES
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    report = LoadReport()
    orgs = _organisations(report, data["organisations"])
    org = orgs[data["inspection"]["organisation"]]
    people, secretary = _people(report, org, data["people"])
    for row in data["supervisors"]:
        user = _user(report, row["username"], row["name"])
        _, created = Membership.objects.get_or_create(
            user=user, organisation=orgs[row["organisation"]], defaults={"role": Membership.Role.SUPERVISOR}
        )
        report.add("memberships", created)
    if with_users:
        _user(report, "admin", "系统管理员", is_staff=True, is_superuser=True)
    for slug, rules in DEMO_REPORTING_RULES.items():
        _, created = ReportingRules.objects.get_or_create(organisation=orgs[slug], defaults=rules)
        report.add("reporting rules", created)
    inspection = _inspection(report, clock, org, data, people, secretary)
    scheduled = documents_schedule(inspection_ids=[inspection.pk])  # 整改方案 and 整改情况报告, with due dates
    if scheduled.created:
        report.created["documents"] = scheduled.created
    return report


# The sections the secretary wrote, as the Fuhua committee would have written them.
DEMO_PLAN_CONTENT = {
    "general_requirements": (
        "坚持以习近平新时代中国特色社会主义思想为指导，把巡察整改作为重要政治任务，"
        "对照反馈问题逐项制定整改措施，做到问题不查清不放过、整改不到位不放过、群众不满意不放过。"
    ),
    "safeguards": (
        "加强组织领导：社区党委书记履行第一责任人职责，班子成员按分工抓好分管领域的整改。\n"
        "强化督促检查：整改工作领导小组每月召开调度会，逐项对账销号。\n"
        "严肃追责问责：对整改不力、敷衍整改的，按规定追究责任。"
    ),
}
DEMO_REPORT_CONTENT = {
    "work_done": (
        "社区党委召开专题会议研究部署整改工作，成立整改工作领导小组，建立问题、任务、责任三个清单，"
        "逐项明确责任领导、责任人和完成时限，每月召开调度会推进整改。"
    ),
    "next_steps": (
        "对尚未完成的整改任务，继续按时限推进，完成一项、销号一项；对已完成的整改任务开展回头看，"
        "防止问题反弹回潮；把整改中形成的好做法固化为长效机制。"
    ),
}


def demo_documents(*, today: dt.date) -> list[str]:
    """The documents handed upward as they went: the plan, approved by the street; the first
    report submitted and waiting for the street's review (so that a supervisor's queue
    shows something). Written through the services, then dated when it would have happened.
    Run by ``load_demo`` after ``demo_working_day``; the guide's pictures leave it out, to
    show the plan being written and submitted."""
    inspection = Inspection.objects.select_related("organisation").get(organisation__slug="fuhua", team=DEMO_TEAM)
    if SubmittedVersion.objects.filter(document__inspection=inspection).exists():
        return []
    secretary = permissions.secretary_memberships([inspection.organisation_id]).select_related("user").first().user
    reviewer = get_user_model().objects.get(username="jiedao")
    documents_schedule(inspection_ids=[inspection.pk])
    done = []
    for kind, content in (
        (UpwardDocument.Kind.PLAN, DEMO_PLAN_CONTENT),
        (UpwardDocument.Kind.REPORT, DEMO_REPORT_CONTENT),
    ):
        document = upward_document_open(inspection=inspection, kind=kind, user=secretary)
        document = upward_update(document=document, user=secretary, content=content, expected_version=document.version)
        signed_on = min(today, (document.due_on or today) - dt.timedelta(days=3))
        version = upward_submit(
            document=document,
            user=secretary,
            attestation_confirmed=True,
            expected_version=document.version,
            today=signed_on,
        )
        SubmittedVersion.objects.filter(pk=version.pk).update(signed_at=_noon(signed_on))
        done.append(f"{document.label} submitted")
        if kind == UpwardDocument.Kind.PLAN:
            review = upward_review(submitted_version=version, user=reviewer, decision=Review.Decision.APPROVED)
            Review.objects.filter(pk=review.pk).update(decided_at=_noon(signed_on + dt.timedelta(days=2)))
            done.append(f"{document.label} approved by {reviewer.username}")
    return done


def _noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=ZoneInfo(settings.TIME_ZONE))


def demo_working_day(*, today: dt.date) -> list[str]:
    """What the days up to ``today`` would have done to a freshly loaded demo: the daily
    sweep of the latest working day (flags, reminders, the escalation ladder; on a weekend
    or holiday none would go out) and the bulletin published once. Run by ``load_demo``
    right after it created the demo, so a second load changes nothing."""
    sweep_day = today
    while not workdays.is_workday(sweep_day):
        sweep_day -= dt.timedelta(days=1)
    done = [str(sweep_run(today=sweep_day))]
    inspection = Inspection.objects.select_related("organisation").get(organisation__slug="fuhua", team=DEMO_TEAM)
    if not BulletinVersion.objects.filter(bulletin__inspection=inspection).exists():
        secretary = permissions.secretary_memberships([inspection.organisation_id]).select_related("user").first()
        version = bulletin_publish(inspection=inspection, user=secretary.user, today=today)
        done.append(f"bulletin version {version.number} published")
    return done
