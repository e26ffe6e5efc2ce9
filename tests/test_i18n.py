"""The English catalogue: complete, compiled, current, and in use.

- every entry of locale/en/LC_MESSAGES/django.po is translated, none is fuzzy, placeholders are kept;
- the committed .mo holds exactly the .po's translations (run time needs no gettext);
- makemessages over the sources finds nothing the catalogue lacks (needs gettext's xgettext,
  which `scripts/setup.sh dev` installs);
- Chinese is the default; the language switch (set_language, or its cookie) turns the pages into
  English, and an English page holds no Chinese besides the data (names, titles, progress texts),
  the switch back to 中文, and what is Chinese by definition (the ledger's sheet and column names).
"""

from __future__ import annotations

import gettext
import html
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import CharField, TextField
from django.urls import reverse
from django.utils import translation

from rectification.documents.kinds.bulletin import DEFAULT_TITLE
from rectification.models import Measure

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
# The command of `make messages` (and of the i18n brief): what makemessages must not see.
IGNORED = [".venv", "var", "static/vendor", "test-artifacts", "benchmarks"]
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]+")
PERCENT = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifr]")
BRACE = re.compile(r"\{(\w*)[^{}]*\}")


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    """LocaleMiddleware activates a request's language in this thread and nothing deactivates
    it: without this, tests that run later would find English active."""
    yield
    translation.deactivate()


# ----------------------------------------------------------------- a small .po reader


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return (self.msgctxt, self.msgid, self.msgid_plural)


ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unquote(text: str) -> str:
    """A quoted .po string: C-style escapes (the ones gettext writes), UTF-8 text as is."""
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m[1], m[0]), text.strip()[1:-1])


def parse_po(path: Path) -> list[Entry]:
    """The live entries of a .po file (obsolete `#~` entries and the header excluded)."""
    entries: list[Entry] = []
    entry, target = Entry(), None
    for number, raw in enumerate([*path.read_text(encoding="utf-8").splitlines(), ""], start=1):
        line = raw.strip()
        if not line:
            if target is not None:
                entries.append(entry)
            entry, target = Entry(), None
        elif line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            _append(entry, target, _unquote(line))
        else:
            keyword, _, literal = line.partition(" ")
            entry.line = entry.line or number
            target = keyword
            _set(entry, keyword, _unquote(literal))
    return [e for e in entries if e.msgid]


def _set(entry: Entry, keyword: str, value: str) -> None:
    if keyword.startswith("msgstr"):
        index = int(keyword[7:-1]) if "[" in keyword else 0
        entry.msgstr[index] = value
    else:
        setattr(entry, keyword, value)


def _append(entry: Entry, keyword: str | None, value: str) -> None:
    if keyword and keyword.startswith("msgstr"):
        index = int(keyword[7:-1]) if "[" in keyword else 0
        entry.msgstr[index] += value
    elif keyword:
        setattr(entry, keyword, getattr(entry, keyword) + value)


def _placeholders(text: str, entry: Entry) -> set[str]:
    found = set()
    if "python-format" in entry.flags:
        found |= set(PERCENT.findall(text))
    if "python-brace-format" in entry.flags:
        found |= set(BRACE.findall(text))
    return found


@pytest.fixture(scope="module")
def catalogue() -> list[Entry]:
    return parse_po(PO)


# ----------------------------------------------------------------- the files


def test_po_reader_reads_continuations_escapes_plurals_and_flags(tmp_path):
    po = tmp_path / "x.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: en\\n"\n\n'
        '#: a.py:1\n#, fuzzy, python-format\nmsgctxt "c"\nmsgid ""\n"共 %(n)s "\n"条"\n'
        'msgid_plural "共 %(n)s 条"\nmsgstr[0] "%(n)s \\"item\\""\nmsgstr[1] ""\n\n'
        '#~ msgid "旧"\n#~ msgstr "old"\n',
        encoding="utf-8",
    )
    [entry] = parse_po(po)
    assert entry.key == ("c", "共 %(n)s 条", "共 %(n)s 条")
    assert entry.msgstr == {0: '%(n)s "item"', 1: ""}
    assert entry.flags == {"fuzzy", "python-format"}


def test_catalogue_is_complete(catalogue):
    assert len(catalogue) > 500, "the catalogue lost most of its entries"
    untranslated = [e.msgid for e in catalogue if not e.msgstr or not all(e.msgstr.values())]
    fuzzy = [e.msgid for e in catalogue if "fuzzy" in e.flags]
    assert not untranslated, f"translate these in {PO.relative_to(ROOT)}: {untranslated}"
    assert not fuzzy, f"check these translations and drop their fuzzy flag: {fuzzy}"
    assert len({e.key for e in catalogue}) == len(catalogue)


def test_header_is_english_utf8_and_not_fuzzy():
    header = PO.read_text(encoding="utf-8").split("\n\n", 1)[0]
    assert "#, fuzzy" not in header
    assert '"Language: en\\n"' in header
    assert "charset=UTF-8" in header
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header


def test_translations_keep_their_placeholders(catalogue):
    wrong = []
    for e in catalogue:
        wanted = _placeholders(e.msgid + (e.msgid_plural or ""), e)
        for text in e.msgstr.values():
            if _placeholders(text, e) != wanted:
                wrong.append((e.msgid, text))
    assert not wrong


def test_mo_matches_po(catalogue):
    """The .mo is committed: compilemessages after every change of the .po."""
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog  # msgid (ctx\x04msgid; plural: (msgid, n)) -> msgstr
    expected: dict[object, str] = {}
    for e in catalogue:
        msgid = f"{e.msgctxt}\x04{e.msgid}" if e.msgctxt is not None else e.msgid
        if e.msgid_plural is None:
            expected[msgid] = e.msgstr[0]
        else:
            expected.update({(msgid, n): text for n, text in e.msgstr.items()})
    compiled.pop("", None)  # the header
    stale = {k for k in expected.keys() ^ compiled.keys()}
    changed = {k for k in expected.keys() & compiled.keys() if expected[k] != compiled[k]}
    assert not stale and not changed, f"run compilemessages: {sorted(map(str, stale | changed))[:10]}"


@pytest.mark.skipif(sys.platform == "win32", reason="gettext tools")
def test_makemessages_finds_nothing_new(tmp_path, catalogue):
    """Every marked string of the sources is in the catalogue, and the catalogue holds no
    string the sources lost. Runs makemessages on a copy of the tree, never on the tree."""
    assert shutil.which("xgettext") and shutil.which("msgmerge"), "gettext is missing: run scripts/setup.sh dev"
    copy = tmp_path / "tree"
    skip = {ROOT / p for p in [*IGNORED, ".git"]}
    shutil.copytree(
        ROOT,
        copy,
        ignore=lambda folder, names: [n for n in names if Path(folder) / n in skip or n == "__pycache__"],
    )
    command = [sys.executable, "manage.py", "makemessages", "-l", "en", *(f"--ignore={p}" for p in IGNORED)]
    env = {"PATH": "/usr/bin:/bin", "VAR_DIR": str(tmp_path / "var"), "DJANGO_SETTINGS_MODULE": "fuhua.settings_test"}
    subprocess.run(command, cwd=copy, env=env, check=True, capture_output=True, timeout=120)
    fresh = {e.key for e in parse_po(copy / PO.relative_to(ROOT))}
    committed = {e.key for e in catalogue}
    assert not fresh - committed, f"new strings: run `make messages` and translate them: {sorted(fresh - committed)}"
    assert not committed - fresh, f"strings no longer in the sources: run `make messages`: {committed - fresh}"


# ----------------------------------------------------------------- the pages


def _english(client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def data_strings() -> list[str]:
    """Every Chinese text the database holds (names, titles, progress, history), with the
    shortened forms the pages print (truncatechars) and its single lines, longest first."""
    values: set[str] = set()
    for model in [*apps.get_app_config("rectification").get_models(), get_user_model()]:
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, CharField | TextField)]
        for row in model.objects.values_list(*names) if names else []:
            values |= {v for v in row if isinstance(v, str) and CJK.search(v)}
    for value in list(values):
        values |= {line.strip() for line in value.splitlines() if line.strip()}
        values |= {value[: n - 1] for n in (20, 30, 40, 60, 120) if len(value) > n}
    return sorted(values, key=len, reverse=True)


def _quoted_by_the_catalogue() -> list[str]:
    """Chinese that English texts quote on purpose: the ledger's sheet and column names and
    words (Chinese by definition: users look for them in their workbook) and examples of the
    bulletin's wording (the bulletin is always Chinese). As the literal parts of those
    translations, so that only the quoting text itself is let through."""
    parts = set()
    for e in parse_po(PO):
        for text in e.msgstr.values():
            parts |= {
                part for part in re.split(f"{PERCENT.pattern}|{BRACE.pattern}", text) if part and CJK.search(part)
            }
    return sorted(parts, key=len, reverse=True)


def chinese_left(page: str, data: list[str] | None = None) -> list[str]:
    """The Chinese runs of an English page once the data (read now unless given) and
    deliberate quotes are taken out."""
    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m[1], 16)), html.unescape(page))  # json_script
    # The bulletin's default title is Chinese by definition (the bulletin editor shows it as a hint).
    for value in [*(data_strings() if data is None else data), *_quoted_by_the_catalogue(), DEFAULT_TITLE]:
        text = text.replace(value, "")
    # The switch back to Chinese names its language in Chinese, as language menus do.
    text = text.replace('value="zh-hans" class="linklike">中文<', "")
    text = text.replace("＋", "")  # the "add" sign of the structure editor
    return sorted(set(CJK.findall(text)))


def test_chinese_is_the_default(client, db):
    page = client.get(reverse("login")).content.decode()
    assert '<html lang="zh-CN">' in page
    assert "用户名" in page and "Username" not in page


def test_set_language_switches_to_english_and_back(client, db):
    login = reverse("login")
    response = client.post(reverse("set_language"), {"language": "en", "next": login})
    assert response.status_code == 302 and response["Location"] == login
    page = client.get(login).content.decode()
    assert '<html lang="en">' in page
    assert "Username" in page and "Password" in page and "Log in" in page
    assert chinese_left(page) == []
    client.post(reverse("set_language"), {"language": "zh-hans", "next": login})
    assert "用户名" in client.get(login).content.decode()


def test_login_form_errors_are_english(client, db):
    _english(client)
    page = client.post(reverse("login"), {"username": "nobody", "password": "wrong"}).content.decode()
    assert "Wrong username or password" in page
    assert chinese_left(page) == []


PAGES = {
    # page: (url of measure_a, an English text of that page, its Chinese source)
    "measure list": (lambda m: reverse("rectification:measure_list"), "Filter and sort", "筛选与排序"),
    "dashboard": (lambda m: reverse("rectification:dashboard"), "Key figures", "主要指标"),
    "measure": (lambda m: reverse("rectification:measure_detail", args=[m.pk]), "Change history", "变更历史"),
}


@pytest.mark.parametrize("who", ["secretary_a", "member_a", "staff_a", "supervisor"])
@pytest.mark.parametrize("page", PAGES)
def test_pages_follow_the_language(client, personas, measure_a, who, page):
    url, english, chinese = PAGES[page]
    client.force_login(getattr(personas, who))
    default = client.get(url(measure_a)).content.decode()
    assert chinese in default and english not in default
    _english(client)
    response = client.get(url(measure_a))
    assert response.status_code == 200
    text = response.content.decode()
    assert english in text and "Log out" in text
    assert chinese_left(text) == []


def test_messages_and_validation_errors_are_english(client, personas, measure_a):
    _english(client)
    client.force_login(personas.staff_a)
    url = reverse("rectification:measure_detail", args=[measure_a.pk])
    page = client.get(url).content.decode()
    assert "Report progress" in page
    # A sign-off request without public progress is refused by the service with its message.
    response = client.post(
        reverse("rectification:measure_status", args=[measure_a.pk]),
        {"to_status": Measure.Status.AWAITING_SIGN_OFF, "version": measure_a.version},
        follow=True,
    )
    assert "Fill in the public rectification progress before submitting for sign-off." in response.content.decode()


# ----------------------------------------------------------------- a sweep over the demo


def _demo_pages(demo) -> dict[str, str]:
    measures = Measure.objects.filter(finding__category__inspection=demo)
    pages = {
        "home": reverse("rectification:home"),
        "measure list": reverse("rectification:measure_list"),
        "dashboard": reverse("rectification:dashboard"),
        "structure": reverse("rectification:inspection_detail", args=[demo.pk]),
        "inspection edit": reverse("rectification:inspection_edit", args=[demo.pk]),
        "sign-off queue": reverse("rectification:signoff_queue"),
        "re-checks": reverse("rectification:recheck_list"),
        "notifications": reverse("rectification:notifications"),
        "bulletins": reverse("rectification:bulletin_index"),
        "bulletin editor": reverse("rectification:bulletin_edit", args=[demo.pk]),
        "ledger import": reverse("rectification:ledger_import"),
        "password change": reverse("password_change"),
    }
    for status in Measure.Status.values:
        if measure := measures.filter(status=status).order_by("pk").first():
            pages[f"measure ({status})"] = reverse("rectification:measure_detail", args=[measure.pk])
            pages[f"measure edit ({status})"] = reverse("rectification:measure_edit", args=[measure.pk])
    return pages


def test_demo_pages_have_no_chinese_chrome_in_english(client, demo):
    """What a secretary sees of the Fuhua demo, page by page: English but for the data."""
    client.force_login(get_user_model().objects.get(username="shuji"))
    _english(client)
    left = {}
    for name, url in _demo_pages(demo).items():
        response = client.get(url)
        assert response.status_code == 200, name
        if runs := chinese_left(response.content.decode()):
            left[name] = runs
    assert left == {}


def test_public_pages_are_english_by_accept_language(client, demo):
    """The public pages follow the browser's Accept-Language only (the language cookie would
    make one cached address differ between readers: views/public_cache.py)."""
    urls = [
        reverse("rectification:public_index"),
        reverse("rectification:public_bulletin_list", args=[demo.organisation.slug]),
    ]
    for url in urls:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200 and response["Content-Language"] == "en"
        assert chinese_left(response.content.decode()) == [], url
