"""Forms of the register of comments from the public (意见建议登记簿) and of the public
page's comment form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import COMMENT_MAX_CHARS, PublicComment
from ..services.comments import MAX_CONTACT, MAX_NAME


class PublicCommentForm(forms.Form):
    """The public page's form (always rendered in Chinese, like the document it follows).
    ``website`` is the honeypot: hidden from people, filled by form-filling robots."""

    body = forms.CharField(
        label="意见建议",
        max_length=COMMENT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": COMMENT_MAX_CHARS}),
        error_messages={"required": "请填写意见建议。", "max_length": "意见建议最多 2000 字。"},
    )
    name = forms.CharField(label="姓名（选填）", max_length=MAX_NAME, required=False)
    contact = forms.CharField(label="联系方式（选填，便于答复）", max_length=MAX_CONTACT, required=False)
    website = forms.CharField(
        label="网址（请勿填写）",
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )


class CommentLogForm(forms.Form):
    """A comment that came by phone, letter, e-mail or in person."""

    channel = forms.ChoiceField(
        label=_("来源"), choices=[c for c in PublicComment.Channel.choices if c[0] != PublicComment.Channel.WEB]
    )
    received_on = forms.DateField(
        label=_("收到日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    name = forms.CharField(label=_("姓名"), max_length=MAX_NAME, required=False)
    contact = forms.CharField(label=_("联系方式"), max_length=MAX_CONTACT, required=False)
    body = forms.CharField(label=_("意见建议"), max_length=COMMENT_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 5}))


class CommentAnswerForm(forms.Form):
    assignee = forms.TypedChoiceField(label=_("承办人"), coerce=int, required=False, empty_value=None)
    answer = forms.CharField(
        label=_("答复情况"), max_length=COMMENT_MAX_CHARS, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, users=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", "—"), *((u.pk, u.first_name or u.username) for u in users)]
