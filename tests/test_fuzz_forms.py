"""Hostile input into every form: no 500, nothing stored that should not be.

The forms are discovered, not listed: every page of the authorisation matrix that a
persona may open is fetched and each ``<form method="post">`` on it is read (fields,
current values, options). Then:

- text rounds: one hostile string into every text field of every form, submitted in
  turn (each form re-read first, so hidden versions are current); every page is then
  rendered again with that data in place (HTML, xlsx, PDF) — no 500, no raw markup;
- chaos: every field of every form gets a random hostile value (numbers, dates,
  choices, ids of other organisations …), seeded, one submission at a time;
- query strings: every page with hostile query parameters.
After each submission the database is scanned: no control characters (NUL included)
in any text column. A POST URL that no page shows and that is not in UNREACHABLE fails
``test_every_post_url_is_fuzzed``.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

import openpyxl
import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models, transaction
from django.db.models import Q
from django.test import Client
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils import timezone

from rectification import services
from rectification.documents.kinds.upward import SECTIONS
from rectification.models import (
    BulletinReview,
    Finding,
    Inspection,
    Measure,
    PublicComment,
    ReCheck,
    ReportingRules,
    UpwardDocument,
)

from .test_authz_matrix import MATRIX, PERSONAS
from .test_authz_matrix import world as world  # a fixture, used by fuzz_world

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
SCRIPT = "<script>alert('xss')</script>"
HOSTILE_TEXT = [
    "长" * 6_000 + "end",  # very long (longer than every field's limit)
    # Invisible and exotic characters: NUL, C0 controls (Word pastes \x0b), bidi overrides,
    # zero-width and BOM, ideographic space, mixed scripts, astral plane, emoji sequences.
    "NUL\x00 controls \x01\x02\x07\x08\x0b\x0c\x0e\x1b[31m\x1f\x7f bidi \u202egnp.exe\u202c zero\u200bwidth "
    "\ufeffbom \u3000全角 整改 Ελληνικά العربية עברית 𠀀𪚥 🚩👍🏽 \U0001f468\u200d\U0001f469\u200d\U0001f467",
    # Injection: spreadsheet formula first (it only counts at the start), then SQL, HTML, templates.
    '=HYPERLINK("http://evil.example","x")+cmd|\' /C calc\'!A0 \'; DROP TABLE rectification_measure; -- '
    '" OR 1=1 -- ' + SCRIPT + '<img src=x onerror="alert(1)"><a href="javascript:alert(1)">x</a>'
    "{{ request }}{% debug %} %s %(x)s {0} ${7*7} ..\\..\\etc\\passwd /../../",
    "   \t\r\n   ",  # only whitespace
    "\r\n\r\n\r\nline\rbreaks\n@SUM(1+1)",
]
HOSTILE_NUMBERS = [
    "-1",
    "0",
    "99999999999999999999999",
    "1e400",
    "NaN",
    "Infinity",
    "١٢",
    "0x10",
    " 7 ",
    "1\x00",
    "1.5",
]
HOSTILE_DATES = [
    "2025-02-30",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "２０２５-０１-０１",
    "2025-13-01",
    "yesterday",
]
HOSTILE_CHOICES = ["", "' OR 1=1 --", SCRIPT, "\x00", "__all__", "-1", "长" * 500]
# Control characters no text column may hold (tab, newline and carriage return are text).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# POST URLs no page shows a form for, with the reason.
UNREACHABLE = {
    "rectification:ledger_import_confirm": "needs an uploaded workbook: see test_ledger_import_with_hostile_workbooks",
    "rectification:public_bulletin_list": "GET only",
    "rectification:onboarding_upload": "the system administrator's form (these clients are the secretary's and "
    "the public's): see test_onboarding_views.test_hostile_workbooks_are_explained_or_imported_never_a_500",
    "rectification:onboarding_confirm": "as onboarding_upload",
    "rectification:upward_review": "a supervisor's form (these clients are the secretary's and the public's): "
    "see test_upward_views.test_hostile_review_input_is_refused_or_cleaned",
    "rectification:measure_acceptance": "a supervisor's form, as upward_review: "
    "see test_acceptance.test_hostile_acceptance_input_is_refused_or_cleaned",
    "rectification:plan_change_decide": "a supervisor's form, as upward_review: "
    "see test_plan_changes_views.test_hostile_decision_input_is_refused_or_cleaned",
    "rectification:bulletin_review_decide": "a supervisor's form, as upward_review: "
    "see test_bulletin_review_views.test_hostile_decision_input_is_refused_or_cleaned",
    "rectification:urging_new": "a supervisor's form, as upward_review: "
    "see test_urging.test_hostile_letter_and_talk_input_is_refused_or_cleaned",
    "rectification:talk_new": "a supervisor's form, as upward_review: "
    "see test_urging.test_hostile_letter_and_talk_input_is_refused_or_cleaned",
    "rectification:acceptance_opinion": "a supervisor's form, as upward_review: "
    "see test_acceptance_opinion.test_hostile_opinion_input_is_refused_or_cleaned",
    "rectification:urging_edit": "a supervisor's form, as urging_new: "
    "see test_urging_changes.test_hostile_revision_and_withdrawal_input_is_refused_or_cleaned",
    "rectification:urging_withdraw": "a supervisor's form, as urging_new: "
    "see test_urging_changes.test_hostile_revision_and_withdrawal_input_is_refused_or_cleaned",
    "rectification:urging_close": "a supervisor's button, as urging_new: "
    "see test_urging_changes.test_after_the_reply_no_change_then_the_supervisor_closes_it",
    "otp_verify": "shown only while a login's second step is pending: "
    "see test_second_factor.test_hostile_codes_are_refused",
}
FIELD_TEXT_TYPES = {"text", "search", "password", "email", "url", "tel", ""}
VERSION_FIELDS = {"version", "expected_version"}
REQUIRED_TICKS = {"attest", "confirm"}  # checkboxes a valid submission has ticked
BINARY_SUFFIXES = (".pdf", ".xlsx", ".docx")


# ------------------------------------------------------------------ reading forms


@dataclass
class FormField:
    name: str
    kind: str  # text, textarea, hidden, number, date, select, checkbox, radio, file, submit
    value: str = ""
    options: list[str] = field(default_factory=list)
    checked: bool = False


@dataclass
class HtmlForm:
    action: str
    fields: list[FormField] = field(default_factory=list)
    alternatives: list[str] = field(default_factory=list)  # <button formaction=…>


class _FormParser(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url, self.forms, self._form, self._select, self._textarea = page_url, [], None, None, None

    def handle_starttag(self, tag: str, attrs_list) -> None:
        attrs = {k: v or "" for k, v in attrs_list}
        if tag == "form":
            post = attrs.get("method", "get").lower() == "post"
            self._form = HtmlForm(urljoin(self.page_url, attrs.get("action") or self.page_url)) if post else None
            if self._form:
                self.forms.append(self._form)
        if tag == "option" and self._select is not None:
            self._select.options.append(attrs.get("value", ""))
            if "selected" in attrs:
                self._select.value = attrs.get("value", "")
            return
        if tag == "button" and self._form is not None and attrs.get("formaction") and "name" not in attrs:
            self._form.alternatives.append(urljoin(self.page_url, attrs["formaction"]))
        if self._form is None or "name" not in attrs:
            return
        elif tag == "input":
            kind = attrs.get("type", "text").lower()
            self._form.fields.append(FormField(attrs["name"], kind, attrs.get("value", ""), checked="checked" in attrs))
        elif tag == "textarea":
            self._textarea = FormField(attrs["name"], "textarea")
            self._form.fields.append(self._textarea)
        elif tag == "select":
            self._select = FormField(attrs["name"], "select", checked="multiple" in attrs)
            self._form.fields.append(self._select)
        elif tag == "button" and attrs.get("type", "submit") == "submit":
            self._form.fields.append(FormField(attrs["name"], "submit", attrs.get("value", "")))
        if tag == "button" and attrs.get("formaction"):
            self._form.alternatives.append(urljoin(self.page_url, attrs["formaction"]))

    def handle_startendtag(self, tag, attrs) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            # HTML drops the newline that directly follows <textarea>.
            self._textarea.value += data[1:] if not self._textarea.value and data.startswith("\n") else data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _forms_on(client: Client, url: str) -> list[HtmlForm]:
    response = client.get(url)
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return []
    parser = _FormParser("http://testserver" + url)
    parser.feed(response.content.decode())
    alternatives = [HtmlForm(a, f.fields) for f in parser.forms for a in f.alternatives]
    return parser.forms + alternatives


def _url_name(url: str) -> str | None:
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return None
    return f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name


# ------------------------------------------------------------------ filling forms


def _base_value(f: FormField) -> str | list[str] | None:
    """What a person who changes nothing would send (plus a date where one is needed)."""
    if f.kind in ("checkbox", "radio"):
        return f.value if f.checked else None
    if f.kind == "select":
        return f.value or next((o for o in f.options if o), "")
    if f.kind == "date":
        return f.value or "2026-06-30"  # later than every deadline of the world
    if f.kind == "submit":
        return None
    return f.value


def _submission(form: HtmlForm, override) -> dict:
    """The form's data with ``override(field) -> value | None`` applied (None: keep)."""
    data: dict[str, list] = {}
    for f in form.fields:
        if f.kind == "file":
            data.setdefault(f.name, []).append(SimpleUploadedFile("照片.png", PNG))
            continue
        value = override(f)
        value = _base_value(f) if value is None else value
        if value is not None:
            data.setdefault(f.name, []).append(value)
    # The first submit button, as a browser sends it.
    submit = next((f for f in form.fields if f.kind == "submit" and f.name), None)
    if submit:
        data.setdefault(submit.name, [submit.value])
    return {k: v if len(v) > 1 else v[0] for k, v in data.items()}


def _is_text(f: FormField) -> bool:
    return f.kind == "textarea" or (f.kind in FIELD_TEXT_TYPES and f.name not in ("next", "csrfmiddlewaretoken"))


def _chaos_value(f: FormField, rng: random.Random, foreign_ids: list[str]) -> str | None:
    if f.kind == "file":
        return None
    pools = {
        "number": HOSTILE_NUMBERS,
        "date": HOSTILE_DATES,
        "select": HOSTILE_CHOICES + foreign_ids,
        "radio": HOSTILE_CHOICES,
        "checkbox": HOSTILE_CHOICES + foreign_ids,
        "hidden": HOSTILE_NUMBERS + HOSTILE_CHOICES + foreign_ids,
    }
    return rng.choice(pools.get(f.kind, HOSTILE_TEXT + HOSTILE_NUMBERS))


# ------------------------------------------------------------------ the world and its pages


@pytest.fixture
def fuzz_world(world):
    """The matrix world plus states that show more forms: a measure awaiting sign-off, a
    signed-off one with a pending re-check (回头看)."""
    a, staff = world.a, world.personas.staff_a
    from . import factories as f

    a.awaiting = f.measure(finding=a.finding, owners=[a.person], progress="已完成整改。")
    services.measure_report_progress(measure=a.measure, user=staff, progress="正在整改。")
    a.done = f.measure(finding=a.finding, owners=[a.person], status=Measure.Status.DONE, progress="已完成。")
    ReCheck.objects.create(measure=a.done, due_on=dt.date(2025, 9, 30))
    services.measure_change_status(measure=a.awaiting, user=staff, to_status=Measure.Status.AWAITING_SIGN_OFF)
    # A report in draft, every section filled: its page shows the editor and the submit form
    # (the plan is under review).
    filled = {"text": "整改", "lines": ["整改"], "date": "2025-06-30"}
    content = {s.key: filled[s.kind] for s in SECTIONS[UpwardDocument.Kind.REPORT]}
    a.report = UpwardDocument.objects.create(inspection=a.inspection, kind=UpwardDocument.Kind.REPORT, content=content)
    # The district requires the bulletin's review and the last submission was returned: the
    # editor shows the submit form; a second problem not held back shows the 不予公开 form.
    ReportingRules.objects.filter(organisation=world.personas.tree.district).update(bulletin_review_required=True)
    BulletinReview.objects.filter(pk=a.bulletin_review.pk).update(
        state="returned", comments="请修改", decided_by=staff, decided_at=timezone.now()
    )
    f.finding(category=a.category, heading="第二个问题")
    # An answered comment from the public: its page shows the close form (办结) too.
    PublicComment.objects.filter(pk=a.comment.pk).update(answer="已答复", answered_at=timezone.now(), answered_by=staff)
    # A problem brought in from an earlier round (a 回头看): its page shows the 反弹 form.
    earlier = f.inspection(organisation=a.inspection.organisation, feedback_on=dt.date(2024, 12, 30))
    old = f.finding(category=f.category(inspection=earlier), heading="前一轮的问题")
    Finding.objects.filter(pk=a.finding.pk).update(carried_from=old, carried_done=True)
    return world


def _pages(w) -> list[tuple[str, str]]:
    """(persona, url) of every page the matrix says the persona may open, A's objects."""
    pages = []
    for name, entry in MATRIX.items():
        if entry.get is None:
            continue
        wants = dict(zip(PERSONAS, entry.get.split(), strict=True))
        for persona in ("secretary_a", "anon"):  # the secretary sees every form staff see
            if wants[persona] == "200":
                url = reverse(name, kwargs=entry.kw(w.a) if entry.kw else None)
                pages.append((persona, url + ("?" + entry.query(w.a) if entry.query else "")))
    pages.append(("secretary_a", reverse("rectification:measure_detail", args=[w.a.awaiting.pk])))
    pages.append(("secretary_a", reverse("rectification:upward_document", args=[w.a.report.pk])))
    return pages


def _client(w, persona: str) -> Client:
    client = Client(raise_request_exception=False)
    if persona != "anon":
        client.force_login(getattr(w.personas, persona))
    return client


def _discover(w) -> dict[str, tuple[str, str, HtmlForm]]:
    """url name → (persona, page url, form), one form per target URL."""
    found: dict[str, tuple[str, str, HtmlForm]] = {}
    clients = {p: _client(w, p) for p in ("secretary_a", "anon")}
    for persona, page in _pages(w):
        if urlsplit(page).path.endswith(BINARY_SUFFIXES):
            continue  # exports and PDFs hold no forms
        for form in _forms_on(clients[persona], page):
            name = _url_name(form.action)
            if name and name not in found:
                found[name] = (persona, page, form)
    return found


def _order(name: str) -> tuple[int, str]:
    # Deletes and logout last: they take away what the other forms need.
    return (2 if name == "logout" else 1 if name.endswith("_delete") else 0, name)


# ------------------------------------------------------------------ checks


def _text_columns() -> list[tuple[type[models.Model], list[str]]]:
    found = []
    for model in apps.get_models():
        if model._meta.app_label not in ("rectification", "auth", "axes"):
            continue
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, models.CharField | models.TextField)]
        if names:
            found.append((model, names))
    return found


def _stored_controls() -> list[str]:
    """Rows whose text holds a control character (NUL: SQLite only; PostgreSQL refuses it)."""
    # PostgreSQL cannot store NUL (nor take it in a pattern); SQLite's REGEXP is Python's re.
    pattern = CONTROL.pattern if connection.vendor == "sqlite" else CONTROL.pattern.replace("\\x00", "\\x01")
    bad = []
    for model, names in _text_columns():
        q = Q()
        for name in names:
            q |= Q(**{f"{name}__regex": pattern})
        for row in model._default_manager.filter(q).values("pk", *names)[:3]:
            fields = [n for n in names if isinstance(row[n], str) and CONTROL.search(row[n])]
            bad.append(f"{model._meta.label} {row['pk']}: {fields}")
    return bad


def _post(client: Client, url: str, data: dict) -> int:
    return client.post(url, data).status_code


def _live_formulas(response) -> bool:
    """A text that starts with "=" must reach Excel as text, not as a formula it runs."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    book = openpyxl.load_workbook(io.BytesIO(content))
    return any(
        cell.data_type == "f" and "evil.example" in str(cell.value)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
    )


def _raw_markup(body: str) -> bool:
    return SCRIPT in body or 'onerror="alert' in body


# ------------------------------------------------------------------ tests


@pytest.mark.django_db
def test_every_post_url_is_fuzzed(fuzz_world):
    posting = {name for name, e in MATRIX.items() if e.post and set(e.post.split()) - {"405", "L"}}
    missing = sorted(posting - set(_discover(fuzz_world)) - set(UNREACHABLE))
    assert not missing, f"POST URLs that no page shows a form for (add a page state or UNREACHABLE): {missing}"


@pytest.mark.django_db
@pytest.mark.parametrize("index", range(len(HOSTILE_TEXT)))
def test_hostile_text_in_every_form_then_every_page(fuzz_world, index):
    """One hostile string into every text field of every form, then every page rendered."""
    w, text = fuzz_world, HOSTILE_TEXT[index]
    problems: list[str] = []
    clients = {p: _client(w, p) for p in ("secretary_a", "anon")}
    forms = _discover(w)
    for name in sorted(forms, key=_order):
        persona, page, form = forms[name]
        if not any(_is_text(f) for f in form.fields):
            continue  # nothing to put text into (moves, deletes, publish): the chaos test has them
        if any(f.name in VERSION_FIELDS for f in form.fields):
            # Re-read: an earlier submission moved the version on (or removed the form).
            form = next((f for f in _forms_on(clients[persona], page) if _url_name(f.action) == name), None)
            if form is None:
                continue
        data = _submission(form, lambda f: text if _is_text(f) else None)
        status = _post(clients[persona], urlsplit(form.action).path, data)
        if status >= 500:
            problems.append(f"POST {name} as {persona}: {status}")
    problems += [f"stored: {row}" for row in _stored_controls()]
    for persona, page in _pages(w):
        response = clients[persona].get(page)
        if response.status_code >= 500:
            problems.append(f"GET {page} as {persona}: {response.status_code}")
        elif "html" in response.get("Content-Type", "") and _raw_markup(response.content.decode()):
            problems.append(f"GET {page} as {persona}: hostile markup not escaped")
        elif "spreadsheetml" in response.get("Content-Type", "") and _live_formulas(response):
            problems.append(f"GET {page} as {persona}: user text became a live formula")
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_chaos_in_every_field_of_every_form(fuzz_world):
    w = fuzz_world
    rng = random.Random(20250121)
    foreign = [str(w.b.measure.pk), str(w.b.person.pk), str(w.b.organisation.pk), str(w.b.inspection.pk)]
    problems = []
    for name, (persona, _page, form) in sorted(_discover(w).items(), key=lambda kv: _order(kv[0])):
        with transaction.atomic():  # four submissions of one form, then its writes roll back
            client = _client(w, persona)
            for _round in range(4):
                data = _submission(form, lambda f: _chaos_value(f, rng, foreign))
                status = _post(client, urlsplit(form.action).path, data)
                if status >= 500:
                    problems.append(f"POST {name} as {persona} with {data!r:.300}: {status}")
            problems += [f"after POST {name}: {row}" for row in _stored_controls()]
            transaction.set_rollback(True)
    assert not problems, "\n".join(problems)


QUERY_NAMES = ["q", "page", "sort", "status", "kind", "organisation", "inspection", "category", "owner", "leader"]
QUERY_NAMES += ["overdue", "due_within", "mine", "state", "next", "format", "number", "year"]


@pytest.mark.django_db
def test_hostile_query_strings_on_every_page(fuzz_world):
    w = fuzz_world
    rng = random.Random(7)
    pool = HOSTILE_TEXT[1:] + HOSTILE_NUMBERS + HOSTILE_DATES + HOSTILE_CHOICES
    problems = []
    clients = {p: _client(w, p) for p in ("secretary_a", "anon")}
    for persona, page in _pages(w):
        for _round in range(3):
            params = [(n, rng.choice(pool)) for n in rng.sample(QUERY_NAMES, 6)]
            url = urlsplit(page).path + "?" + urlencode(params)
            status = clients[persona].get(url).status_code
            if status >= 500:
                problems.append(f"GET {url!r} as {persona}: {status}")
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def _tick(f: FormField) -> str | None:
    return "on" if f.kind == "checkbox" and f.name in REQUIRED_TICKS else None


def _plain(f: FormField) -> str:
    return "fuhua@example.gov.cn" if f.kind == "email" else "整改"


def test_a_valid_submission_of_each_form_succeeds(fuzz_world):
    """The fuzz reaches the services: the untouched forms (plus text) are accepted."""
    w = fuzz_world
    refused = []
    for name, (persona, _page, form) in _discover(w).items():
        with transaction.atomic():
            # Plus the ticks a person must give (the 签字背书 before submitting a document).
            data = _submission(form, lambda f: _plain(f) if _is_text(f) and not f.value else _tick(f))
            response = _client(w, persona).post(urlsplit(form.action).path, data)
            status = response.status_code
            if status == 400:
                import re as _re

                print(
                    "ERRS", name, _re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode())[:3]
                )
            transaction.set_rollback(True)
        if status not in (200, 302):
            refused.append(f"{name} as {persona}: {status} {data}")
    assert not refused, "\n".join(refused)


def test_control_characters_are_removed_and_word_line_breaks_kept(rf):
    from rectification.middleware import ControlCharacterMiddleware

    seen = {}

    def view(request):
        seen.update(get=request.GET.dict(), post=request.POST.dict())
        return None

    request = rf.post("/?q=a%00b", {"note": "第一行\x0b第二行\x00\x1b[31m\t完", "x\x01": "1"})
    ControlCharacterMiddleware(view)(request)
    assert seen == {"get": {"q": "ab"}, "post": {"note": "第一行\n第二行[31m\t完", "x": "1"}}


# ------------------------------------------------------------------ the ledger import


def _patched(data: bytes, member: str, change) -> bytes:
    """A copy of the xlsx zip ``data`` with ``change(xml: bytes) -> bytes`` applied to one member."""
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            dst.writestr(item, change(content) if item.filename == member else content)
    return out.getvalue()


def _hostile_books() -> dict[str, bytes]:
    from .ledger_books import book, row

    texts = [t for t in HOSTILE_TEXT if not CONTROL.search(t)] + ["=1+1", "@SUM(A1)", "-2+3", "+cmd"]
    # Free text where the ledger has free text, each row otherwise valid: these get imported.
    rows = [
        row(
            category=f"类别{n}" + t[:200],
            item=f"事项{n}" + t[:200],
            measure=t if t.strip() else f"措施{n}",
            problem=t,
            progress=t,
            note=t,
        )
        for n, t in enumerate(texts)
    ]
    importable = book(rows)
    # Hostile where the ledger wants names, dates, kinds and states: these get explained.
    choices = [c for c in HOSTILE_CHOICES if not CONTROL.search(c)]
    rows += [row(due=d, status=s, kind=k) for d, s, k in zip(HOSTILE_DATES, choices, texts, strict=False)]
    rows += [row(leader=t, owners=t) for t in texts]
    good = book(rows)
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;">]><sst xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>&lol3;</t></si></sst>'
    )
    return {
        "hostile free text": importable,
        "hostile cells everywhere": good,
        "control character references": _patched(
            good, "xl/sharedStrings.xml", lambda x: x.replace(b"end", b"&#1;&#27;")
        ),
        "entity expansion (billion laughs)": _patched(good, "xl/sharedStrings.xml", lambda x: laughs),
        "formula cells": book([row(measure='=HYPERLINK("http://evil.example","x")')], edit=_formulas),
        "random bytes": bytes(random.Random(3).randrange(256) for _ in range(4096)),
        "zip without a workbook": _zip({"a.txt": b"x"}),
        "truncated workbook": good[: len(good) // 2],
        "empty file": b"",
    }


def _formulas(ws) -> None:
    ws["B2"] = "=1+1"
    ws["F2"] = '=HYPERLINK("http://evil.example","x")'


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, content in members.items():
            z.writestr(name, content)
    return out.getvalue()


@pytest.mark.django_db
def test_ledger_import_with_hostile_workbooks(fuzz_world):
    """Upload → preview → confirm with hostile workbooks: explained or imported, never a 500,
    no control characters stored, no formula smuggled into the exports."""
    w = fuzz_world
    problems = []
    for label, data in _hostile_books().items():
        with transaction.atomic():
            client = _client(w, "secretary_a")
            upload = SimpleUploadedFile("台账.xlsx", data, content_type="application/octet-stream")
            response = client.post(reverse("rectification:ledger_import"), {"file": upload})
            if response.status_code >= 500:
                problems.append(f"{label}: upload {response.status_code}")
            elif response.status_code == 302:
                problems += _preview_and_confirm(client, label, response["Location"])
            problems += [f"{label}: stored {row}" for row in _stored_controls()]
            transaction.set_rollback(True)
    assert not problems, "\n".join(problems)


def _preview_and_confirm(client: Client, label: str, preview_url: str) -> list[str]:
    problems = []
    preview = client.get(preview_url)
    if preview.status_code >= 500 or _raw_markup(preview.content.decode()):
        problems.append(f"{label}: preview {preview.status_code} or raw markup")
    done = client.post(preview_url.rstrip("/") + "/confirm/")
    if done.status_code >= 500:
        problems.append(f"{label}: confirm {done.status_code}")
    for inspection in Inspection.objects.all():
        export = client.get(reverse("rectification:ledger_export", args=[inspection.pk]))
        if export.status_code >= 500 or (export.status_code == 200 and _live_formulas(export)):
            problems.append(f"{label}: export of {inspection.pk}: {export.status_code} or a live formula")
        page = client.get(reverse("rectification:inspection_detail", args=[inspection.pk]))
        if page.status_code >= 500 or _raw_markup(page.content.decode()):
            problems.append(f"{label}: tree of {inspection.pk}: {page.status_code} or raw markup")
    return problems


@pytest.mark.django_db
def test_hostile_ids_and_names_in_every_url(fuzz_world):
    """Every URL with parameters, with ids that do not exist or overflow and names that are
    absurd: a 404 (or a refusal), never a 500."""
    client = _client(fuzz_world, "secretary_a")
    values = {int: [0, 2**63, 10**30], str: ["a" * 300, "\x00", "..%2F..%2Fetc%2Fpasswd", "长" * 80]}
    problems = []
    for name, entry in MATRIX.items():
        if entry.kw is None:
            continue
        for kwarg, real in entry.kw(fuzz_world.a).items():
            for value in values[int if isinstance(real, int) else str]:
                kwargs = {**entry.kw(fuzz_world.a), kwarg: value}
                try:
                    url = reverse(name, kwargs=kwargs)
                except NoReverseMatch:
                    continue  # the URL pattern itself refuses the value
                for method in ("get", "post"):
                    status = getattr(client, method)(url).status_code
                    if status >= 500:
                        problems.append(f"{method.upper()} {url[:120]}: {status}")
    assert not problems, "\n".join(problems)
