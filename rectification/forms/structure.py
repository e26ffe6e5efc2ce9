"""Forms of the structure editor and the measure list's bulk bar.

They only parse input; rules (dates in order, deadlines by kind, who may change what)
live in services/structure.py, whose ValidationErrors the views show on the form.
"""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ..models import Finding, InspectionKind, Measure, Organisation, Person
from ..widgets import FastSelect, share_options

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class InspectionForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("被巡察党组织"), queryset=Organisation.objects.none(), empty_label=None
    )
    deployed_by = forms.CharField(label=_("巡察部署单位"), max_length=100, initial="区委")
    team = forms.CharField(label=_("巡察组"), max_length=100, help_text=_("例如：区委第四巡察组"))
    onsite_start = forms.DateField(label=_("进驻开始日期"), widget=DATE)
    onsite_end = forms.DateField(label=_("进驻结束日期"), widget=DATE)
    feedback_on = forms.DateField(label=_("反馈日期"), widget=DATE)
    deadline = forms.DateField(label=_("整改期限"), widget=DATE, required=False)
    kind = forms.ChoiceField(
        label=_("巡察类型"), choices=InspectionKind.choices, initial=InspectionKind.REGULAR, required=False
    )
    round_no = forms.IntegerField(
        label=_("巡察轮次"), required=False, min_value=1, max_value=999, help_text=_("区里编排的轮次，如第3轮填3")
    )

    def __init__(self, *args, organisations=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if organisations is None:  # editing: the organisation never changes
            del self.fields["organisation"]
        else:
            self.fields["organisation"].queryset = organisations

    def clean_kind(self) -> str:
        return self.cleaned_data["kind"] or InspectionKind.REGULAR  # forms from before kinds existed


class CategoryForm(forms.Form):
    title = forms.CharField(
        label=_("问题类别"), max_length=300, help_text=_("例如：关于党中央和上级各项决策部署落实情况方面")
    )


class FindingForm(forms.Form):
    heading = forms.CharField(label=_("整改事项"), max_length=300)
    problem = forms.CharField(
        label=_("问题描述（内部）"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    lead_in = forms.CharField(
        label=_("事项概述（公开）"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    parent = forms.ModelChoiceField(
        label=_("上级事项"),
        queryset=Finding.objects.none(),
        required=False,
        empty_label=_("（无，作为独立事项）"),
        help_text=_("选择后作为该事项的下级整改事项，在通报中编号为「（1）」"),
    )

    def __init__(self, *args, category, finding: Finding | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        parents = Finding.objects.filter(category=category, parent__isnull=True).order_by("position")
        if finding is not None:
            parents = parents.exclude(pk=finding.pk)
        self.fields["parent"].queryset = parents


class _PeopleMixin:
    """Choice fields over a person list loaded once, so that rendering the same form for
    every finding on the tree page costs no query."""

    def _set_people(self, people: Sequence[Person]) -> None:
        self._people = {str(p.pk): p for p in people}
        choices = [(str(p.pk), p.name) for p in people]
        for name in ("leader", "owner", "owners"):
            if name in self.fields:
                blank = [] if name == "owners" else [("", "—")]
                self.fields[name].choices = blank + choices

    def _person(self, value: str) -> Person | None:
        return self._people.get(value) if value else None


class MeasureForm(_PeopleMixin, forms.Form):
    title = forms.CharField(label=_("整改措施"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    kind = forms.ChoiceField(label=_("整改类型"), choices=Measure.Kind.choices, initial=Measure.Kind.TIME_BOUND)
    due_on = forms.DateField(label=_("完成时限"), widget=DATE, required=False, help_text=_("长期坚持的措施不填"))
    leader = forms.ChoiceField(label=_("责任领导"), required=False)
    owners = forms.MultipleChoiceField(label=_("责任人"), required=False, widget=forms.CheckboxSelectMultiple)
    new_owner_names = forms.CharField(
        label=_("新增责任人"),
        required=False,
        max_length=200,
        help_text=_("名单中没有的人员可直接填写姓名，多人用顿号分隔，将自动加入本党组织人员名单"),
    )
    unit = forms.CharField(label=_("责任部门"), max_length=100, required=False)
    note = forms.CharField(label=_("备注"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, people: Sequence[Person], plan_fixed: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._set_people(people)
        if plan_fixed:  # the plan is approved: a new measure or deadline is asked for, with a reason
            self.fields["change_reason"] = change_reason_field()

    def clean_leader(self) -> Person | None:
        return self._person(self.cleaned_data["leader"])

    def clean_owners(self) -> list[Person]:
        return [self._people[v] for v in self.cleaned_data["owners"]]


def change_reason_field() -> forms.CharField:
    """The reason a 方案调整 is asked for (the service requires it when it asks)."""
    return forms.CharField(
        label=_("调整理由"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("整改方案已审核通过：新增、删除措施或调整完成时限需报上级审批，请说明理由"),
    )


class ChangeReasonForm(forms.Form):
    """The reason asked on the delete confirmation when the plan is approved."""

    change_reason = change_reason_field()


class MeasureQuickForm(MeasureForm):
    """The inline 「添加措施」 form under each item: one responsible person, no notes."""

    owner = forms.ChoiceField(label=_("责任人"), required=False)
    field_order = ["title", "kind", "due_on", "leader", "owner", "new_owner_names", "change_reason"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("owners", "unit", "note"):
            del self.fields[name]

    def clean(self) -> dict:
        data = super().clean()
        owner = self._person(data.pop("owner", ""))
        data["owners"] = [owner] if owner else []
        return data


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", _("上移")), ("down", _("下移"))])


class _IdListField(forms.Field):
    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[int]:
        try:
            return [int(v) for v in value or []]
        except (TypeError, ValueError):
            raise ValidationError(_("无效的措施编号。")) from None


class BulkForm(forms.Form):
    ACTIONS = [
        ("status", _("修改状态")),
        ("owner", _("更换责任人")),
        ("leader", _("更换责任领导")),
        ("due_on", _("修改完成时限")),
    ]
    measure = _IdListField(required=False)
    action = forms.ChoiceField(label=_("批量操作"), choices=ACTIONS, widget=FastSelect)
    to_status = forms.ChoiceField(
        label=_("改为状态"), choices=[("", "—"), *Measure.Status.choices], required=False, widget=FastSelect
    )
    reason = forms.CharField(label=_("理由"), required=False, max_length=500)
    owner = forms.ModelChoiceField(label=_("责任人"), queryset=Person.objects.none(), required=False, widget=FastSelect)
    leader = forms.ModelChoiceField(
        label=_("责任领导"), queryset=Person.objects.none(), required=False, widget=FastSelect
    )
    due_on = forms.DateField(label=_("完成时限"), widget=DATE, required=False)
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    NEEDS = {"status": "to_status", "owner": "owner", "leader": "leader", "due_on": "due_on"}

    def __init__(self, *args, people=None, **kwargs) -> None:
        kwargs.setdefault("auto_id", "bulk_%s")  # the list's filter form has an owner and a leader too
        super().__init__(*args, **kwargs)
        if people is not None:
            self.fields["owner"].queryset = self.fields["leader"].queryset = people
            share_options(self.fields["owner"], self.fields["leader"])  # the same people: one read

    def clean(self) -> dict:
        data = super().clean()
        needed = self.NEEDS.get(data.get("action", ""))
        if needed and not data.get(needed):
            self.add_error(needed, _("请填写此项。"))
        return data

    def service_kwargs(self) -> dict:
        """Only the field that belongs to the chosen action goes to the service."""
        action, data = self.cleaned_data["action"], self.cleaned_data
        kwargs = {"measure_ids": data["measure"]}
        if action == "status":
            kwargs |= {"to_status": data["to_status"], "reason": data["reason"]}
        else:
            kwargs[action] = data[action]
        return kwargs
