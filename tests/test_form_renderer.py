"""The form renderer writes plain inputs without templates; the markup must be Django's."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import django.forms
import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils import translation
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from rectification.forms.renderer import FastInputRenderer, render_input, render_option

DJANGO_FORMS = Path(django.forms.__file__).parent / "templates"
TRICKY = "a \"quoted\" <b>&amp; 'text'"


class EveryInput(forms.Form):
    text = forms.CharField(max_length=10, widget=forms.TextInput(attrs={"placeholder": TRICKY, "autofocus": True}))
    hidden = forms.CharField(widget=forms.HiddenInput)
    number = forms.DecimalField(min_value=0, max_value=366, decimal_places=1)
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    when = forms.DateTimeField()
    at = forms.TimeField()
    email = forms.EmailField(required=False, widget=forms.EmailInput(attrs={"disabled": False}))
    password = forms.CharField(widget=forms.PasswordInput(render_value=True))
    search = forms.CharField(widget=forms.TextInput(attrs={"type": "search", "data-x": mark_safe("<safe>")}))
    url = forms.URLField(assume_scheme="https")
    flag = forms.BooleanField(required=False)
    colour = forms.CharField(widget=forms.TextInput(attrs={"type": "color"}))
    statuses = forms.MultipleChoiceField(
        choices=[("a", TRICKY), ("b", _("已完成")), (3, 4.5), ("d", mark_safe("<i>safe</i>"))],
        widget=forms.CheckboxSelectMultiple,
    )
    one = forms.ChoiceField(choices=[("x", "X"), ("y", "Y")], widget=forms.RadioSelect)
    plain = forms.ChoiceField(choices=[("x", "X")], widget=forms.RadioSelect(attrs={}))


DATA = {
    "text": TRICKY,
    "hidden": mark_safe("<already safe>"),
    "number": "12.5",
    "date": "2025-06-30",
    "when": "2025-06-30 08:15",
    "at": "08:15",
    "email": "",
    "password": "s3cret&",
    "search": "x",
    "url": "https://example.org/?a=1&b=2",
    "flag": "on",
    "colour": "#ff0000",
    "statuses": ["a", "3"],
    "one": "y",
}
INITIAL = {
    "number": Decimal("1.5"),
    "date": dt.date(2025, 6, 30),
    "when": dt.datetime(2025, 6, 30, 8, 15),
    "flag": False,
}


def _every_widget(form: forms.Form) -> list[str]:
    """Each field whole, each option of the choice fields as .tag() and as the wrapped label."""
    out = []
    for bound in form:
        out.append(str(bound))
        if isinstance(bound.field.widget, forms.widgets.ChoiceWidget):
            out += [part for box in bound for part in (box.tag(), str(box))]
    return out


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("bound", [True, False], ids=["bound", "initial"])
def test_same_markup_as_djangos_templates(language, bound):
    with translation.override(language):
        args = {"data": DATA} if bound else {"initial": INITIAL}
        fast = _every_widget(EveryInput(**args, renderer=FastInputRenderer()))
        django = _every_widget(EveryInput(**args, renderer=DjangoTemplates()))
    assert fast == django
    assert any('="a &quot;quoted&quot; &lt;b&gt;&amp;amp;' in html for html in fast)  # escaped once, like Django


def test_the_settings_use_it():
    from django.forms.renderers import get_default_renderer

    renderer = get_default_renderer()
    assert isinstance(renderer, FastInputRenderer) and renderer.fast  # Django's own widget templates: the fast path


def test_an_overridden_widget_template_turns_the_fast_path_off(tmp_path: Path):
    """Were input.html overridden (a renderer whose engine looks somewhere first), that
    template must be used: then nothing is written by hand."""
    widgets = tmp_path / "django" / "forms" / "widgets"
    widgets.mkdir(parents=True)
    (widgets / "input.html").write_text('<input class="mine">')

    class Overridden(FastInputRenderer):
        @cached_property
        def engine(self):
            return self.backend(
                {"APP_DIRS": False, "DIRS": [tmp_path, DJANGO_FORMS], "NAME": "overridden", "OPTIONS": {}}
            )

    renderer = Overridden()
    assert renderer.fast == {}
    assert str(EveryInput(renderer=renderer)["text"]) == '<input class="mine">'


def test_option_without_id_or_wrap():
    widget = {"type": "checkbox", "name": "s", "value": "a", "attrs": {}, "label": "A", "wrap_label": True}
    assert render_option(widget) == '<label><input type="checkbox" name="s" value="a">\n A</label>'
    assert render_option({**widget, "wrap_label": False}) == render_input(widget)
