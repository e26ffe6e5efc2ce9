"""Logging in through the work platform's web login (「粤政易扫码登录」): an adapter of the
unified login (oidc.py, its docstring's extension point) for the 企业微信-compatible platforms
that 粤政易 and 政务微信 deployments follow.

The login page sends the browser to the platform's authorize page (WORK_LOGIN_AUTHORIZE_URL,
``?login_type=CorpApp&appid=<corp id>&agentid=<agent id>&redirect_uri=…&state=…``) with a
random ``state`` kept in the session; the platform sends it back with a one-time ``code``,
which this app exchanges, with the work-message application's access token, for the person's
``userid`` (``GET {base}/cgi-bin/auth/getuserinfo?access_token=…&code=…``). The userid is
matched to ``Profile.work_platform_id`` by ``UnifiedLoginBackend.user_for_claims``: the same
refusals (unknown, inactive, ambiguous) and the same audit as an OIDC login, and the login
counts as a unified one for ``login_gate``.
"""

from __future__ import annotations

import urllib.parse
from http.client import HTTPException

from django.conf import settings

from .services.work_messages import TOKEN_ERRORS, PlatformError, _call, access_token

STATE_KEY = "_work_login_state"
NEXT_KEY = "_work_login_next"
# The claim the platform's answer is turned into, and the Profile field it is matched with.
CLAIM, FIELD = "userid", "work_platform_id"


def enabled() -> bool:
    return bool(
        settings.WORK_LOGIN_ENABLED
        and settings.WORK_MESSAGE_BASE_URL
        and settings.WORK_MESSAGE_CORP_ID
        and settings.WORK_MESSAGE_SECRET
    )


def authorize_url(*, redirect_uri: str, state: str) -> str:
    query = urllib.parse.urlencode(
        {
            "login_type": "CorpApp",
            "appid": settings.WORK_MESSAGE_CORP_ID,
            "agentid": settings.WORK_MESSAGE_AGENT_ID,
            "redirect_uri": redirect_uri,
            "state": state,
        }
    )
    base = settings.WORK_LOGIN_AUTHORIZE_URL or f"{settings.WORK_MESSAGE_BASE_URL}/wwlogin/sso/login"
    return f"{base}{'&' if '?' in base else '?'}{query}"


def claims_for_code(code: str) -> dict:
    """The platform's answer for ``code`` as claims ({"userid": …}; a non-member's answer
    has no userid, which the matching refuses). PlatformError for an error answer or a
    platform that cannot be reached; an expired token is renewed once."""
    for refresh in (False, True):
        try:
            token = access_token(refresh=refresh)
            query = urllib.parse.urlencode({"access_token": token, "code": code})
            answer = _call(f"{settings.WORK_MESSAGE_BASE_URL}/cgi-bin/auth/getuserinfo?{query}")
        except (OSError, HTTPException) as exc:  # URLError, timeouts, refused connections, bad HTTP
            raise PlatformError(f"getuserinfo unreachable: {exc}") from exc
        errcode = answer.get("errcode", 0)
        if errcode in TOKEN_ERRORS and not refresh:
            continue
        if errcode:
            raise PlatformError(f"getuserinfo refused: errcode {errcode} {str(answer.get('errmsg'))[:200]}")
        return {CLAIM: str(answer.get("userid") or "")}
    raise PlatformError("getuserinfo: the renewed token was refused too")
