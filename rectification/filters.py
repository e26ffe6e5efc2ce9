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
from django.utils.translation import gettext_lazy as _

from .models import (
    Category,
    Inspection,
    Measure,
    MeasureKind,
    MeasureStatus,
    Organisation,
    Person,
    accepted_q,
    done_last,
    due_within_q,
    overdue_q,
    sent_back_q,
    stale_q,
)
from .permissions import organisation_scope
from .widgets import CappedOptions, FastSelect, SharedRows


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


class FastModelChoiceFilter(django_filters.ModelChoiceFilter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", FastSelect)
        super().__init__(*args, **kwargs)


# The deadline orders list signed-off measures last: a task list leads with what is left to do.
DONE_LAST = done_last()
SORTS = {
    "due_on": (
        DONE_LAST.asc(),
        F("due_on").asc(nulls_last=True),
        "finding__category__position",
        "finding__position",
        "position",
        "pk",
    ),
    "-due_on": (
        DONE_LAST.asc(),
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


# The most options a select of the list's filter form lists (see MeasureFilter._options).
OPTIONS_CAP = 200


class MeasureFilter(django_filters.FilterSet):
    # The selects whose options follow the chosen organisation (and inspection); the list
    # page re-renders them when those change (``_measure_filter_selects.html``).
    DEPENDENT_SELECTS = ("inspection", "category", "owner", "leader")

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
    kind = django_filters.ChoiceFilter(
        label=_("整改类型"), choices=MeasureKind.choices, empty_label=_("全部类型"), widget=FastSelect
    )
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
    sent_back = FlagFilter(label=_("只看被退回的"), method="filter_sent_back")
    accepted = FlagFilter(label=_("只看已验收的"), method="filter_accepted")
    stale = FlagFilter(label=_("只看长期未更新"), method="filter_stale")
    q = django_filters.CharFilter(label=_("搜索"), method="filter_text", max_length=100)
    mine = FlagFilter(label=_("只看我负责的"), method="filter_mine")
    sort = django_filters.ChoiceFilter(
        label=_("排序"), choices=SORT_CHOICES, method="filter_sort", empty_label=None, widget=FastSelect
    )

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
        self._options(data or {})

    def _options(self, data: Any) -> None:
        """What the selects show, each read with one plain query. With an organisation
        chosen, its inspections, categories and people only; with an inspection, its
        categories. A select whose rows would still be more than OPTIONS_CAP lists none and
        says what to choose first (``CappedOptions``): a district supervisor's page listed
        4,000 options (220 kB) nobody could pick from. Whatever is selected is always
        listed, and validation still accepts the whole scope, so a dashboard link combining
        any parameters keeps working. The owner and leader selects list the same people,
        read once."""
        fields = self.form.fields
        chosen = {name: str(data.get(name) or "") for name in self.DEPENDENT_SELECTS + ("organisation",)}
        chosen = {name: value if value.isdigit() else "" for name, value in chosen.items()}
        organisation, inspection = chosen["organisation"], chosen["inspection"]
        in_organisation = Q(organisation=organisation) if organisation else Q()
        if inspection:
            categories = Q(inspection=inspection)
        else:
            categories = Q(inspection__organisation=organisation) if organisation else Q()
        narrowed = {"inspection": in_organisation, "category": categories}
        people_hint = _("全部（选择党组织后列出，或按姓名搜索）")
        hints = {
            "inspection": _("全部（选择党组织后列出）"),
            "category": _("全部（选择巡察后列出）"),
            "owner": people_hint,
            "leader": people_hint,
        }
        people = SharedRows(fields["owner"].queryset.filter(in_organisation)[: OPTIONS_CAP + 1])
        for name in self.DEPENDENT_SELECTS:
            field = fields[name]
            if name in narrowed:
                rows = SharedRows(field.queryset.filter(narrowed[name])[: OPTIONS_CAP + 1])
            else:
                rows = people
            field.widget.choices = CappedOptions(field, rows, cap=OPTIONS_CAP, selected=chosen[name], hint=hints[name])

    def options_capped(self) -> bool:
        """Whether a select lists nothing until an organisation or inspection is chosen."""
        return any(self.form.fields[name].widget.choices.capped() for name in self.DEPENDENT_SELECTS)

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset.filter(overdue_q(self.today)) if value else queryset

    def filter_due_within(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset if value is None else queryset.filter(due_within_q(self.today, int(value)))

    def filter_sent_back(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset.filter(sent_back_q()) if value else queryset

    def filter_accepted(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset.filter(accepted_q()) if value else queryset

    def filter_stale(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset.filter(stale_q()) if value else queryset

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

    # ------------------------------------------------------------ what the selection means

    def _chosen(self) -> dict[str, Any]:
        """The valid, non-empty choices ({} for a form with errors: the list shows nothing)."""
        if not self.form.is_valid():
            return {}
        return {k: v for k, v in self.form.cleaned_data.items() if v not in (None, "", [], False)}

    def describe(self) -> list[str]:
        """The selection in words, one condition each ("状态：推进中、待销号", "只看超期"):
        the list's subtitle and the export's 筛选条件, never the raw parameters."""
        chosen = self._chosen()
        words = []
        for name, value in chosen.items():
            label = self.filters[name].label
            if name == "sort":
                if value != "due_on":  # the default order says nothing
                    words.append(f"{label}{_('：')}{dict(SORT_CHOICES)[value]}")
            elif isinstance(self.filters[name], FlagFilter):
                words.append(str(label))
            elif name == "due_within":
                words.append(str(_("{n} 日内到期")).format(n=int(value)))
            elif name == "status":
                labels = dict(MeasureStatus.choices)
                words.append(f"{label}{_('：')}{_('、').join(str(labels[v]) for v in value)}")
            elif name == "kind":
                words.append(f"{label}{_('：')}{dict(MeasureKind.choices)[value]}")
            elif name == "q":
                words.append(f"{label}{_('：')}“{value}”")
            else:  # an organisation, inspection, category or person
                words.append(f"{label}{_('：')}{value}")
        return words

    def title(self) -> str:
        """The list's heading: whose measures and which ones ("我负责的超期措施",
        "全部待销号的措施"); 「我的整改任务」 only for a person's own list unfiltered."""
        chosen = self._chosen()
        whose = _("我负责的") if chosen.get("mine") else ""
        if chosen.get("organisation"):
            whose = f"{chosen['organisation']} · {whose}"
        statuses = chosen.get("status") or []
        if chosen.get("overdue"):
            what = _("超期措施")
        elif chosen.get("sent_back"):
            what = _("被退回的措施")
        elif chosen.get("accepted"):
            what = _("已验收的措施")
        elif chosen.get("stale"):
            what = _("长期未更新的措施")
        elif chosen.get("due_within") is not None:
            what = str(_("{n} 日内到期的措施")).format(n=int(chosen["due_within"]))
        elif len(statuses) == 1:
            what = str(_("“{status}”的措施")).format(status=dict(MeasureStatus.choices)[statuses[0]])
        elif chosen.get("mine") and set(chosen) <= {"mine", "sort"}:
            return str(_("我的整改任务"))
        else:
            what = _("整改措施")
        return f"{whose or _('全部')}{what}"

    def filter_sort(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.order_by(*SORTS.get(value, SORTS["due_on"]))
