"""The structure editor: the inspection tree (categories → items → measures) with add,
edit, move and delete for the secretary, read-only for everyone else who may see it;
and the measure list's bulk action endpoint."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from .. import selectors, services, workflow
from ..forms.rounds import RecurrenceForm
from ..forms.structure import (
    BulkForm,
    CategoryForm,
    ChangeReasonForm,
    FindingForm,
    InspectionForm,
    MeasureForm,
    MeasureQuickForm,
    MoveForm,
)
from ..models import Category, Finding, Inspection, Measure, PlanChange
from ..permissions import denial_message, measure_scope, require, visible_organisations
from ..selectors.acceptance_opinions import latest_conclusions
from ..selectors.reviews import upward_links
from ..services.measures import ConflictError
from ..services.structure import INSPECTION_FIELDS
from .plan_changes import plan_fixed, say_requested

MANAGE = "rectification.manage_inspection"
GET_POST = require_http_methods(["GET", "POST"])


# --- loading and authorising -------------------------------------------------------------


def _scoped(request: HttpRequest, model: type[Model]) -> QuerySet:
    """Rows of the organisations the user may see; anything else is a 404."""
    orgs = visible_organisations(request.user)
    if model is Inspection:
        return Inspection.objects.filter(organisation__in=orgs).select_related("organisation")
    if model is Category:
        return Category.objects.filter(inspection__organisation__in=orgs).select_related("inspection__organisation")
    if model is Finding:
        return Finding.objects.filter(category__inspection__organisation__in=orgs).select_related(
            "category__inspection__organisation", "parent"
        )
    return Measure.objects.filter(measure_scope(request.user)).select_related(
        "finding__category__inspection__organisation", "leader"
    )


def _managed(request: HttpRequest, model: type[Model], pk: int) -> Any:
    """The row if visible (else 404) and the user may edit the structure (else 403)."""
    obj = get_object_or_404(_scoped(request, model), pk=pk)
    require(request.user, MANAGE, obj)
    return obj


def _inspection_of(obj: Model) -> Inspection:
    if isinstance(obj, Inspection):
        return obj
    if isinstance(obj, Category):
        return obj.inspection
    if isinstance(obj, Finding):
        return obj.category.inspection
    return obj.finding.category.inspection


def _tree_url(obj: Model, anchor: str = "") -> str:
    url = reverse("rectification:inspection_detail", args=[_inspection_of(obj).pk])
    return f"{url}#{anchor}" if anchor else url


def _attempt(form, call: Callable[[dict], Any]) -> Any:
    """Run the service on valid data; its ValidationError goes onto the form. None if refused."""
    if not form.is_valid():
        return None
    try:
        return call(form.cleaned_data)
    except ValidationError as exc:
        form.add_error(None, exc)
        return None


def _form_page(request: HttpRequest, form, *, title: str, back: str, **extra) -> HttpResponse:
    context = {"form": form, "title": title, "back": back, **extra}
    return render(request, "rectification/structure_form.html", context, status=400 if form.errors else 200)


# --- inspections ------------------------------------------------------------------------


@login_required
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = get_object_or_404(_scoped(request, Inspection), pk=pk)
    can_manage = request.user.has_perm(MANAGE, inspection)
    people = list(selectors.people_for_organisation(organisation_id=inspection.organisation_id)) if can_manage else []
    context = {
        "inspection": inspection,
        "tree": selectors.inspection_tree(inspection=inspection),
        "can_manage": can_manage,
        "people": people,
        "kinds": Measure.Kind.choices,
        "recurrence_choices": RecurrenceForm.base_fields["recurrence"].choices,
    }
    # The plan and reports handed upward, for whoever reads them (views/upward.py); an
    # approved plan fixes the measures, which the add forms then say (方案调整).
    links = (
        upward_links(inspection=inspection) if request.user.has_perm("rectification.view_upward", inspection) else []
    )
    context["upward_links"] = links
    context["plan_fixed"] = any(workflow.plan_is_fixed(link) for link in links)
    # The acceptance's conclusion (整改验收意见): issued, for whoever reads it; to draft, for
    # the supervisors who may conclude.
    if request.user.has_perm("rectification.view_acceptance_opinion", inspection):
        opinion = context["opinion"] = latest_conclusions(inspection_ids=[inspection.pk]).get(inspection.pk)
        context["opinion_link"] = opinion or request.user.has_perm("rectification.conclude_acceptance", inspection)
    return render(request, "rectification/inspection_detail.html", context)


@login_required
@GET_POST
def inspection_create(request: HttpRequest) -> HttpResponse:
    organisations = selectors.organisations_for_new_inspection(user=request.user)
    if not organisations.exists():
        raise PermissionDenied(denial_message("create_inspection"))
    form = InspectionForm(request.POST or None, organisations=organisations)
    if request.method == "POST":
        inspection = _attempt(form, lambda data: services.inspection_create(user=request.user, **data))
        if inspection is not None:
            messages.success(request, _("已新建巡察，请添加问题类别、整改事项和整改措施。"))
            return redirect(_tree_url(inspection))
    return _form_page(request, form, title=_("新建巡察"), back=reverse("rectification:home"))


@login_required
@GET_POST
def inspection_edit(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _managed(request, Inspection, pk)
    initial = {name: getattr(inspection, name) for name in INSPECTION_FIELDS}
    form = InspectionForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if (
            _attempt(form, lambda data: services.inspection_update(inspection=inspection, user=request.user, **data))
            is not None
        ):
            messages.success(request, _("已保存巡察信息。"))
            return redirect(_tree_url(inspection))
    return _form_page(request, form, title=_("编辑巡察信息"), back=_tree_url(inspection))


# --- categories -------------------------------------------------------------------------


@login_required
@GET_POST
def category_create(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _managed(request, Inspection, pk)
    form = CategoryForm(request.POST or None)
    if request.method == "POST":
        category = _attempt(
            form, lambda data: services.category_create(inspection=inspection, user=request.user, **data)
        )
        if category is not None:
            return redirect(_tree_url(category, f"c{category.pk}"))
    return _form_page(request, form, title=_("添加问题类别"), back=_tree_url(inspection))


@login_required
@GET_POST
def category_edit(request: HttpRequest, pk: int) -> HttpResponse:
    category = _managed(request, Category, pk)
    form = CategoryForm(request.POST or None, initial={"title": category.title})
    if request.method == "POST":
        if (
            _attempt(form, lambda data: services.category_update(category=category, user=request.user, **data))
            is not None
        ):
            return redirect(_tree_url(category, f"c{pk}"))
    return _form_page(request, form, title=_("编辑问题类别"), back=_tree_url(category, f"c{pk}"))


@login_required
@require_POST
def category_move(request: HttpRequest, pk: int) -> HttpResponse:
    category = _managed(request, Category, pk)
    _move(request, lambda direction: services.category_move(category=category, user=request.user, direction=direction))
    return redirect(_tree_url(category, f"c{pk}"))


@login_required
@GET_POST
def category_delete(request: HttpRequest, pk: int) -> HttpResponse:
    category = _managed(request, Category, pk)
    measures = Measure.objects.filter(finding__category=category)
    return _delete(
        request,
        category,
        what=_("问题类别「%(t)s」") % {"t": category.title},
        consequences=[
            _("其中的 %(n)d 个整改事项") % {"n": category.findings.count()},
            _("其中的 %(n)d 条整改措施及其进展记录") % {"n": measures.count()},
        ],
        call=lambda: services.category_delete(category=category, user=request.user),
        back=_tree_url(category, f"c{pk}"),
    )


# --- findings ---------------------------------------------------------------------------


def _finding_parent(request: HttpRequest, category: Category) -> Finding | None:
    raw = request.POST.get("parent") or request.GET.get("parent")
    if not raw or not raw.isdigit():
        return None
    return get_object_or_404(Finding, pk=int(raw), category=category)


@login_required
@GET_POST
def finding_create(request: HttpRequest, pk: int) -> HttpResponse:
    category = _managed(request, Category, pk)
    parent = _finding_parent(request, category)
    form = FindingForm(request.POST or None, category=category, initial={"parent": parent})
    if request.method == "POST":
        finding = _attempt(form, lambda data: services.finding_create(category=category, user=request.user, **data))
        if finding is not None:
            return redirect(_tree_url(category, f"f{finding.pk}"))
    title = _("添加下级整改事项") if parent else _("添加整改事项")
    return _form_page(request, form, title=title, back=_tree_url(category, f"c{pk}"))


@login_required
@GET_POST
def finding_edit(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _managed(request, Finding, pk)
    initial = {"heading": finding.heading, "problem": finding.problem, "lead_in": finding.lead_in}
    form = FindingForm(request.POST or None, category=finding.category, finding=finding, initial=initial)
    form.initial["parent"] = finding.parent_id
    if request.method == "POST":
        if _attempt(form, lambda data: services.finding_update(finding=finding, user=request.user, **data)) is not None:
            return redirect(_tree_url(finding, f"f{pk}"))
    return _form_page(request, form, title=_("编辑整改事项"), back=_tree_url(finding, f"f{pk}"))


@login_required
@require_POST
def finding_move(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _managed(request, Finding, pk)
    _move(request, lambda direction: services.finding_move(finding=finding, user=request.user, direction=direction))
    return redirect(_tree_url(finding, f"f{pk}"))


@login_required
@GET_POST
def finding_delete(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _managed(request, Finding, pk)
    subs = finding.subfindings.count()
    consequences = [_("其中的 %(n)d 个下级整改事项") % {"n": subs}] if subs else []
    measures = Measure.objects.filter(finding__in=[finding.pk, *finding.subfindings.values_list("pk", flat=True)])
    consequences.append(_("其中的 %(n)d 条整改措施及其进展记录") % {"n": measures.count()})
    return _delete(
        request,
        finding,
        what=_("整改事项「%(t)s」") % {"t": finding.heading},
        consequences=consequences,
        call=lambda: services.finding_delete(finding=finding, user=request.user),
        back=_tree_url(finding, f"f{pk}"),
    )


# --- measures ---------------------------------------------------------------------------


@login_required
@GET_POST
def measure_create(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _managed(request, Finding, pk)
    people = list(selectors.people_for_organisation(organisation_id=finding.category.inspection.organisation_id))
    form_class = MeasureQuickForm if "quick" in request.POST else MeasureForm
    fixed = plan_fixed(finding.category.inspection)
    form = form_class(request.POST or None, people=people, plan_fixed=fixed)
    if request.method == "POST":
        created = _attempt(form, lambda data: services.measure_create(finding=finding, user=request.user, **data))
        if isinstance(created, PlanChange):
            say_requested(request, created)
            return redirect(_tree_url(finding, f"f{pk}"))
        if created is not None:
            messages.success(request, _("已添加整改措施。"))
            return redirect(_tree_url(finding, f"m{created.pk}"))
    return _form_page(
        request,
        form,
        title=_("添加整改措施"),
        back=_tree_url(finding, f"f{pk}"),
        subject=finding,
        plan_fixed=fixed,
    )


def _measure_initial(measure: Measure) -> dict:
    return {
        "title": measure.title,
        "kind": measure.kind,
        "due_on": measure.due_on,
        "leader": str(measure.leader_id or ""),
        "owners": [str(p.pk) for p in measure.owners.all()],
        "unit": measure.unit,
        "note": measure.note,
    }


@login_required
@GET_POST
def measure_edit(request: HttpRequest, pk: int) -> HttpResponse:
    measure = _managed(request, Measure, pk)
    people = list(
        selectors.people_for_organisation(organisation_id=measure.finding.category.inspection.organisation_id)
    )
    raw_version = request.POST.get("version", "")
    # A tampered version is a stale one (0), never a 500.
    version = (int(raw_version) if raw_version.isdecimal() else 0) if request.method == "POST" else measure.version
    fixed = plan_fixed(measure.finding.category.inspection)
    form = MeasureForm(request.POST or None, people=people, initial=_measure_initial(measure), plan_fixed=fixed)
    conflict = None
    if request.method == "POST":
        try:
            saved = _attempt(
                form,
                lambda data: services.measure_edit_plan(
                    measure=measure, user=request.user, expected_version=version, **data
                ),
            )
            if saved is not None:
                if saved.plan_change is not None:
                    say_requested(request, saved.plan_change)
                else:
                    messages.success(request, _("已保存整改措施。"))
                return redirect(_tree_url(measure, f"m{pk}"))
        except ConflictError as exc:
            conflict = _conflict_rows(exc.current, form.cleaned_data)
            version = exc.current.version  # a second submit knowingly overwrites
    return _form_page(
        request,
        form,
        title=_("编辑整改措施"),
        back=_tree_url(measure, f"m{pk}"),
        subject=measure,
        version=version,
        conflict=conflict,
        plan_fixed=fixed,
    )


def _conflict_rows(current: Measure, mine: dict) -> list[tuple[str, str, str]]:
    """(label, saved now, submitted) for each field that differs."""
    saved = _measure_initial(current)
    rows = []
    for name in ("title", "kind", "due_on", "leader", "owners", "unit", "note"):
        theirs, ours = saved[name], mine.get(name)
        if name == "leader":
            theirs, ours = str(current.leader or "—"), str(ours or "—")
        elif name == "owners":
            theirs = "、".join(p.name for p in current.owners.all()) or "—"
            ours = "、".join(p.name for p in ours or []) or "—"
        if str(theirs or "") != str(ours or ""):
            rows.append((str(MeasureForm.base_fields[name].label), str(theirs or "—"), str(ours or "—")))
    return rows


@login_required
@require_POST
def measure_move(request: HttpRequest, pk: int) -> HttpResponse:
    measure = _managed(request, Measure, pk)
    _move(request, lambda direction: services.measure_move(measure=measure, user=request.user, direction=direction))
    return redirect(_tree_url(measure, f"m{pk}"))


@login_required
@GET_POST
def measure_delete(request: HttpRequest, pk: int) -> HttpResponse:
    measure = _managed(request, Measure, pk)
    reason = ChangeReasonForm(request.POST or None) if plan_fixed(measure.finding.category.inspection) else None
    change_reason = reason.cleaned_data["change_reason"] if reason is not None and reason.is_valid() else ""
    return _delete(
        request,
        measure,
        what=_("整改措施「%(t)s」") % {"t": measure.title[:60]},
        consequences=[_("它的进展记录、延期申请和通知")],
        call=lambda: services.measure_delete(measure=measure, user=request.user, change_reason=change_reason),
        back=_tree_url(measure, f"m{pk}"),
        reason_form=reason,
    )


# --- shared actions ---------------------------------------------------------------------


def _move(request: HttpRequest, call: Callable[[str], None]) -> None:
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("无效的移动方向。"))
        return
    try:
        call(form.cleaned_data["direction"])
    except ValidationError as exc:
        messages.warning(request, " ".join(exc.messages))


def _delete(
    request: HttpRequest,
    obj: Model,
    *,
    what: str,
    consequences: list[str],
    call: Callable[[], PlanChange | None],
    back: str,
    reason_form: ChangeReasonForm | None = None,
) -> HttpResponse:
    """GET asks for confirmation, POST deletes (or reports why the service refused, or
    that the deletion became a request: ``reason_form`` when the plan is approved)."""
    tree = _tree_url(obj)
    if request.method == "POST":
        try:
            change = call()
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(back)
        if isinstance(change, PlanChange):
            say_requested(request, change)
            return redirect(back)
        messages.success(request, _("已删除%(what)s。") % {"what": what})
        return redirect(tree)
    context = {"what": what, "consequences": consequences, "back": back, "reason_form": reason_form}
    return render(request, "rectification/structure_confirm_delete.html", context)


# --- bulk actions on the measure list ---------------------------------------------------


def _list_url(request: HttpRequest, candidate: str) -> str:
    # A path on this site only: redirect() would take a bare word for a URL name (a 500).
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, {request.get_host()}, request.is_secure()
    ):
        return candidate
    try:
        return reverse("rectification:measure_list")
    except NoReverseMatch:
        return reverse("rectification:home")


def bulk_list_context(request: HttpRequest) -> dict[str, Any]:
    """What the measure list needs for its bulk bar: a ``bulk_form`` for secretaries (and
    admins), nothing for everyone else. One query: the people they may assign."""
    if not request.user.has_perm("rectification.use_bulk_actions"):
        return {}
    people = selectors.people_for_bulk(user=request.user)
    return {"bulk_form": BulkForm(people=people, initial={"next": request.get_full_path()})}


@login_required
@require_POST
def measure_bulk(request: HttpRequest) -> HttpResponse:
    """Posted by the measure list's bulk bar; all or nothing, then back to the same list."""
    require(request.user, "use_bulk_actions")
    form = BulkForm(request.POST, people=selectors.people_for_bulk(user=request.user))
    back = _list_url(request, request.POST.get("next", ""))
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label or _('批量操作')}：{' '.join(errors)}")
        return redirect(back)
    try:
        count = services.measures_bulk_update(user=request.user, **form.service_kwargs())
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已批量修改 %(n)d 条整改措施。") % {"n": count})
    return redirect(back)
