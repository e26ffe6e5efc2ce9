"""Logging in through the work platform's web login (「粤政易扫码登录」, 企业微信-compatible):
a real platform on 127.0.0.1 (tests/helpers/work_platform.py) whose authorize page sends the
browser straight back with a code, and whose getuserinfo answers the person's userid. The app
is driven with Django's test client: start → platform → callback → logged in, matched by
Profile.work_platform_id; refusals for an unknown person, a tampered state and a platform
that answers errors or cannot be reached."""

from __future__ import annotations

import http.client
import socket
import urllib.parse

import pytest
from django.core.cache import cache
from django.urls import reverse

from rectification.models import AuditEvent, Membership, Profile
from rectification.services import work_messages

from . import factories as f
from .helpers.work_platform import AGENT, CORP, SECRET, Platform


@pytest.fixture
def platform(settings):
    p = Platform()
    settings.WORK_MESSAGE_BASE_URL, settings.WORK_MESSAGE_CORP_ID = p.url, CORP
    settings.WORK_MESSAGE_SECRET, settings.WORK_MESSAGE_AGENT_ID = SECRET, AGENT
    settings.WORK_LOGIN_ENABLED = True
    settings.WORK_LOGIN_AUTHORIZE_URL = f"{p.url}/wwlogin/sso/login"
    settings.WORK_LOGIN_LABEL = "粤政易扫码登录"
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, settings.UNIFIED_LOGIN_BACKEND]
    settings.SITE_URL = ""
    cache.clear()
    yield p
    p.close()
    cache.clear()


@pytest.fixture
def zhao(tree):
    user = f.user(username="zhao", organisation=tree.a, role=Membership.Role.STAFF, name="赵敏")
    Profile.objects.create(user=user, employee_number="FT-1001", work_platform_id="wx-zhao")
    return user


def _to_platform(client, next_url: str = "") -> str:
    """The app's start page: the platform's authorize address it redirects to."""
    start = reverse("work_login_start") + (f"?next={urllib.parse.quote(next_url)}" if next_url else "")
    response = client.get(start)
    assert response.status_code == 302
    return response["Location"]


def _platform_sends_back(authorize: str) -> str:
    """The browser at the platform's authorize page (a real HTTP request): where it is sent."""
    url = urllib.parse.urlsplit(authorize)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
    connection.request("GET", f"{url.path}?{url.query}")
    answer = connection.getresponse()
    assert answer.status == 302
    connection.close()
    return answer.getheader("Location")


def _callback(client, back: str):
    url = urllib.parse.urlsplit(back)
    assert url.path == reverse("work_login_callback")
    return client.get(f"{url.path}?{url.query}")


def _refusal(client, response) -> str:
    assert response.status_code == 302 and response["Location"] == reverse("unified_login_refused")
    page = client.get(response["Location"])
    assert page.status_code == 403
    assert "_auth_user_id" not in client.session
    return page.content.decode()


@pytest.mark.django_db
def test_a_person_logs_in_through_the_platform_matched_by_their_platform_id(
    client, platform, zhao, django_assert_max_num_queries
):
    page = client.get(reverse("login")).content.decode()
    assert 'class="btn primary work-login"' in page and "粤政易扫码登录" in page

    platform.login_as = "wx-zhao"
    authorize = _to_platform(client, next_url="/todo/")
    assert authorize.startswith(f"{platform.url}/wwlogin/sso/login?")
    back = _platform_sends_back(authorize)
    (asked,) = platform.authorize_queries
    assert asked["login_type"] == "CorpApp" and asked["appid"] == CORP and asked["agentid"] == str(AGENT)
    assert asked["redirect_uri"] == "http://testserver" + reverse("work_login_callback")
    assert len(asked["state"]) >= 32 and asked["state"] == client.session["_work_login_state"]

    # session, state, axes log, last_login, audit, the second-factor roles: a login like any other
    with django_assert_max_num_queries(16):
        response = _callback(client, back)
    assert response.status_code == 302 and response["Location"] == "/todo/"
    assert client.session["_auth_user_id"] == str(zhao.pk)
    assert client.session["_auth_user_backend"] == "rectification.oidc.UnifiedLoginBackend"
    assert "赵敏" in client.get("/").content.decode()
    login = AuditEvent.objects.get(kind=AuditEvent.Kind.LOGIN)
    assert login.actor_id == zhao.pk and login.detail == "UnifiedLoginBackend"
    assert list(zhao.memberships.values_list("role", flat=True)) == [Membership.Role.STAFF]  # no role given
    assert platform.codes == {}  # the code was exchanged, once

    # The code cannot be used twice: the state was spent with the first callback.
    client.logout()
    assert "登录请求已失效" in _refusal(client, _callback(client, back))


@pytest.mark.django_db
def test_an_unsafe_next_is_dropped_and_an_expired_token_is_renewed(client, platform, zhao):
    cache.set(work_messages._cache_key(), "token-stale")  # the platform answers 42001 for it
    platform.login_as = "wx-zhao"
    response = _callback(client, _platform_sends_back(_to_platform(client, next_url="https://evil.example/")))
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(zhao.pk)
    assert platform.tokens == ["token-1"]


@pytest.mark.django_db
def test_an_unknown_or_inactive_person_is_refused_with_the_clear_message(client, platform, zhao):
    platform.login_as = "wx-nobody"
    page = _refusal(client, _callback(client, _platform_sends_back(_to_platform(client))))
    assert "没有与您的身份对应的账号" in page
    refused = AuditEvent.objects.get(kind=AuditEvent.Kind.LOGIN_FAILED)
    assert refused.actor_name == "wx-nobody" and refused.detail == "unified login: unknown"

    zhao.is_active = False
    zhao.save()
    platform.login_as = "wx-zhao"
    assert "账号已停用" in _refusal(client, _callback(client, _platform_sends_back(_to_platform(client))))

    platform.login_as = ""  # a non-member: the platform answers without a userid
    assert "没有提供用于识别身份的信息" in _refusal(
        client, _callback(client, _platform_sends_back(_to_platform(client)))
    )


@pytest.mark.django_db
def test_a_tampered_or_missing_state_is_refused_and_the_code_is_not_exchanged(client, platform, zhao):
    platform.login_as = "wx-zhao"
    back = _platform_sends_back(_to_platform(client))
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(back).query))
    tampered = f"{reverse('work_login_callback')}?{urllib.parse.urlencode({**query, 'state': 'forged'})}"
    assert "登录请求已失效" in _refusal(client, client.get(tampered))
    assert list(platform.codes) == [query["code"]]  # never sent to the platform

    fresh = client.__class__()  # never started a login: no state in its session
    assert "登录请求已失效" in _refusal(
        fresh, fresh.get(f"{reverse('work_login_callback')}?{urllib.parse.urlencode(query)}")
    )
    failed = AuditEvent.objects.filter(kind=AuditEvent.Kind.LOGIN_FAILED).values_list("detail", flat=True)
    assert list(failed) == ["work platform login: state missing or not this session's"] * 2
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.LOGIN).exists()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.django_db
def test_a_platform_answering_an_error_or_unreachable_is_refused_without_a_500(client, settings, platform, zhao):
    platform.login_as = "wx-zhao"
    platform.userinfo_error = (40029, "invalid code")
    page = _refusal(client, _callback(client, _platform_sends_back(_to_platform(client))))
    assert "工作平台未能确认您的身份" in page
    detail = AuditEvent.objects.get(kind=AuditEvent.Kind.LOGIN_FAILED).detail
    assert detail == "work platform login: getuserinfo refused: errcode 40029 invalid code"

    platform.userinfo_error = None
    back = _platform_sends_back(_to_platform(client))
    settings.WORK_MESSAGE_BASE_URL = f"http://127.0.0.1:{_closed_port()}"  # the platform is down
    cache.clear()
    assert "工作平台未能确认您的身份" in _refusal(client, _callback(client, back))

    settings.WORK_MESSAGE_BASE_URL = platform.url
    response = client.get(reverse("work_login_callback"), {"state": "x"})  # no code, no state kept
    assert "登录请求已失效" in _refusal(client, response)


@pytest.mark.django_db
@pytest.mark.parametrize("counts", [True, False])
def test_the_platforms_login_counts_as_a_second_factor_as_configured(client, settings, platform, zhao, counts):
    settings.OTP_REQUIRED_FOR = ["staff"]
    settings.OIDC_COUNTS_AS_SECOND_FACTOR = counts
    settings.LOCAL_LOGIN = "administrators"  # the platform's login is not a local one
    platform.login_as = "wx-zhao"
    _callback(client, _platform_sends_back(_to_platform(client)))
    assert client.session["_auth_user_id"] == str(zhao.pk)
    home = client.get("/")
    if counts:
        assert home.status_code == 200
    else:
        assert home.status_code == 302 and home["Location"] == reverse("otp_verify")


@pytest.mark.django_db
def test_off_unless_switched_on_and_configured(client, settings, platform):
    settings.WORK_LOGIN_ENABLED = False
    assert "work-login" not in client.get(reverse("login")).content.decode()
    assert client.get(reverse("work_login_start")).status_code == 404
    assert client.get(reverse("work_login_callback")).status_code == 404
    settings.WORK_LOGIN_ENABLED, settings.WORK_MESSAGE_SECRET = True, ""
    assert client.get(reverse("work_login_start")).status_code == 404
    assert platform.authorize_queries == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_chromium_the_button_leads_through_the_platform_and_back_logged_in(live_server, platform, zhao):
    from .helpers.browser import artifacts, chromium, new_page

    shots = artifacts("work-login")
    platform.login_as = "wx-zhao"
    with chromium() as browser:
        page = new_page(browser, {"width": 1280, "height": 900})
        page.goto(live_server.url + reverse("login"))
        assert page.inner_text("a.work-login") == "粤政易扫码登录"
        page.screenshot(path=str(shots / "login-with-work-platform.png"))
        page.click("a.work-login")
        page.wait_for_url(live_server.url + "/")
        assert "赵敏" in page.inner_text(".userbox")
        page.screenshot(path=str(shots / "logged-in.png"))

        page.context.clear_cookies()
        platform.login_as = "wx-nobody"
        page.goto(live_server.url + reverse("login"))
        page.click("a.work-login")
        page.wait_for_url(live_server.url + reverse("unified_login_refused"))
        assert "没有与您的身份对应的账号" in page.inner_text("main")
        page.screenshot(path=str(shots / "unknown-refused.png"))
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.LOGIN, actor_id=zhao.pk).count() == 1
