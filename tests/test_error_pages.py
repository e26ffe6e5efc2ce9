"""Error pages in the app's frame and language: what happened, who may (403), the way back."""

from __future__ import annotations

import logging

import pytest
from django.test import Client
from django.urls import reverse

from . import factories as f


@pytest.fixture
def staff_client(personas):
    client = Client()
    client.force_login(personas.staff_a)
    return client


def _english(client: Client) -> None:
    client.post(reverse("set_language"), {"language": "en"})


@pytest.mark.django_db
def test_403_names_who_may_and_offers_the_way_back(staff_client, personas):
    inspection = f.inspection(organisation=personas.tree.a)
    referer = "http://testserver" + reverse("rectification:bulletin_index")
    response = staff_client.get(reverse("rectification:bulletin_edit", args=[inspection.pk]), HTTP_REFERER=referer)
    assert response.status_code == 403
    body = response.content.decode()
    assert "没有权限" in body and "此操作仅限本党组织书记进行" in body
    assert 'class="topbar"' in body and reverse("rectification:measure_list") in body  # the app's frame and menu
    assert f'href="{referer}"' in body and reverse("rectification:home") in body  # back, and home
    assert "Forbidden" not in body


@pytest.mark.django_db
def test_403_in_english(staff_client, personas):
    _english(staff_client)
    body = staff_client.get(reverse("rectification:rollup")).content.decode()
    assert "Not allowed" in body and "没有权限" not in body
    assert "inspection offices" in body  # who may: the supervisors


@pytest.mark.django_db
def test_a_foreign_referer_is_not_offered_as_the_way_back(staff_client):
    response = staff_client.get(reverse("rectification:rollup"), HTTP_REFERER="https://evil.example/")
    assert "evil.example" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_404_is_ours_with_debug_on_or_off(settings, staff_client, debug):
    settings.DEBUG = debug
    response = staff_client.get("/measures/999999/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "页面不存在" in body and 'class="topbar"' in body and "Page not found" not in body
    _english(staff_client)
    body = staff_client.get("/no-such-page/").content.decode()
    assert "Page does not exist" in body and "页面不存在" not in body


@pytest.mark.django_db
def test_404_for_a_visitor_offers_the_public_pages_and_login(client):
    body = client.get("/public/no-such-organisation/bulletins/").content.decode()
    assert reverse("rectification:public_index") in body and reverse("login") in body


@pytest.mark.django_db
def test_400_is_ours(client):
    client.raise_request_exception = False
    response = client.get("/", HTTP_HOST="bad host name")
    assert response.status_code == 400
    body = response.content.decode()
    assert "请求无法处理" in body and "Bad Request" not in body


@pytest.mark.django_db
def test_csrf_failure_is_ours(personas):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.staff_a)
    response = client.post(reverse("rectification:notifications_mark_read"), {})
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode()


@pytest.mark.django_db
def test_a_403_is_logged_as_one_line_without_traceback(staff_client, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        staff_client.get(reverse("rectification:rollup"))
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.status_code == 403 and record.exc_info is None
