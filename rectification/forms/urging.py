"""Forms of urging from above (督办): issuing a 督办函, replying to it, recording a 约谈.
They check shapes only (dates, lengths, choices); the rules are services/urging.py's."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from .measures import MultipleFileField


class UrgingLetterForm(forms.Form):
    subject = forms.CharField(label=_("事由"), max_length=200, initial=_("关于加快推进巡察整改工作的督办函"))
    text = forms.CharField(
        label=_("督办内容"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("说明存在的问题和督办要求。所选措施将列在函后。"),
    )
    reply_due_on = forms.DateField(
        label=_("回复期限"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    # Checked boxes of the measures listed beside the form (none: the whole inspection).
    measures = forms.TypedMultipleChoiceField(coerce=int, required=False, widget=forms.MultipleHiddenInput)
    token = forms.CharField(widget=forms.HiddenInput, max_length=40)

    def __init__(self, *args, measure_ids: list[int], **kwargs) -> None:
        kwargs.setdefault("initial", {}).setdefault("token", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
        self.fields["measures"].choices = [(pk, pk) for pk in measure_ids]
        self.fields["measures"].error_messages["invalid_choice"] = _("所选措施已不可督办，请刷新页面后重新选择。")


class UrgingReplyForm(forms.Form):
    text = forms.CharField(label=_("回复内容"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6}))
    files = MultipleFileField(label=_("附件（可选，可多选）"), required=False)


class TalkForm(forms.Form):
    held_on = forms.DateField(label=_("约谈日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    talked_by = forms.CharField(label=_("约谈人"), max_length=200)
    talked_with = forms.CharField(label=_("约谈对象"), max_length=200)
    reason = forms.CharField(label=_("约谈事由"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    promises = forms.CharField(
        label=_("表态承诺"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    follow_up = forms.CharField(
        label=_("后续跟进"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
