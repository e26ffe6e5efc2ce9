"""The 整改验收意见's form: shapes only (a choice, a date, measures of the inspection, the
narrative's length); the rules are services/acceptance_opinions.py's."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import AcceptanceOpinion


class AcceptanceOpinionForm(forms.Form):
    conclusion = forms.ChoiceField(
        label=_("验收结论"), choices=AcceptanceOpinion.Conclusion.choices, widget=forms.RadioSelect
    )
    second_due_on = forms.DateField(
        label=_("二次整改期限"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("限期二次整改时填写，须晚于今天。"),
    )
    text = forms.CharField(
        label=_("验收情况"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("验收的方式、发现的问题和评价，每行一段；完成情况的数字和验收结论由系统生成。签发前须填写。"),
    )
    # Checked boxes of the measures listed below the form (a second round needs at least one).
    measures = forms.TypedMultipleChoiceField(coerce=int, required=False, widget=forms.MultipleHiddenInput)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, measure_ids: list[int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["measures"].choices = [(pk, pk) for pk in measure_ids]
        self.fields["measures"].error_messages["invalid_choice"] = _("所选措施不属于该巡察，请刷新页面后重新选择。")
