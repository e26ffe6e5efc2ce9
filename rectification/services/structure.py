"""Structure editing: inspections, categories, findings (with sub-problems), measures,
their order and the people who answer for measures (bulk changes from the measure list
are in ``bulk``).

Order: every level keeps compact positions 1..n inside its unique scope (categories per
inspection, findings per category, measures per finding). Findings are numbered in
document order: each top-level finding is followed by its sub-problems, so the flat
position order is also the bulletin's reading order.

Every row goes through ``save()`` / ``delete()`` so django-simple-history records it,
with the acting user attached.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Literal

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from ..dates import implausible_date_message
from ..models import (
    Category,
    Finding,
    Inspection,
    InspectionKind,
    Measure,
    Organisation,
    Person,
    PlanChange,
    ProgressEntry,
)
from .document_deadlines import documents_schedule
from .headings import heading_for_title, headings_for
from .measures import measure_update
from .plan_change_requests import fixed_plan, iso, plan_change_request

Direction = Literal["up", "down"]
INSPECTION_FIELDS = ("deployed_by", "team", "onsite_start", "onsite_end", "feedback_on", "deadline", "kind", "round_no")


# --- helpers ---------------------------------------------------------------------------


def _save(row: models.Model, user, fields: Iterable[str] | None = None) -> None:
    # Outside a request (shell, tasks, tests) the history middleware knows no user.
    row._history_user = user
    row.save(update_fields=list(fields) if fields is not None else None)


def _delete(row: models.Model, user) -> None:
    row._history_user = user
    row.delete()


def _renumber(model: type[models.Model], ordered: Sequence[models.Model | None], user) -> int | None:
    """Give ``ordered`` (all rows of one unique scope) positions 1..n in that order.

    A ``None`` in the sequence reserves a slot for a row about to be created; its
    position is returned. Rows that move are first lifted above every position in use
    with one UPDATE, so the unique (scope, position) constraint holds at every step;
    only their final positions are saved through the model, so history shows the
    real change and rows that stay put get no history entry.
    """
    slot = None
    moved: list[tuple[models.Model, int]] = []
    for position, row in enumerate(ordered, 1):
        if row is None:
            slot = position
        elif row.position != position:
            moved.append((row, position))
    if moved:
        offset = max((row.position for row in ordered if row is not None), default=0) + len(ordered) + 1
        model.objects.filter(pk__in=[row.pk for row, _ in moved]).update(position=F("position") + offset)
        for row, position in moved:
            row.position = position
            _save(row, user, ["position"])
    return slot


def _swap(rows: list, row, direction: Direction) -> list:
    """``rows`` with ``row`` exchanged with its neighbour; refuses a move past either end."""
    index = next(i for i, r in enumerate(rows) if r.pk == row.pk)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(rows):
        raise ValidationError(_("已经排在最前面，无法上移。") if direction == "up" else _("已经排在最后面，无法下移。"))
    rows = list(rows)
    rows[index], rows[other] = rows[other], rows[index]
    return rows


def _refuse_if_proven(measures: QuerySet[Measure], what: str) -> None:
    """Evidence and sign-offs are the record of work done: never delete them in passing."""
    proven = list(
        measures.filter(Q(evidence__isnull=False) | Q(sign_offs__isnull=False))
        .distinct()
        .order_by("pk")
        .values_list("title", flat=True)[:6]
    )
    if proven:
        titles = _("；").join(f"「{t[:30]}」" for t in proven[:5]) + (_("等") if len(proven) > 5 else "")
        raise ValidationError(
            _("{what}下的整改措施已有佐证材料或销号记录，不能删除：{titles}。请先在措施页面处理后再删除。").format(
                what=what, titles=titles
            )
        )


def _refuse_if_fixed(inspection: Inspection, measures: QuerySet[Measure], what: str) -> None:
    """An approved plan fixes its measures: a category or an item holding some is not
    deleted wholesale; each measure's removal is asked for (方案调整) and decided above."""
    if measures.exists() and fixed_plan(inspection) is not None:
        raise ValidationError(
            _("整改方案已审核通过，{what}下的整改措施需逐条申请删除、报巡察办（街道）审批，批准后才能删除。").format(
                what=what
            )
        )


def _clean_text(value: str, label: str, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError(_("请填写{label}。").format(label=label))
    return value


# --- people ------------------------------------------------------------------------------


@transaction.atomic
def person_ensure(*, organisation: Organisation, name: str, user=None) -> Person:
    """The organisation's person of that name, created (without a login) if missing."""
    name = _clean_text(name, _("姓名"))
    if len(name) > Person._meta.get_field("name").max_length:
        raise ValidationError(_("姓名过长。"))
    person = Person.objects.filter(organisation=organisation, name=name).first()
    if person is None:
        person = Person(organisation=organisation, name=name)
        _save(person, user)
    return person


def _people_by_name(organisation: Organisation, names: str, user) -> list[Person]:
    """Persons for a list of names separated by 、，, ; or spaces (new ones created)."""
    for sep in "、，,;；\n":
        names = names.replace(sep, " ")
    return [person_ensure(organisation=organisation, name=n, user=user) for n in dict.fromkeys(names.split())]


def _check_people(organisation: Organisation, people: Iterable[Person | None]) -> None:
    # Same rule as the workflow's plan edits: the organisation's own people or its superiors'.
    for person in people:
        if person is not None and not organisation.path.startswith(person.organisation.path):
            raise ValidationError(_("“{name}”不属于本党组织。").format(name=person.name))


# --- inspections -------------------------------------------------------------------------


def _check_inspection_dates(values: dict) -> None:
    start, end, feedback, deadline = (values.get(k) for k in ("onsite_start", "onsite_end", "feedback_on", "deadline"))
    if not (start and end and feedback):
        raise ValidationError(_("请填写进驻开始、结束日期和反馈日期。"))
    for day in filter(None, (start, end, feedback, deadline)):
        if implausible := implausible_date_message(day):
            raise ValidationError(implausible)
    if end < start:
        raise ValidationError(_("进驻结束日期不能早于开始日期。"))
    if feedback < end:
        raise ValidationError(_("反馈日期不能早于进驻结束日期。"))
    if deadline and deadline < feedback:
        raise ValidationError(_("整改期限不能早于反馈日期。"))
    if values.get("kind", InspectionKind.REGULAR) not in InspectionKind.values:
        raise ValidationError(_("未知的巡察类型。"))


@transaction.atomic
def inspection_create(
    *,
    user,
    organisation: Organisation,
    team: str,
    onsite_start: dt.date,
    onsite_end: dt.date,
    feedback_on: dt.date,
    deployed_by: str = "区委",
    deadline: dt.date | None = None,
    kind: str = InspectionKind.REGULAR,
    round_no: int | None = None,
) -> Inspection:
    values = {
        "kind": kind or InspectionKind.REGULAR,
        "round_no": round_no,
        "team": _clean_text(team, _("巡察组")),
        "deployed_by": _clean_text(deployed_by, _("巡察部署单位")),
        "onsite_start": onsite_start,
        "onsite_end": onsite_end,
        "feedback_on": feedback_on,
        "deadline": deadline,
    }
    _check_inspection_dates(values)
    inspection = Inspection(organisation=organisation, **values)
    _save(inspection, user)
    documents_schedule(inspection_ids=[inspection.pk])  # the dashboard counts down from today
    return inspection


@transaction.atomic
def inspection_update(*, inspection: Inspection, user, **fields) -> Inspection:
    """Change the inspection's own facts; its organisation never changes."""
    unknown = set(fields) - set(INSPECTION_FIELDS)
    if unknown:
        raise ValidationError(_("不能修改这些字段：{fields}").format(fields="、".join(sorted(unknown))))
    values = {k: getattr(inspection, k) for k in INSPECTION_FIELDS} | fields
    values["team"] = _clean_text(values["team"], _("巡察组"))
    values["deployed_by"] = _clean_text(values["deployed_by"], _("巡察部署单位"))
    _check_inspection_dates(values)
    for key, value in values.items():
        setattr(inspection, key, value)
    _save(inspection, user)
    documents_schedule(inspection_ids=[inspection.pk])  # a new feedback date moves the due dates
    return inspection


# --- categories --------------------------------------------------------------------------


def _categories(inspection: Inspection) -> list[Category]:
    return list(Category.objects.select_for_update().filter(inspection=inspection).order_by("position", "pk"))


def _check_category_title(inspection: Inspection, title: str, exclude_pk: int | None = None) -> str:
    title = _clean_text(title, _("问题类别"))
    if Category.objects.filter(inspection=inspection, title=title).exclude(pk=exclude_pk).exists():
        raise ValidationError(_("本次巡察已有同名的问题类别。"))
    return title


@transaction.atomic
def category_create(*, inspection: Inspection, user, title: str) -> Category:
    """A new category at the end of the inspection's list."""
    Inspection.objects.select_for_update().filter(pk=inspection.pk).first()  # serialises concurrent appends
    title = _check_category_title(inspection, title)
    position = _renumber(Category, [*_categories(inspection), None], user)
    heading = heading_for_title(headings_for(organisation=inspection.organisation), title)  # 四个聚焦 …
    category = Category(inspection=inspection, title=title, position=position, heading=heading)
    _save(category, user)
    return category


@transaction.atomic
def category_update(*, category: Category, user, title: str) -> Category:
    category.title = _check_category_title(category.inspection, title, exclude_pk=category.pk)
    _save(category, user, ["title"])
    return category


@transaction.atomic
def category_move(*, category: Category, user, direction: Direction) -> None:
    _renumber(Category, _swap(_categories(category.inspection), category, direction), user)


@transaction.atomic
def category_delete(*, category: Category, user) -> None:
    """Deletes the category with its findings and measures, unless work is on record or
    an approved plan holds its measures."""
    measures, what = Measure.objects.filter(finding__category=category), _("问题类别「{title}」")
    what = what.format(title=category.title[:30])
    _refuse_if_proven(measures, what)
    _refuse_if_fixed(category.inspection, measures, what)
    inspection = category.inspection
    _delete(category, user)
    _renumber(Category, _categories(inspection), user)


# --- findings ----------------------------------------------------------------------------


def _document_order(findings: list[Finding]) -> list[Finding]:
    """Top-level findings in order, each followed by its sub-problems in order."""
    subs: dict[int, list[Finding]] = defaultdict(list)
    for f in findings:
        if f.parent_id is not None:
            subs[f.parent_id].append(f)
    ordered: list[Finding] = []
    for f in findings:
        if f.parent_id is None:
            ordered += [f, *subs.pop(f.pk, [])]
    # Sub-problems whose parent sits elsewhere (only possible through the admin) go last.
    return ordered + [f for rest in subs.values() for f in rest]


def _findings(category: Category) -> list[Finding]:
    return list(Finding.objects.select_for_update().filter(category=category).order_by("position", "pk"))


def _check_parent(category: Category, parent: Finding | None, finding: Finding | None = None) -> None:
    if parent is None:
        return
    if parent.category_id != category.pk:
        raise ValidationError(_("上级事项须属于同一问题类别。"))
    if parent.parent_id is not None:
        raise ValidationError(_("下级整改事项下不能再设下级事项。"))
    if finding is not None and (parent.pk == finding.pk or finding.subfindings.exists()):
        raise ValidationError(_("已有下级事项的整改事项不能再作为其他事项的下级事项。"))


def _fields_of_finding(heading: str, problem: str, lead_in: str) -> dict:
    heading = _clean_text(heading, _("整改事项"))
    if len(heading) > Finding._meta.get_field("heading").max_length:
        raise ValidationError(_("整改事项标题过长。"))
    return {"heading": heading, "problem": (problem or "").strip(), "lead_in": (lead_in or "").strip()}


def _after_group(ordered: list, parent: Finding) -> int:
    """The index just after ``parent`` and its sub-problems in document order."""
    return 1 + max(i for i, f in enumerate(ordered) if f is not None and parent.pk in (f.pk, f.parent_id))


@transaction.atomic
def finding_create(
    *, category: Category, user, heading: str, problem: str = "", lead_in: str = "", parent: Finding | None = None
) -> Finding:
    """A new finding at the end of the category, or at the end of ``parent``'s sub-problems."""
    Category.objects.select_for_update().filter(pk=category.pk).first()  # serialises concurrent appends
    _check_parent(category, parent, None)
    values = _fields_of_finding(heading, problem, lead_in)
    ordered: list[Finding | None] = _document_order(_findings(category))
    ordered.insert(len(ordered) if parent is None else _after_group(ordered, parent), None)
    position = _renumber(Finding, ordered, user)
    finding = Finding(category=category, parent=parent, position=position, **values)
    _save(finding, user)
    return finding


@transaction.atomic
def finding_update(
    *, finding: Finding, user, heading: str, problem: str = "", lead_in: str = "", parent: Finding | None = None
) -> Finding:
    """Edit the texts; a new ``parent`` moves the finding to the end of that parent's
    sub-problems (or to the end of the category when it becomes a top-level finding)."""
    _check_parent(finding.category, parent, finding)
    for key, value in _fields_of_finding(heading, problem, lead_in).items():
        setattr(finding, key, value)
    parent_changed = finding.parent_id != (parent.pk if parent else None)
    finding.parent = parent
    _save(finding, user, ["heading", "problem", "lead_in", "parent"])
    if parent_changed:
        ordered = _document_order([f for f in _findings(finding.category) if f.pk != finding.pk])
        ordered.insert(len(ordered) if parent is None else _after_group(ordered, parent), finding)
        _renumber(Finding, ordered, user)
    return finding


@transaction.atomic
def finding_move(*, finding: Finding, user, direction: Direction) -> None:
    """Swap with the previous/next sibling (same parent); sub-problems travel with their finding."""
    rows = _document_order(_findings(finding.category))
    siblings = [f for f in rows if f.parent_id == finding.parent_id]
    others = [f for f in rows if f.parent_id != finding.parent_id]
    # _document_order keeps the input order within each sibling group.
    _renumber(Finding, _document_order(_swap(siblings, finding, direction) + others), user)


@transaction.atomic
def finding_delete(*, finding: Finding, user) -> None:
    """Deletes the finding, its sub-problems and their measures, unless work is on record
    or an approved plan holds its measures."""
    measures = Measure.objects.filter(Q(finding=finding) | Q(finding__parent=finding))
    what = _("整改事项「{title}」").format(title=finding.heading[:30])
    _refuse_if_proven(measures, what)
    _refuse_if_fixed(finding.category.inspection, measures, what)
    category = finding.category
    for sub in finding.subfindings.all():
        _delete(sub, user)
    _delete(finding, user)
    _renumber(Finding, _document_order(_findings(category)), user)


# --- measures ----------------------------------------------------------------------------


def _measures(finding: Finding) -> list[Measure]:
    return list(Measure.objects.select_for_update().filter(finding=finding).order_by("position", "pk"))


def _check_kind_and_deadline(kind: str, due_on: dt.date | None) -> None:
    if kind not in Measure.Kind.values:
        raise ValidationError(_("请选择整改类型。"))
    if kind == Measure.Kind.ONGOING and due_on is not None:
        raise ValidationError(_("长期坚持的措施不设完成时限。"))
    if kind != Measure.Kind.ONGOING and due_on is None:
        raise ValidationError(_("立行立改和限期整改的措施须填写完成时限。"))
    if due_on is not None and (implausible := implausible_date_message(due_on)):
        raise ValidationError(implausible)


@transaction.atomic
def measure_create(
    *,
    finding: Finding,
    user,
    title: str,
    kind: str = Measure.Kind.TIME_BOUND,
    due_on: dt.date | None = None,
    leader: Person | None = None,
    owners: Sequence[Person] = (),
    new_owner_names: str = "",
    unit: str = "",
    note: str = "",
    change_reason: str = "",
    approved_change: PlanChange | None = None,
) -> Measure | PlanChange:
    """A new measure, not started, at the end of the finding's list; people named in
    ``new_owner_names`` are created as persons of the organisation when missing.

    Once the inspection's plan is approved, nothing is created: the measure is proposed
    as a 方案调整 (with ``change_reason``) and that pending PlanChange is returned; the
    approval creates it, passing ``approved_change``."""
    Finding.objects.select_for_update().filter(pk=finding.pk).first()
    inspection = finding.category.inspection
    organisation = inspection.organisation
    _check_kind_and_deadline(kind, due_on)
    title = _clean_text(title, _("整改措施"))
    _check_people(organisation, [leader, *owners])
    if approved_change is None and (plan := fixed_plan(inspection)) is not None:
        proposal = {"title": title, "kind": kind, "due_on": iso(due_on), "leader": leader.pk if leader else None}
        proposal |= {"owners": [p.pk for p in owners], "new_owner_names": new_owner_names.strip()}
        proposal |= {"unit": (unit or "").strip(), "note": (note or "").strip()}
        return plan_change_request(
            plan=plan, user=user, action=PlanChange.Action.ADD, finding=finding, proposal=proposal, reason=change_reason
        )
    owners = list(dict.fromkeys([*owners, *_people_by_name(organisation, new_owner_names, user)]))
    position = _renumber(Measure, [*_measures(finding), None], user)
    measure = Measure(
        finding=finding,
        position=position,
        title=title,
        kind=kind,
        due_on=due_on,
        original_due_on=due_on,
        leader=leader,
        unit=(unit or "").strip(),
        note=(note or "").strip(),
    )
    _save(measure, user)
    measure.owners.set(owners)
    ProgressEntry.objects.create(measure=measure, kind=ProgressEntry.Kind.SYSTEM, author=user, text="新建整改措施")
    return measure


@transaction.atomic
def measure_edit_plan(
    *,
    measure: Measure,
    user,
    expected_version: int | None,
    owners: Sequence[Person] = (),
    new_owner_names: str = "",
    **fields,
) -> Measure:
    """The structure editor's measure form: people typed in by name are created, then the
    workflow's ``measure_update`` applies the change (version, timeline, re-sign-off; on an
    approved plan a new deadline becomes a request, the returned measure's
    ``plan_change``)."""
    organisation = measure.finding.category.inspection.organisation
    owners = list(dict.fromkeys([*owners, *_people_by_name(organisation, new_owner_names, user)]))
    return measure_update(measure=measure, user=user, expected_version=expected_version, owners=owners, **fields)


@transaction.atomic
def measure_move(*, measure: Measure, user, direction: Direction) -> None:
    """Reordering is not a change of the measure's content: its version stays."""
    _renumber(Measure, _swap(_measures(measure.finding), measure, direction), user)


@transaction.atomic
def measure_delete(
    *, measure: Measure, user, change_reason: str = "", approved_change: PlanChange | None = None
) -> PlanChange | None:
    """Delete the measure, unless work is on record. Once the plan is approved the removal
    is asked for instead (the pending PlanChange is returned) and the approval deletes it."""
    _refuse_if_proven(Measure.objects.filter(pk=measure.pk), _("整改措施「{title}」").format(title=measure.title[:30]))
    inspection = measure.finding.category.inspection
    if approved_change is None and (plan := fixed_plan(inspection)) is not None:
        return plan_change_request(
            plan=plan, user=user, action=PlanChange.Action.REMOVE, measure=measure, reason=change_reason
        )
    finding = measure.finding
    _delete(measure, user)
    _renumber(Measure, _measures(finding), user)
    return None
