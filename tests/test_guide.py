"""The user guide (使用说明): reachable from every page, open to everyone, one section per
role; every picture it shows exists under static/guide/ and is one that
tests/test_guide_browser.py takes (so `make guide` refreshes all of them)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation

from .test_guide_browser import SHOTS

STATIC = Path(settings.BASE_DIR) / "static"
# The demo accounts of README's table, and the anonymous visitor.
PERSONAS = ("shuji", "weiyuan", "gongzuo", "wangge", "jiedao", "xunchaban", None)
ROLES = ("staff", "secretary", "supervisor", "public")


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    yield
    translation.deactivate()


def _images(html: str) -> list[str]:
    return re.findall(r'<img src="/static/([^"]+)"', html)


@pytest.mark.parametrize("username", PERSONAS, ids=[p or "anonymous" for p in PERSONAS])
def test_guide_renders_for_each_persona_with_every_picture(client, demo, username):
    if username:
        client.force_login(get_user_model().objects.get(username=username))
    response = client.get(reverse("rectification:guide"))
    html = response.content.decode()
    assert response.status_code == 200
    for role in ROLES:
        assert f'id="{role}"' in html, role
    images = _images(html)
    assert sorted(images) == sorted(f"guide/{name}.png" for name in SHOTS)
    missing = [src for src in images if not (STATIC / src).is_file()]
    assert not missing, f"pictures the guide shows but static/ lacks (run `make guide`): {missing}"
    for src in images:
        assert (STATIC / src).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", src


@pytest.mark.parametrize(
    "url", ["rectification:home", "rectification:public_index", "login", "rectification:measure_list"]
)
def test_every_page_links_to_the_guide(client, personas, url):
    client.force_login(personas.staff_a)
    if url == "login":
        client.logout()
    response = client.get(reverse(url), follow=True)
    assert f'href="{reverse("rectification:guide")}"' in response.content.decode()


def test_error_pages_link_to_the_guide(client, personas):
    client.force_login(personas.staff_a)
    for url, status in (("/no-such-page/", 404), (reverse("rectification:signoff_queue"), 403)):
        response = client.get(url)
        assert response.status_code == status
        assert f'href="{reverse("rectification:guide")}"' in response.content.decode()


def test_guide_chrome_follows_the_language(client, db):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("rectification:guide")).content.decode()
    # The title and the note are English; the guide's text stays Chinese, marked as such.
    assert "<h1>User guide</h1>" in html and 'lang="zh-CN"' in html and "written in Chinese" in html
