"""Forms of rounds: a 回头看 (or a later round) that follows an inspection, and what the
回头看 found of a problem it brought in."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import InspectionKind, Recurrence
from .structure import InspectionForm


class FollowUpForm(InspectionForm):
    """The new inspection's own facts; its organisation is the earlier one's."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].initial = InspectionKind.FOLLOW_UP


class RecurrenceForm(forms.Form):
    recurrence = forms.ChoiceField(
        label=_("回头看发现"), choices=[("", _("未发现反弹或重复"))] + list(Recurrence.choices), required=False
    )
