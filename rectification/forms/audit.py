"""The auditor's filters over the audit trail."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import AuditEvent
from ..selectors.audit import AuditFilter


class AuditFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("事件"), required=False, choices=[("", _("全部"))] + list(AuditEvent.Kind.choices))
    who = forms.CharField(label=_("操作人"), required=False, max_length=150)
    address = forms.CharField(label=_("来源地址"), required=False, max_length=45)
    target = forms.CharField(label=_("对象"), required=False, max_length=200)
    since = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def audit_filter(self) -> AuditFilter:
        data = self.cleaned_data if self.is_valid() else {}
        return AuditFilter(**{k: v for k, v in data.items() if v})
