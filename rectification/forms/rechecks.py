"""The secretary's re-check (回头看) decision: still fixed, or reopen with a new deadline."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class RecheckDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("confirm", _("未反弹")), ("reopen", _("已反弹，重新整改"))])
    note = forms.CharField(label=_("核查情况"), required=False, max_length=2000)
    due_on = forms.DateField(label=_("新的完成时限"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class MarkReadForm(forms.Form):
    """Mark one notification read (``id``), or all of them (no ``id``)."""

    id = forms.IntegerField(required=False, min_value=1)
