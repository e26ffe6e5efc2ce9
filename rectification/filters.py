"""django-filter FilterSets, used by selectors (never by views directly).

MeasureFilter's parameter names are a contract: the dashboard links to the measure list
with them, so that a figure and the rows behind it are counted by the same rules.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from .models import (
    Category,
    Inspection,
    Measure,
    MeasureKind,
    MeasureStatus,
    Organisation,
    Person,
    due_within_q,
    overdue_q,
)
from .permissions import organisation_scope


class FlagInput(forms.CheckboxInput):
    """A checkbox sent as ``name=1``; only "1", "true" and "on" count as ticked."""

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs, check_test=bool)

    def format_value(self, value: Any) -> str:
        return "1"

    def value_from_datadict(self, data, files, name: str) -> bool:
        return str(data.get(name, "")).lower() in ("1", "true", "on")


class FlagFilter(django_filters.BooleanFilter):
    field_class = forms.BooleanField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", FlagInput)
        super().__init__(*args, **kwargs)


def _attrs_html(attrs: dict[str, Any]) -> SafeString:
    """As django/forms/widgets/attrs.html: ``True`` is a bare name, ``False`` is left out."""
    return mark_safe(  # every piece comes from format_html
        "".join(
            format_html(" {}", name) if value is True else format_html(' {}="{}"', name, str(value))
            for name, value in attrs.items()
            if value is not False
        )
    )


class FastSelect(forms.Select):
    """A single select whose options are formatted in Python: Django's select template
    includes a sub-template per option (~0.1 ms each), and a district supervisor's filter
    form has thousands of options. Same markup as Django's template, minus whitespace."""

    def render(self, name: str, value: Any, attrs: dict | None = None, renderer=None) -> SafeString:
        chosen = set(self.format_value(value))
        options, found = [], False
        for option_value, label in self.choices:
            option = "" if option_value is None else str(option_value)
            selected = not found and option in chosen
            found = found or selected
            # escape() + an f-string: format_html per option cost as much as the rest of the page.
            options.append(
                f'<option value="{escape(option)}"{" selected" if selected else ""}>{conditional_escape(label)}</option>'
            )
        tag = format_html('<select name="{}"{}>', name, _attrs_html(self.build_attrs(self.attrs, attrs)))
        return mark_safe(tag + "".join(options) + "</select>")


class FastModelChoiceFilter(django_filters.ModelChoiceFilter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", FastSelect)
        super().__init__(*args, **kwargs)


SORTS = {
    "due_on": (F("due_on").asc(nulls_last=True), "finding__category__position", "finding__position", "position", "pk"),
    "-due_on": (
        F("due_on").desc(nulls_last=True),
        "finding__category__position",
        "finding__position",
        "position",
        "pk",
    ),
    "ledger": (
        "finding__category__inspection_id",
        "finding__category__position",
        "finding__position",
        "position",
        "pk",
    ),
    "-updated": ("-updated_at", "-pk"),
}
SORT_CHOICES = [
    ("due_on", _("时限由近到远")),
    ("-due_on", _("时限由远到近")),
    ("ledger", _("台账顺序")),
    ("-updated", _("最近更新")),
]


class MeasureFilter(django_filters.FilterSet):
    organisation = FastModelChoiceFilter(
        label=_("党组织"),
        field_name="finding__category__inspection__organisation",
        queryset=Organisation.objects.none(),
        empty_label=_("全部"),
    )
    inspection = FastModelChoiceFilter(
        label=_("巡察"),
        field_name="finding__category__inspection",
        queryset=Inspection.objects.none(),
        empty_label=_("全部"),
    )
    category = FastModelChoiceFilter(
        label=_("问题类别"), field_name="finding__category", queryset=Category.objects.none(), empty_label=_("全部")
    )
    status = django_filters.MultipleChoiceFilter(
        label=_("状态"), choices=MeasureStatus.choices, widget=forms.CheckboxSelectMultiple
    )
    kind = django_filters.ChoiceFilter(label=_("整改类型"), choices=MeasureKind.choices, empty_label=_("全部类型"))
    overdue = FlagFilter(label=_("只看超期"), method="filter_overdue")
    due_within = django_filters.NumberFilter(
        label=_("几天内到期"), method="filter_due_within", min_value=0, max_value=366, decimal_places=0
    )
    owner = FastModelChoiceFilter(
        label=_("责任人"), field_name="owners", queryset=Person.objects.none(), empty_label=_("全部")
    )
    leader = FastModelChoiceFilter(
        label=_("责任领导"), field_name="leader", queryset=Person.objects.none(), empty_label=_("全部")
    )
    q = django_filters.CharFilter(label=_("搜索"), method="filter_text", max_length=100)
    mine = FlagFilter(label=_("只看我负责的"), method="filter_mine")
    sort = django_filters.ChoiceFilter(label=_("排序"), choices=SORT_CHOICES, method="filter_sort", empty_label=None)

    class Meta:
        model = Measure
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, user, today: dt.date, **kwargs: Any) -> None:
        if queryset is not None:
            queryset = queryset.order_by(*SORTS["due_on"])  # the default; ``sort`` replaces it
        super().__init__(data, queryset, **kwargs)
        self.user, self.today = user, today
        organisations = Organisation.objects.filter(organisation_scope(user))
        inspections = Inspection.objects.filter(organisation__in=organisations)
        self.filters["organisation"].queryset = organisations
        self.filters["inspection"].queryset = inspections.select_related("organisation")
        self.filters["category"].queryset = Category.objects.filter(inspection__in=inspections)
        self.filters["owner"].queryset = self.filters["leader"].queryset = Person.objects.filter(
            organisation__in=organisations
        )
        # Categories only of the chosen inspection: a district supervisor's full list is useless.
        chosen = (data or {}).get("inspection")
        if chosen and str(chosen).isdigit():
            self.form.fields["category"].queryset = Category.objects.filter(
                inspection__in=inspections, inspection=chosen
            )
        self._show_only_chosen_organisation(data or {})

    def _show_only_chosen_organisation(self, data: Any) -> None:
        """With an organisation chosen, its inspections, categories and people are the only
        options shown (plus whatever is selected). Validation still accepts the whole scope,
        so a dashboard link combining any parameters keeps working."""
        organisation = str(data.get("organisation") or "")
        if not organisation.isdigit():
            return
        shown = {
            "inspection": Q(organisation=organisation),
            "category": Q(inspection__organisation=organisation),
            "owner": Q(organisation=organisation),
            "leader": Q(organisation=organisation),
        }
        for name, in_organisation in shown.items():
            field = self.form.fields[name]
            selected = str(data.get(name) or "")
            keep = in_organisation | Q(pk=selected) if selected.isdigit() else in_organisation
            choices = field.iterator(field)
            choices.queryset = field.queryset.filter(keep)
            field.widget.choices = choices

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset.filter(overdue_q(self.today)) if value else queryset

    def filter_due_within(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset if value is None else queryset.filter(due_within_q(self.today, int(value)))

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        owner_named = Person.objects.filter(owned_measures=OuterRef("pk"), name__icontains=value)
        return queryset.filter(
            Q(title__icontains=value)
            | Q(progress__icontains=value)
            | Q(finding__heading__icontains=value)
            | Q(unit__icontains=value)
            | Q(leader__name__icontains=value)
            | Exists(owner_named)
        )

    def filter_mine(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        if not value:
            return queryset
        owned = Person.objects.filter(owned_measures=OuterRef("pk"), user=self.user)
        return queryset.filter(Q(leader__user=self.user) | Exists(owned))

    def filter_sort(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.order_by(*SORTS.get(value, SORTS["due_on"]))
