"""A crawl of the app as each demo persona meets it, on a 390 px phone in headless Chromium.

From the home page it follows every link within the site (same origin, GET only: links,
never forms, so no logout and no POST; file downloads skipped), one page per URL pattern
(the first link found to it) and at most MAX_PAGES pages per persona, plus a page that does
not exist (404) and one the persona may not open (403). On every page:
- no server error (status < 500) and no script error;
- Chinese, as the browser asks: the page says lang="zh-CN", has Chinese text, and shows
  none of the English catalogue's sentences nor Django's English error pages;
- no horizontal scroll at 390 px;
- every control of the top bar (with the phone menu open) is at least 40 px high;
- a link the page offers does not lead to a refusal (403, 404).
Problems are collected over the whole crawl and reported together."""

from __future__ import annotations

import re
from urllib.parse import urldefrag, urlsplit

import pytest
from django.urls import Resolver404, resolve
from django.utils import timezone

from .helpers.browser import chromium, new_page
from .test_i18n import CJK, PO, parse_po

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
MAX_PAGES = 45
# README's demo accounts, and the visitor who is not signed in.
PERSONAS = ("shuji", "weiyuan", "gongzuo", "wangge", "jiedao", "xunchaban", None)
# Routes that answer with a file (a download or the browser's PDF viewer), not a page.
DOWNLOADS = {
    "bulletin_pdf",
    "bulletin_docx",
    "bulletin_internal",
    "public_bulletin_pdf",
    "public_bulletin_docx",
    "ledger_template",
    "ledger_export",
    "measure_export",
    "dashboard_export",
    "evidence_download",
    "upward_draft_pdf",
    "upward_draft_docx",
    "upward_version_pdf",
    "upward_version_docx",
    "statistics_xlsx",
    "audit_export",
    "onboarding_template",
    "acceptance_opinion_pdf",
    "acceptance_opinion_docx",
    "urging_letter_pdf",
    "urging_letter_docx",
    "urging_attachment",
}
# Pages that are documents rather than app pages: no top bar, no app text to check.
DOCUMENTS = {"public_bulletin_html", "bulletin_preview", "upward_preview"}
# A page each persona may not open (403), to see the refusal in Chinese too.
FORBIDDEN = {"shuji": "/rollup/", None: None}
FORBIDDEN_DEFAULT = "/sign-off/"
# Django's own English pages, should one ever slip through.
DJANGO_ENGLISH = ("Forbidden", "Not Found", "Bad Request", "Server Error", "CSRF verification failed")


def _english_sentences() -> list[str]:
    """The English catalogue's phrases of three words or more, cut at placeholders and
    markup: what an English page would show. Any of them on a Chinese page is English left."""
    fragments: set[str] = set()
    for entry in parse_po(PO):
        for text in entry.msgstr.values():
            for piece in re.split(r"%\(\w+\)[sd]|%[sd]|\{\w*\}|<[^>]+>|\n", text):
                piece = " ".join(piece.split()).strip(" .,:;()")
                if len(re.findall(r"[A-Za-z]{2,}", piece)) >= 3 and len(piece) >= 15:
                    fragments.add(piece)
    return sorted(fragments, key=len, reverse=True)


ENGLISH = _english_sentences()


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture
def working_day(db):
    """The demo as `make run` loads it: relative to today, swept, the bulletin published."""
    from rectification.devdata.demo import demo_load, demo_working_day

    today = timezone.localdate()
    demo_load(today=today)
    demo_working_day(today=today)
    return today


def _route(url: str) -> str | None:
    """The URL pattern's name (None: not a page of the app, e.g. static files)."""
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return None
    return match.url_name if match.namespace != "admin" else None


def _links(page, origin: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]:not([download])", "els => els.map(e => e.href)")
    found = []
    for href in hrefs:
        url = urldefrag(href)[0]
        if url.startswith(origin + "/") and "/static/" not in url:
            found.append(url)
    return found


def _check(page, status: int, persona: str | None, label: str, *, document: bool = False) -> list[str]:
    """What is wrong with the page now shown."""
    where = f"{persona or 'anonymous'} {label}"
    problems = []
    if status >= 500:
        problems.append(f"{where}: server error {status}")
    if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
        width = page.evaluate("document.documentElement.scrollWidth")
        problems.append(f"{where}: scrolls sideways at 390 px (content {width} px wide)")
    if document:
        return problems
    text = " ".join(page.evaluate("document.body.innerText").split())
    if page.evaluate("document.documentElement.lang") != "zh-CN" or len(CJK.findall(text)) < 3:
        problems.append(f"{where}: not a Chinese page")
    left = [s for s in ENGLISH if s in text] + [s for s in DJANGO_ENGLISH if s in text]
    if left:
        problems.append(f"{where}: English on a Chinese page: {left[:3]}")
    for control in page.locator(".topbar a, .topbar button").all():
        box = control.bounding_box()
        if box is not None and box["height"] < 40:
            problems.append(f"{where}: top-bar control {control.inner_text()!r} is {box['height']:.0f} px high")
    return problems


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "Fuhua@2025")
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))


@pytest.mark.parametrize("username", PERSONAS, ids=[p or "anonymous" for p in PERSONAS])
def test_crawl(live_server, browser, working_day, username):
    base = live_server.url
    page = new_page(browser, PHONE)
    script_errors: list[str] = []
    page.on("pageerror", lambda e: script_errors.append(f"{page.url}: {e}"))
    if username:
        _login(page, base, username)
    problems: list[str] = []

    # The phone's menu open: its controls are top-bar controls too.
    home = page.goto(base + "/")
    toggle = page.locator(".menu-toggle")
    if toggle.count() and toggle.is_visible():
        toggle.click()
        problems += _check(page, home.status, username, "/ (menu open)")

    queue, seen, visited = [base + "/"], set(), []
    while queue and len(visited) < MAX_PAGES:
        url = queue.pop(0)
        route = _route(url)
        if route is None or route in seen or route in DOWNLOADS:
            continue
        seen.add(route)
        response = page.goto(url)
        visited.append(f"{route} {url[len(base) :]}")
        problems += _check(page, response.status, username, url[len(base) :], document=route in DOCUMENTS)
        if response.status in (403, 404):  # the page offered a link this persona may not follow
            problems.append(f"{username or 'anonymous'} {url[len(base) :]}: a link leads to a {response.status}")
        if route not in DOCUMENTS:
            queue += [link for link in _links(page, base) if link not in queue]

    # The refusals: a page that does not exist, and one this persona may not open.
    probes = [("/no-such-page/", 404)]
    forbidden = FORBIDDEN.get(username, FORBIDDEN_DEFAULT)
    if forbidden:
        probes.append((forbidden, 403))
    for path, status in probes:
        response = page.goto(base + path)
        if response.status != status:
            problems.append(f"{username} {path}: expected {status}, got {response.status}")
        problems += _check(page, response.status, username, path)

    page.context.close()
    assert len(visited) >= (8 if username else 4), visited  # the crawl did reach the site
    assert not script_errors, script_errors
    assert not problems, "\n".join(problems)


def test_the_checks_see_what_they_look_for(live_server, browser, db):
    """The checks above fail where they should: an English page, a page wider than the
    phone, a small control in the top bar (the guide is open to everyone, no data needed)."""
    page = new_page(browser, PHONE)
    response = page.goto(live_server.url + "/guide/")
    assert _check(page, response.status, None, "/guide/") == []
    page.evaluate("""() => {
        document.querySelector("main").insertAdjacentHTML("beforeend", '<div style="width: 900px">wide</div>');
        document.querySelector(".topbar").insertAdjacentHTML("beforeend", '<a href="#" style="display: inline; min-height: 0">x</a>');
    }""")
    found = " ".join(_check(page, response.status, None, "/guide/"))
    assert "scrolls sideways" in found and "px high" in found, found
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    response = page.goto(live_server.url + "/no-such-page/")
    found = " ".join(_check(page, response.status, None, "/no-such-page/"))
    assert "not a Chinese page" in found and "English on a Chinese page" in found, found
    page.context.close()
