"""Selects for pages with many of them (the measure list's filter form and bulk bar).

Django renders a select through a template that includes a sub-template per option
(~0.1 ms each), and reads a model select's rows once per select; a district supervisor's
filter form has thousands of options, and the owner and leader selects list the same
people.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.choices import BaseChoiceIterator
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeString, mark_safe


def attrs_html(attrs: dict[str, Any]) -> SafeString:
    """As django/forms/widgets/attrs.html: ``True`` is a bare name, ``False`` is left out."""
    return mark_safe(  # every piece comes from format_html
        "".join(
            format_html(" {}", name) if value is True else format_html(' {}="{}"', name, str(value))
            for name, value in attrs.items()
            if value is not False
        )
    )


class FastSelect(forms.Select):
    """A single select whose options are formatted in Python. Same markup as Django's
    template, minus whitespace."""

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
        tag = format_html('<select name="{}"{}>', name, attrs_html(self.build_attrs(self.attrs, attrs)))
        return mark_safe(tag + "".join(options) + "</select>")


class SharedRows:
    """A queryset's rows, read on first use and kept, for several selects to share."""

    def __init__(self, queryset: QuerySet) -> None:
        self.queryset = queryset
        self._rows: list | None = None

    def __iter__(self) -> Iterator:
        if self._rows is None:
            self._rows = list(self.queryset)
        return iter(self._rows)


class ModelOptions(BaseChoiceIterator):
    """A ModelChoiceField's options from ``SharedRows``: read lazily (a page that does not
    render the select never queries), once for every select listing the same rows, and
    with one plain query. Django's ModelChoiceIterator reads the rows again for each
    select, through a server-side cursor on PostgreSQL (DECLARE, FETCH, CLOSE), after a
    COUNT when anything asks for its length."""

    def __init__(self, field: forms.ModelChoiceField, rows: SharedRows | None = None) -> None:
        self.field = field
        self.rows = rows if rows is not None else SharedRows(field.queryset)

    def __iter__(self) -> Iterator[tuple[Any, str]]:
        if self.field.empty_label is not None:
            yield "", self.field.empty_label
        yield from self._choices(self.rows)

    def _choices(self, objs: Iterable[Any]) -> Iterator[tuple[Any, str]]:
        for obj in objs:
            yield self.field.prepare_value(obj), self.field.label_from_instance(obj)


class CappedOptions(ModelOptions):
    """The options of a select whose rows may be too many to be of use (a district's 1,200
    people): ``rows``, read with at most ``cap`` + 1 of them, are listed when they are no
    more than ``cap``; otherwise the empty choice says what to choose first (``hint``) and
    nothing else is listed. The ``selected`` row is always listed, read on its own when
    it is not among the rows."""

    def __init__(self, field: forms.ModelChoiceField, rows: SharedRows, *, cap: int, selected: str, hint: str) -> None:
        super().__init__(field, rows)
        self.cap, self.selected, self.hint = cap, selected, hint

    def capped(self) -> bool:
        return len(list(self.rows)) > self.cap

    def __iter__(self) -> Iterator[tuple[Any, str]]:
        if self.capped():
            yield "", self.hint
            rows = []
        else:
            yield "", self.field.empty_label
            rows = list(self.rows)
        if self.selected and all(str(obj.pk) != self.selected for obj in rows):
            rows = [*rows, *self.field.queryset.filter(pk=self.selected)]
        yield from self._choices(rows)


def share_options(*fields: forms.ModelChoiceField) -> None:
    """Let the selects of ``fields`` show the rows of one read of the first field's
    queryset; validation still uses each field's own queryset."""
    rows = SharedRows(fields[0].queryset)
    for field in fields:
        field.widget.choices = ModelOptions(field, rows)
