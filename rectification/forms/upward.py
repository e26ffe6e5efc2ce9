"""Forms of the documents handed upward: the draft's editor (built from the document
kind's sections), the submission with its attestation, the supervisor's review.

The texts are plain text; the service (services.upward.upward_clean_content) is the one
that types and checks the content, so these forms only shape the fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ..documents.kinds.upward import SECTIONS
from ..models import Review
from ..services.upward import MAX_COMMENTS, MAX_LINE, MAX_LINES, MAX_TEXT

# What the secretary confirms, as shown (the stored statement is services.upward.ATTESTATION).
ATTESTATION_LABEL = _("本人已审核上述内容，确认真实、准确、完整，签字背书。")


def _field(section) -> forms.Field:
    common = {"label": section.label, "help_text": section.help, "required": False}
    if section.kind == "date":
        widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        return forms.DateField(widget=widget, **common)
    if section.kind == "lines":
        common["help_text"] = section.help or _("每行一项。")
        return forms.CharField(
            widget=forms.Textarea(attrs={"rows": 5}), max_length=MAX_LINES * (MAX_LINE + 2), strip=False, **common
        )
    return forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), max_length=MAX_TEXT, strip=False, **common)


def _initial(section, value: Any) -> Any:
    if section.kind == "lines" and isinstance(value, list | tuple):
        return "\n".join(str(v) for v in value)
    return value


class DocumentContentForm(forms.Form):
    """One field per section of the document's kind, in the schema's order. Required
    sections are marked but not enforced here: a draft may be saved half-written;
    submission insists (missing_sections)."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, document, **kwargs: Any) -> None:
        content = document.content or {}
        sections = SECTIONS[document.kind]
        kwargs.setdefault(
            "initial",
            {"expected_version": document.version, **{s.key: _initial(s, content.get(s.key)) for s in sections}},
        )
        super().__init__(*args, **kwargs)
        for section in sections:
            self.fields[section.key] = _field(section)
            self.fields[section.key].section_required = section.required  # marked in the editor
        self.sections = sections

    def content(self) -> dict[str, Any]:
        """The sections' values for services.upward_update."""
        return {s.key: self.cleaned_data.get(s.key) or "" for s in self.sections}


class SubmitForm(forms.Form):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    attest = forms.BooleanField(
        label=ATTESTATION_LABEL,
        required=True,
        error_messages={"required": _("报送前请确认签字背书声明。")},
    )


class ReviewForm(forms.Form):
    """Approve, or return with comments (the buttons carry the decision)."""

    decision = forms.ChoiceField(choices=Review.Decision.choices)
    comments = forms.CharField(
        label=_("审核意见"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=MAX_COMMENTS,
        help_text=_("退回修改时必填，说明需要修改的内容。"),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("decision") == Review.Decision.RETURNED and not (cleaned.get("comments") or "").strip():
            self.add_error("comments", _("退回修改时请填写意见，说明需要修改的内容。"))
        return cleaned


class PlanChangeDecisionForm(forms.Form):
    """The supervisor's decision on a 方案调整 (the buttons carry it); refusing needs a note.
    The service checks again: the form only parses."""

    APPROVE, REFUSE = "approve", "refuse"
    decision = forms.ChoiceField(choices=[(APPROVE, _("同意")), (REFUSE, _("不同意"))])
    note = forms.CharField(
        label=_("审批意见"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
        help_text=_("不同意时必填。"),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("decision") == self.REFUSE and not (cleaned.get("note") or "").strip():
            self.add_error("note", _("不同意时请填写意见，说明理由。"))
        return cleaned
