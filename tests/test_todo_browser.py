"""Headless Chromium on the demo as `make run` loads it (a working day, today): each demo
persona logs in on a desktop and on a 390 px phone and sees their own to-do items; every
count equals the rows of the list it opens; the staff member's overdue measure is the
first thing on the screen; no horizontal scroll; the top bar's tap targets are at least
40 px high. Screenshots go to test-artifacts/todo/."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from .helpers.browser import artifacts, chromium, new_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = artifacts("todo")
DESKTOP, PHONE = {"width": 1366, "height": 900}, {"width": 390, "height": 844}
PERSONAS = ("gongzuo", "weiyuan", "shuji", "jiedao", "xunchaban")
# Where each kind of page lists its rows.
ROWS = {
    "/measures/": "tr.mrow",
    "/rechecks/": "article.recheck",
    "/notifications/": "li.notif",
}


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


def _login(browser, live_server, username: str, viewport: dict):
    page = new_page(browser, viewport)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "Fuhua@2025")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))
    return page, errors


def _listed(page, href: str, key: str) -> int:
    """How many rows the page behind a to-do link shows (all fit on its first page here)."""
    page.goto(href)
    if "/sign-off/" in href:  # one page, two lists
        return page.locator("article[id^=q]" if key == "sign_off" else "article[id^=x]").count()
    path = next(p for p in ROWS if p in href)
    return page.locator(ROWS[path]).count()


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_each_persona_sees_their_own_to_do_with_true_counts(live_server, browser, working_day, viewport):
    from django.contrib.auth import get_user_model

    from rectification.selectors.todo import todo_for

    name = "desktop" if viewport is DESKTOP else "phone"
    for username in PERSONAS:
        user = get_user_model().objects.get(username=username)
        expected = todo_for(user=user, today=working_day)
        page, errors = _login(browser, live_server, username, viewport)
        shown = {
            item.get_attribute("data-todo"): int(item.locator(".todo-count").inner_text())
            for item in page.locator(".todo-item").all()
        }
        assert shown == {i.key: i.count for i in expected.items}, username
        assert _no_horizontal_scroll(page), (username, name)
        for control in page.locator(".topbar a, .topbar button").all():
            box = control.bounding_box()
            assert box is None or box["height"] >= 40, (username, name, control.inner_text())
        page.screenshot(path=str(ARTIFACTS / f"{username}-{name}.png"), full_page=True)
        if username == "gongzuo":
            # The overdue measure is the first thing on the screen, above the fold.
            first = page.locator(".todo-item").first
            assert first.get_attribute("data-todo") == "overdue"
            assert first.bounding_box()["y"] < viewport["height"] / 2
            assert first.locator(".todo-measures a").first.inner_text().startswith("调整项目验收人员安排")
        links = {
            item.get_attribute("data-todo"): item.locator(".todo-link").get_attribute("href")
            for item in page.locator(".todo-item").all()
        }
        for key, href in links.items():
            assert _listed(page, live_server.url + href, key) == shown[key], (username, key, href)
        late = {i.name: i.overdue for i in expected.late_organisations}
        if late:
            page.goto(live_server.url + "/")
            for row in expected.late_organisations:
                href = page.locator(f'tr[data-organisation="{row.organisation_id}"] a').get_attribute("href")
                assert _listed(page, live_server.url + href, "overdue") == row.overdue, (username, row.name)
        assert not errors, (username, errors)
        page.context.close()
