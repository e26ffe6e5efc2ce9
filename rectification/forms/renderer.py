"""The form renderer (settings.FORM_RENDERER): Django's own, with its plain ``<input>``
widgets formatted in Python.

Django renders each widget through templates: a text box is three of them (text.html
includes input.html, which includes attrs.html), 0.1–0.3 ms on a 2-core server, and the
measure list alone renders a dozen inputs (its filter checkboxes, the bulk bar) on every
request. These functions write the same markup, byte for byte
(tests/test_form_renderer.py renders every widget both ways). Every other template (selects,
textareas, whole forms and fields) goes through Django's templates as before, and so does
everything when a project or app template overrides one of the widget templates taken
here, so an override is never skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import django.forms
from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.functional import cached_property
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData, mark_safe
from django.utils.timezone import template_localtime

from ..widgets import attrs_html

WIDGETS = "django/forms/widgets/"
DJANGO_WIDGETS = Path(django.forms.__file__).parent / "templates" / WIDGETS
# Templates that are input.html and nothing else.
INPUTS = ("input", "text", "hidden", "checkbox", "date", "datetime", "time", "number", "email", "file")
INPUTS += ("password", "search", "url", "tel", "color")
OPTIONS = ("input_option", "checkbox_option", "radio_option")  # input.html, maybe in a <label>


def _formatted(value: Any) -> str:
    """``{{ value|stringformat:"s" }}``: escaped, unless it was safe already."""
    text = str(value)  # what "%s" gives, tuples included
    return mark_safe(text) if isinstance(value, SafeData) else escape(text)


def _shown(value: Any) -> str:
    """``{{ value }}``: localised, in local time, escaped unless safe."""
    return conditional_escape(localize(template_localtime(value)))


def render_input(widget: Mapping[str, Any]) -> str:
    """django/forms/widgets/input.html."""
    value = "" if widget["value"] is None else f' value="{_formatted(widget["value"])}"'
    return (
        f'<input type="{_shown(widget["type"])}" name="{_shown(widget["name"])}"{value}{attrs_html(widget["attrs"])}>'
    )


def render_option(widget: Mapping[str, Any]) -> str:
    """django/forms/widgets/input_option.html: the input, in its label when wrapped."""
    if not widget.get("wrap_label"):
        return render_input(widget)
    label_for = f' for="{_shown(widget["attrs"]["id"])}"' if widget["attrs"].get("id") else ""
    # The included input.html keeps its closing line break (only the outer render is stripped).
    return f"<label{label_for}>{render_input(widget)}\n {_shown(widget['label'])}</label>"


class FastInputRenderer(DjangoTemplates):
    @cached_property
    def fast(self) -> dict[str, Callable[[Mapping[str, Any]], str]]:
        """Template name -> function; empty when any template involved is overridden."""
        fast: dict[str, Callable[[Mapping[str, Any]], str]] = {f"{WIDGETS}{n}.html": render_input for n in INPUTS}
        fast.update({f"{WIDGETS}{n}.html": render_option for n in OPTIONS})
        involved = [*fast, f"{WIDGETS}attrs.html"]
        if any(
            Path(self.get_template(name).origin.name) != DJANGO_WIDGETS / name.removeprefix(WIDGETS)
            for name in involved
        ):
            return {}
        return fast

    def render(self, template_name: str, context: dict[str, Any], request=None) -> str:
        write = self.fast.get(template_name)
        if write is None:
            return super().render(template_name, context, request)
        return write(context["widget"])
