"""Urging from above (督办): an organisation's letters and talks, issuing a 督办函 (from the
roll-up), the letter's page with the secretary's reply, its files, and recording a 约谈.

Another organisation's letter or an organisation outside the user's reach is a 404; a
reader who may not act gets a 403 (permissions.py decides); a refusal of the service
shows the form again with its message and changes nothing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..documents.kinds.urging import urging_render
from ..forms.urging import TalkForm, UrgingLetterForm, UrgingReplyForm
from ..models import Inspection, Organisation, UrgingAttachment, UrgingLetter
from ..permissions import require, visible_organisations
from ..selectors import urging as sel
from ..services import urging as service
from ..services.audit import Kind as AuditKind
from ..services.audit import audit_record
from .measures import DOWNLOAD_CSP
from .upward import _file_response

VIEW = "rectification.view_urging"


def _organisation(request: HttpRequest, pk: int) -> Organisation:
    """An organisation the user reads (else 404) and whose urging they may read (else 403)."""
    organisation = get_object_or_404(visible_organisations(request.user), pk=pk)
    require(request.user, VIEW, organisation)
    return organisation


def _letter(request: HttpRequest, pk: int) -> UrgingLetter:
    """A letter to an organisation the user reads (else 404) that they may read (else 403)."""
    try:
        letter = sel.urging_letter(pk=pk, organisations=visible_organisations(request.user))
    except UrgingLetter.DoesNotExist:
        raise Http404 from None
    require(request.user, VIEW, letter)
    return letter


@login_required
@require_GET
def urging_organisation(request: HttpRequest, pk: int) -> HttpResponse:
    """The letters sent to an organisation and the talks held with it."""
    organisation = _organisation(request, pk)
    user = request.user
    context = {
        "organisation": organisation,
        "letters": sel.organisation_letters(organisation=organisation, today=timezone.localdate()),
        "talks": sel.organisation_talks(organisation=organisation),
        "inspections": list(Inspection.objects.filter(organisation=organisation).order_by("-feedback_on")),
        "can_issue": user.has_perm("rectification.issue_urging", organisation),
        "can_talk": user.has_perm("rectification.record_talk", organisation),
        "today": timezone.localdate(),
    }
    return render(request, "urging/organisation.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def urging_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue a 督办函 about measures of inspection ``pk``, chosen by hand or by colour
    (?colour=red preselects the overdue ones)."""
    inspection = get_object_or_404(
        Inspection.objects.filter(organisation__in=visible_organisations(request.user)).select_related("organisation"),
        pk=pk,
    )
    require(request.user, "issue_urging", inspection.organisation)
    today = timezone.localdate()
    candidates = sel.urge_candidates(inspection=inspection, today=today)
    ids = [c.measure.pk for c in candidates]
    form = UrgingLetterForm(request.POST or None, measure_ids=ids)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                letter = service.urging_issue(
                    user=request.user,
                    inspection=inspection,
                    measure_ids=data["measures"],
                    subject=data["subject"],
                    text=data["text"],
                    reply_due_on=data["reply_due_on"],
                    token=data["token"],
                    today=today,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("督办函 {number} 已发出。").format(number=letter.number))
                return redirect("rectification:urging_letter", pk=letter.pk)
        status = 400
    colour = request.GET.get("colour", "")
    chosen = set(form["measures"].value() or []) if request.method == "POST" else set()
    context = {
        "inspection": inspection,
        "organisation": inspection.organisation,
        "form": form,
        "candidates": candidates,
        "chosen": {str(pk) for pk in chosen}
        | {str(c.measure.pk) for c in candidates if c.colour and c.colour == colour},
        "colour": colour,
    }
    return render(request, "urging/new.html", context, status=status)


def _letter_page(
    request: HttpRequest, letter: UrgingLetter, form: UrgingReplyForm | None = None, status: int = 200
) -> HttpResponse:
    reply = getattr(letter, "reply", None)
    is_open = reply is None and not letter.is_withdrawn
    can_reply = is_open and request.user.has_perm("rectification.reply_urging", letter)
    urges = request.user.has_perm("rectification.issue_urging", letter)
    context = {
        "can_change": is_open and urges,  # revise or withdraw, before the reply
        "can_close": reply is not None and letter.closed_at is None and urges,
        "letter": letter,
        "reply": reply,
        "measures": sorted(
            letter.measures.all(), key=lambda m: (m.finding.category_id, m.finding.position, m.position)
        ),
        "form": (form or UrgingReplyForm()) if can_reply else None,
        "today": timezone.localdate(),
    }
    return render(request, "urging/letter.html", context, status=status)


@login_required
@require_GET
def urging_letter(request: HttpRequest, pk: int) -> HttpResponse:
    return _letter_page(request, _letter(request, pk))


@login_required
@require_POST
def urging_reply(request: HttpRequest, pk: int) -> HttpResponse:
    letter = _letter(request, pk)
    if not request.user.has_perm("rectification.reply_urging", letter):
        raise PermissionDenied
    form = UrgingReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            service.urging_reply(
                user=request.user,
                letter=letter,
                text=form.cleaned_data["text"],
                files=[f for f in form.cleaned_data["files"] if f],
            )
        except ValidationError as exc:
            # As a message: the page shows no form once the letter is answered.
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("已回复督办函 {number}。").format(number=letter.number))
            return redirect("rectification:urging_letter", pk=letter.pk)
    # Refused (empty, a file of the wrong type, answered meanwhile): the page, the form
    # with its message; the letter as it is now (a reply made meanwhile shows instead).
    return _letter_page(request, _letter(request, pk), form, status=400)


def _letter_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    letter = _letter(request, pk)
    rendered = urging_render(letter, today=letter.issued_at.date(), formats=(fmt,))
    filename = f"督办函-{letter.organisation.short_name}-{letter.year}-{letter.serial}.{fmt}"
    return _file_response(rendered.data(fmt), fmt, filename, rendered.sha256(fmt))


@login_required
@require_GET
def urging_letter_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _letter_file(request, pk, "pdf")


@login_required
@require_GET
def urging_letter_docx(request: HttpRequest, pk: int) -> HttpResponse:
    return _letter_file(request, pk, "docx")


@login_required
@require_GET
def urging_attachment(request: HttpRequest, pk: int) -> FileResponse:
    """A reply's attachment, as evidence is served: checked, never sniffed."""
    scoped = UrgingAttachment.objects.filter(reply__letter__organisation__in=visible_organisations(request.user))
    attachment = get_object_or_404(scoped.select_related("reply__letter__organisation"), pk=pk)
    require(request.user, VIEW, attachment)
    audit_record(AuditKind.EVIDENCE_DOWNLOAD, actor=request.user, target=attachment, detail="urging reply attachment")
    inline = attachment.content_type == "application/pdf" or attachment.content_type.startswith("image/")
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not inline,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def urging_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a letter not yet answered (its number stays); once answered or withdrawn,
    back to its page with the reason."""
    letter = _letter(request, pk)
    require(request.user, "issue_urging", letter)
    if getattr(letter, "reply", None) is not None or letter.is_withdrawn:
        messages.error(request, _("该督办函已回复或已撤回，不能再修改。"))
        return redirect("rectification:urging_letter", pk=letter.pk)
    today = timezone.localdate()
    candidates = sel.urge_candidates(inspection=letter.inspection, today=today)
    initial = {"subject": letter.subject, "text": letter.text, "reply_due_on": letter.reply_due_on}
    form = UrgingLetterForm(request.POST or None, measure_ids=[c.measure.pk for c in candidates], initial=initial)
    form.fields["token"].required = False  # the number is kept: no double-issue to guard against
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                service.urging_revise(
                    user=request.user,
                    letter=letter,
                    measure_ids=data["measures"],
                    subject=data["subject"],
                    text=data["text"],
                    reply_due_on=data["reply_due_on"],
                    today=today,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request, _("督办函 {number} 已修改，已通知该党组织书记。").format(number=letter.number)
                )
                return redirect("rectification:urging_letter", pk=letter.pk)
        status = 400
        chosen = {str(v) for v in form["measures"].value() or []}
    else:
        chosen = {str(m.pk) for m in letter.measures.all()}
    context = {
        "inspection": letter.inspection,
        "organisation": letter.organisation,
        "form": form,
        "candidates": candidates,
        "chosen": chosen,
        "letter": letter,
    }
    return render(request, "urging/new.html", context, status=status)


@login_required
@require_POST
def urging_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    letter = _letter(request, pk)
    require(request.user, "issue_urging", letter)
    try:
        service.urging_withdraw(user=request.user, letter=letter, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("督办函 {number} 已撤回，留档备查。").format(number=letter.number))
    return redirect("rectification:urging_letter", pk=letter.pk)


@login_required
@require_POST
def urging_close(request: HttpRequest, pk: int) -> HttpResponse:
    letter = _letter(request, pk)
    require(request.user, "issue_urging", letter)
    try:
        service.urging_close(user=request.user, letter=letter)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("督办函 {number} 已办结。").format(number=letter.number))
    return redirect("rectification:urging_letter", pk=letter.pk)


@login_required
@require_http_methods(["GET", "POST"])
def talk_new(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _organisation(request, pk)
    require(request.user, "record_talk", organisation)
    form = TalkForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                service.talk_record(user=request.user, organisation=organisation, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("约谈记录已保存。"))
                return redirect(reverse("rectification:urging_organisation", args=[organisation.pk]) + "#talks")
        status = 400
    return render(request, "urging/talk.html", {"organisation": organisation, "form": form}, status=status)
