"""The staff workflow: 「我的整改任务」 list, the measure page and its actions, evidence
downloads, the secretary's sign-off queue.

Each action is a POST of one small form to its own URL. Without JavaScript it redirects
back to the measure page; with htmx the same response is swapped into ``#measure-main``.
A stale form (someone saved in between) gets the conflict page with both versions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .. import services, workflow
from ..forms.measures import (
    EvidenceForm,
    ExtensionDecisionForm,
    ExtensionRequestForm,
    ProgressForm,
    SignOffForm,
    StatusForm,
)
from ..models import DeadlineExtension, Evidence, Measure, PlanChange
from ..permissions import measure_scope, oversees_measures, require, spans_organisations
from ..selectors import measures as sel
from ..services.audit import Kind as AuditKind
from ..services.audit import audit_record
from ..services.measures import ConflictError

PAGE_SIZE = 25
# What a download may do when shown in place: nothing but display itself.
DOWNLOAD_CSP = (
    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; object-src 'self'; frame-ancestors 'self'"
)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _measure(request: HttpRequest, pk: int) -> Measure:
    """The measure if the user may see it; another organisation's is a 404."""
    return get_object_or_404(sel.measure_queryset(user=request.user), pk=pk)


# ---------------------------------------------------------------------------- list


def _list_filters(request: HttpRequest) -> dict[str, Any]:
    """The query string; a bare visit shows staff their own measures (「我的整改任务」) and
    secretaries and supervisors everything they oversee."""
    params = request.GET.copy()
    params.pop("page", None)
    if not params and not oversees_measures(request.user):
        params["mine"] = "1"
    return params


@login_required
@require_GET
def measure_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    filters = _list_filters(request)
    filterset = sel.measure_filterset(user=request.user, filters=filters, today=today)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    sel.mark_list_rows(rows, today)
    context = {
        "filterset": filterset,
        "form": filterset.form,
        "page": page,
        "rows": rows,
        "today": today,
        "mine": filterset.form.cleaned_data.get("mine") if filterset.form.is_valid() else False,
        "list_title": filterset.title(),
        "conditions": filterset.describe(),
        "due_soon_days": sel.due_soon_days(),
    }
    context.update(list_extra_context(request))
    if _is_htmx(request) and request.headers.get("HX-Target") == "measure-results":
        # The results, and the filter selects that follow the chosen organisation.
        return render(request, "rectification/_measure_list_update.html", context)
    # The organisation select for supervisors, and for anyone whose other selects wait for it.
    context["show_organisation"] = spans_organisations(request.user) or filterset.options_capped()
    return render(request, "rectification/measure_list.html", context)


def list_extra_context(request: HttpRequest) -> dict[str, Any]:
    """Hook for other features on the list (e.g. the secretary's bulk bar)."""
    from .structure import bulk_list_context  # the structure editor owns the bulk bar

    return bulk_list_context(request)


# ---------------------------------------------------------------------------- measure page


def _default_forms(measure: Measure) -> dict[str, Form]:
    version = {"version": measure.version}
    return {
        "progress": ProgressForm(initial={**version, "progress": measure.progress}),
        "evidence": EvidenceForm(),
        "extension": ExtensionRequestForm(initial=version),
        "sign_off": SignOffForm(initial={**version, "decision": SignOffForm.APPROVE}),
    }


def _render_detail(request: HttpRequest, measure: Measure, forms: dict[str, Form] | None = None) -> HttpResponse:
    data = sel.measure_detail_data(measure=measure, user=request.user, today=timezone.localdate())
    context = {
        **data,
        "forms": {**_default_forms(measure), **(forms or {})},
        "evidence_max_bytes": settings.EVIDENCE_MAX_BYTES,
    }
    # A form with errors is a 400 for plain browsers; htmx swaps only 2xx answers.
    failed = any(f.is_bound and f.errors for f in (forms or {}).values())
    return render(
        request, "rectification/measure_detail.html", context, status=400 if failed and not _is_htmx(request) else 200
    )


@login_required
@require_GET
def measure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _measure(request, pk))


def _conflict(request: HttpRequest, exc: ConflictError, action: str, submitted: dict[str, Any]) -> HttpResponse:
    """Both versions side by side, with a way to keep either."""
    current = exc.current
    seen = current.history.filter(version=exc.expected_version).first()
    last = current.history.select_related("history_user").first()
    rows = []
    for name in ("progress", "status", "due_on"):
        label = Measure._meta.get_field(name).verbose_name
        now_value = sel.display_value(current, name)
        mine = submitted.get(name, sel.display_value(seen, name) if seen else "—")
        if str(mine) != now_value or name in submitted:
            rows.append((label, mine, now_value))
    resubmit = {**{k: v for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", "version")}}
    context = {
        "measure": current,
        "rows": rows,
        "action": action,
        "resubmit": resubmit,
        "version": current.version,
        "last": last,
        "seen_version": exc.expected_version,
    }
    response = render(request, "rectification/measure_conflict.html", context, status=200 if _is_htmx(request) else 409)
    if _is_htmx(request):
        response.headers["HX-Retarget"] = response.headers["HX-Reselect"] = "main"
        response.headers["HX-Reswap"] = "outerHTML"
    return response


def _act(
    request: HttpRequest,
    measure: Measure,
    key: str,
    form: Form,
    call: Callable[[dict], Any],
    done: str | Callable[[Any], str],
) -> HttpResponse:
    """Validate, call one service, then redirect to the measure (or show errors / the conflict).
    ``done`` is the success message, or makes it from what the service returned."""
    if form.is_valid():
        try:
            result = call(form.cleaned_data)
        except ConflictError as exc:
            submitted = {"progress": form.cleaned_data["progress"]} if key == "progress" else {}
            return _conflict(request, exc, request.path, submitted)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, done(result) if callable(done) else done)
            return redirect(_next(request, reverse("rectification:measure_detail", args=[measure.pk])))
    return _render_detail(request, measure, {key: form})


def _next(request: HttpRequest, default: str) -> str:
    candidate = request.POST.get("next") or ""
    # A path on this site only: redirect() would take a bare word for a URL name (a 500).
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, {request.get_host()}, request.is_secure()
    ):
        return candidate
    return default


@login_required
@require_POST
def measure_progress(request: HttpRequest, pk: int) -> HttpResponse:
    measure = _measure(request, pk)
    require(request.user, "change_measure", measure)
    form = ProgressForm(request.POST)
    return _act(
        request,
        measure,
        "progress",
        form,
        lambda d: services.measure_report_progress(
            measure=measure, user=request.user, note=d["note"], progress=d["progress"], expected_version=d["version"]
        ),
        _("已保存整改进展。"),
    )


@login_required
@require_POST
def measure_status(request: HttpRequest, pk: int) -> HttpResponse:
    measure = _measure(request, pk)
    require(request.user, "change_measure", measure)
    form = StatusForm(request.POST)
    return _act(
        request,
        measure,
        "status",
        form,
        lambda d: services.measure_change_status(
            measure=measure,
            user=request.user,
            to_status=d["to_status"],
            reason=d["reason"],
            expected_version=d["version"],
        ),
        workflow.status_changed_message,
    )


@login_required
@require_POST
def measure_sign_off(request: HttpRequest, pk: int) -> HttpResponse:
    measure = _measure(request, pk)
    require(request.user, "sign_off_measure", measure)
    form = SignOffForm(request.POST)
    from_queue = request.POST.get("from") == "queue"

    def call(d: dict) -> Any:
        kwargs = {"measure": measure, "user": request.user, "expected_version": d["version"]}
        if d["decision"] == SignOffForm.APPROVE:
            return services.measure_sign_off(**kwargs, reason=d["reason"])
        return services.measure_send_back(**kwargs, reason=d["reason"])

    done = _("已销号。") if request.POST.get("decision") == SignOffForm.APPROVE else _("已退回。")
    if from_queue:
        return _queue_act(request, measure, form, call, done, f"q{measure.pk}")
    return _act(request, measure, "sign_off", form, call, done)


def _queue_act(
    request: HttpRequest,
    measure: Measure,
    form: Form,
    call: Callable[[dict], Any],
    done: str | Callable[[Any], str],
    item_id: str,
) -> HttpResponse:
    """A decision taken in the sign-off queue: back to the queue (htmx: the row's result).
    ``done`` is the message, or makes it from what the service returned."""
    if form.is_valid():
        try:
            result = call(form.cleaned_data)
        except ConflictError as exc:
            return _conflict(request, exc, request.path, {})
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            done = done(result) if callable(done) else done
            if _is_htmx(request):
                return render(
                    request, "rectification/_signoff_done.html", {"measure": measure, "done": done, "item_id": item_id}
                )
            messages.success(request, done)
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("rectification:signoff_queue")


@login_required
@require_POST
def extension_request(request: HttpRequest, pk: int) -> HttpResponse:
    measure = _measure(request, pk)
    require(request.user, "request_extension", measure)
    form = ExtensionRequestForm(request.POST)
    return _act(
        request,
        measure,
        "extension",
        form,
        lambda d: services.extension_request(
            measure=measure,
            user=request.user,
            new_due_on=d["new_due_on"],
            reason=d["reason"],
            expected_version=d["version"],
        ),
        _("已提交延期申请，等待书记审批。"),
    )


@login_required
@require_POST
def extension_decide(request: HttpRequest, pk: int) -> HttpResponse:
    extension = get_object_or_404(
        DeadlineExtension.objects.filter(measure__in=Measure.objects.filter(measure_scope(request.user))), pk=pk
    )
    measure = _measure(request, extension.measure_id)
    require(request.user, "decide_extension", measure)
    form = ExtensionDecisionForm(request.POST)
    approve = request.POST.get("decision") == ExtensionDecisionForm.APPROVE

    def call(d: dict) -> Any:
        return services.extension_decide(
            extension=extension, user=request.user, approve=d["decision"] == form.APPROVE, note=d["note"]
        )

    def done(result: DeadlineExtension) -> str:
        if getattr(result, "forwarded", False):  # an approved plan's deadline: the supervisor decides
            return workflow.plan_change_requested_message(PlanChange.Action.REDATE)
        return _("已批准延期。") if approve else _("已不批准延期。")

    if request.POST.get("from") == "queue":
        return _queue_act(request, measure, form, call, done, f"x{extension.pk}")
    return _act(request, measure, "decision", form, call, done)


# ---------------------------------------------------------------------------- evidence


def _evidence(request: HttpRequest, pk: int) -> Evidence:
    visible = Evidence.objects.filter(measure__in=Measure.objects.filter(measure_scope(request.user)))
    return get_object_or_404(visible.select_related("measure__finding__category__inspection__organisation"), pk=pk)


@login_required
@require_POST
def evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    measure = _measure(request, pk)
    require(request.user, "add_evidence", measure)
    form = EvidenceForm(request.POST, request.FILES)
    return _act(
        request,
        measure,
        "evidence",
        form,
        lambda d: services.evidence_add(
            measure=measure, user=request.user, files=d["files"], description=d["description"]
        ),
        _("已上传佐证材料。"),
    )


@login_required
@require_GET
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    """The only way to a file: permission checked, never sniffed, inline only for images/PDF."""
    evidence = _evidence(request, pk)
    require(request.user, "view_evidence", evidence)
    audit_record(
        AuditKind.EVIDENCE_DOWNLOAD, actor=request.user, target=evidence, detail=f"measure #{evidence.measure_id}"
    )
    inline = evidence.content_type == "application/pdf" or evidence.content_type.startswith("image/")
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=not inline,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def evidence_delete(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = _evidence(request, pk)
    require(request.user, "delete_evidence", evidence)
    measure = _measure(request, evidence.measure_id)
    try:
        services.evidence_delete(evidence=evidence, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已删除佐证材料“{name}”。").format(name=evidence.original_name))
    return redirect(reverse("rectification:measure_detail", args=[measure.pk]) + "#evidence")


# ---------------------------------------------------------------------------- sign-off queue


@login_required
@require_GET
def signoff_queue(request: HttpRequest) -> HttpResponse:
    require(request.user, "view_signoff_queue")
    return render(request, "rectification/signoff_queue.html", sel.signoff_queue(user=request.user))
