"""The bulletin editor's forms. The texts are plain text (``**…**`` for bold), never HTML."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Bulletin
from ..text import CONTROL_CHARS, strip_control

NARRATIVE_HELP = _("每行一段；用 **…** 标出加粗的文字，例如 **（一）强化理论武装，筑牢政治根基。** 其余按原文显示。")


class BulletinForm(forms.ModelForm):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    class Meta:
        model = Bulletin
        fields = [
            "title",
            "intro",
            "section1_heading",
            "section1_text",
            "section2_heading",
            "show_statistics",
            "statistics_text",
            "statistics_place",
            "category_heading_style",
            "item_numbering",
            "zero_counts",
            "section3_heading",
            "section3_text",
            "signature",
            "issued_on",
            "contact_phone",
            "contact_hours",
            "contact_address",
            "contact_email",
            "comment_until",
        ]
        labels = {
            "title": _("标题（第二行起，第一行为党组织全称）"),
            "category_heading_style": _("整改事项标题"),
        }
        help_texts = {
            "intro": _("留空则按巡察信息生成；可用 **…** 加粗。"),
            "section1_text": NARRATIVE_HELP,
            "section3_text": NARRATIVE_HELP,
            "statistics_text": _("留空则按整改数据生成（问题数、完成数、完成率、制度、资金、处理人数）。"),
            "category_heading_style": _("独立成行：事项标题单独一行；段首接排：“1. 标题。”后接整改措施。"),
        }
        widgets = {
            "title": forms.TextInput(attrs={"placeholder": "关于巡察整改进展情况的通报"}),
            "intro": forms.Textarea(attrs={"rows": 4}),
            "section1_text": forms.Textarea(attrs={"rows": 10}),
            "statistics_text": forms.Textarea(attrs={"rows": 3}),
            "section3_text": forms.Textarea(attrs={"rows": 12}),
            "issued_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "comment_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["expected_version"].initial = self.instance.version

    def clean(self) -> dict:
        cleaned = super().clean()
        for name, value in cleaned.items():
            if isinstance(value, str):
                # Control characters (not tab, newline, carriage return) are never stored.
                cleaned[name] = strip_control(value, CONTROL_CHARS)
        return cleaned

    def edits(self) -> dict:
        """The cleaned editable fields, for services.bulletin_update."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class PublishForm(forms.Form):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)


class WithdrawForm(forms.Form):
    """Withdrawing a published version: which one, why (shown on its public page), and the
    tick that says the secretary means it (withdrawal cannot be undone either)."""

    number = forms.TypedChoiceField(label=_("撤回的版本"), coerce=int)
    reason = forms.CharField(
        label=_("撤回原因"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("将显示在该版本的公开页面上，例如：误将未审定的草稿发布。"),
    )
    confirm = forms.BooleanField(label=_("我确认撤回该版本：公开页面将不再显示其正文，改为说明已撤回及原因。"))

    def __init__(self, *args, numbers: list[int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # No version preselected: the secretary picks the one to withdraw.
        versions = [(n, _("第 %(n)s 版") % {"n": n}) for n in numbers]
        self.fields["number"].choices = [("", _("请选择版本")), *versions] if versions else []

    def clean_reason(self) -> str:
        return strip_control(self.cleaned_data["reason"], CONTROL_CHARS).strip()


class BulletinReviewDecisionForm(forms.Form):
    """The supervisor's decision on a submitted draft (the buttons carry it); a return
    needs comments. The service checks again: the form only parses."""

    decision = forms.ChoiceField(choices=[("approved", _("审核通过")), ("returned", _("退回修改"))])
    comments = forms.CharField(
        label=_("审核意见"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5_000,
        help_text=_("退回修改时必填，说明需要修改的内容。"),
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("decision") == "returned" and not (cleaned.get("comments") or "").strip():
            self.add_error("comments", _("退回修改时请填写意见，说明需要修改的内容。"))
        return cleaned


class WithholdForm(forms.Form):
    """A problem held back from the public bulletin (不予公开): which, why, who agreed."""

    finding = forms.TypedChoiceField(label=_("不予公开的问题"), coerce=int)
    reason = forms.CharField(
        label=_("不予公开的理由"),
        max_length=1_000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("例如：相关问题线索正在调查核实中。"),
    )
    agreed_by = forms.CharField(
        label=_("同意人"), max_length=200, help_text=_("同意不予公开的负责人，例如：巡察工作领导小组组长 张某某")
    )

    def __init__(self, *args, findings, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Whole headings: a cut one would be neither the data nor a translatable text.
        choices = [(f.pk, f.heading) for f in findings]
        self.fields["finding"].choices = [("", _("请选择问题")), *choices]
