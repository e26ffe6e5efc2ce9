"""Forms of the measure page and the sign-off queue. Each action is one small form; the
hidden ``version`` carries the version the user saw (optimistic concurrency)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import MeasureStatus

ACCEPT = ".pdf,.jpg,.jpeg,.png,.gif,.webp,.doc,.docx,.xls,.xlsx,image/*,application/pdf"


class _Versioned(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ProgressForm(_Versioned):
    note = forms.CharField(
        label=_("本次进展（内部记录）"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("如：已召开专题会议，排查点位 32 处……")}),
    )
    progress = forms.CharField(
        label=_("整改进展（公开，用于通报）"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        strip=True,
    )


class StatusForm(_Versioned):
    to_status = forms.ChoiceField(choices=MeasureStatus.choices, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("说明"), required=False, max_length=1000)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)]


class EvidenceForm(forms.Form):
    files = MultipleFileField(label=_("选择文件（可多选）"))
    description = forms.CharField(label=_("说明（可选）"), required=False, max_length=300)


class SignOffForm(_Versioned):
    APPROVE, SEND_BACK = "approve", "send_back"
    decision = forms.ChoiceField(choices=[(APPROVE, _("同意销号")), (SEND_BACK, _("退回"))])
    reason = forms.CharField(label=_("意见"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self) -> dict:
        data = super().clean()
        if data.get("decision") == self.SEND_BACK and not (data.get("reason") or "").strip():
            self.add_error("reason", _("退回时请填写理由。"))
        return data


class ExtensionRequestForm(_Versioned):
    new_due_on = forms.DateField(label=_("申请延期至"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("延期理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ExtensionDecisionForm(forms.Form):
    APPROVE, REFUSE = "approve", "refuse"
    decision = forms.ChoiceField(choices=[(APPROVE, _("批准")), (REFUSE, _("不批准"))])
    note = forms.CharField(label=_("审批意见"), required=False, max_length=2000)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("decision") == self.REFUSE and not (data.get("note") or "").strip():
            self.add_error("note", _("不批准时请填写理由。"))
        return data
