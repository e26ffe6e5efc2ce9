"""Personal work messages through a government platform's application-message API.

企业微信's API, which 粤政易 and 政务微信 deployments follow: ``GET {base}/cgi-bin/gettoken
?corpid=…&corpsecret=…`` gives an access token (valid ``expires_in`` seconds, 7200), and
``POST {base}/cgi-bin/message/send?access_token=…`` sends one message to a user id. The
token is cached (the Django cache, shared by all workers) until shortly before it expires,
and fetched again at once when the platform says it is invalid or expired.

A channel of the outbox (services/outbox.py): retries with backoff and the claim that lets
one drain send each delivery come from there. A person's messages go to their
``Profile.work_platform_id`` (filled by the onboarding workbook); people without one are
not eligible. Each message carries the link back to its page (a text card when SITE_URL
is set). The platform's own duplicate check (``enable_duplicate_check``) covers the one
case the outbox cannot: a worker killed after the platform accepted a message but before
the delivery was marked sent.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet

from ..models import Delivery, Notification
from .notification_kinds import kind_label, notification_url

# The platform's answers that mean "this token is no good": fetch a new one and send again.
TOKEN_ERRORS = frozenset({40001, 40014, 42001})
# Refresh this long before the platform's own expiry, so a token never dies in flight.
TOKEN_MARGIN_SECONDS = 300
# The platform's limits, in UTF-8 bytes (a Chinese character is three).
CARD_DESCRIPTION_BYTES = 512
TEXT_BYTES = 2048
# The platform drops the same message to the same person within this many seconds (its maximum).
DUPLICATE_CHECK_SECONDS = 4 * 3600


class PlatformError(RuntimeError):
    pass


def _call(url: str, body: dict | None = None) -> dict:
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json; charset=utf-8"})
    with urllib.request.urlopen(request, timeout=settings.WORK_MESSAGE_TIMEOUT) as response:
        answer = response.read()
    try:
        parsed = json.loads(answer or b"{}")
    except ValueError as exc:
        raise PlatformError(f"not JSON: {answer[:200]!r}") from exc
    if not isinstance(parsed, dict):
        raise PlatformError(f"unexpected answer: {answer[:200]!r}")
    return parsed


def _cache_key() -> str:
    return f"work-message-token:{settings.WORK_MESSAGE_CORP_ID}:{settings.WORK_MESSAGE_AGENT_ID}"


def access_token(*, refresh: bool = False) -> str:
    """The cached access token, or a new one from the platform."""
    key = _cache_key()
    if not refresh:
        token = cache.get(key)
        if token:
            return token
    query = urllib.parse.urlencode(
        {"corpid": settings.WORK_MESSAGE_CORP_ID, "corpsecret": settings.WORK_MESSAGE_SECRET}
    )
    answer = _call(f"{settings.WORK_MESSAGE_BASE_URL}/cgi-bin/gettoken?{query}")
    token = answer.get("access_token")
    if answer.get("errcode", 0) or not token:
        raise PlatformError(f"gettoken refused: errcode {answer.get('errcode')} {str(answer.get('errmsg'))[:200]}")
    lifetime = int(answer.get("expires_in") or 7200)
    cache.set(key, token, max(lifetime - TOKEN_MARGIN_SECONDS, 60))
    return token


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes, at a character, with … when cut."""
    if len(text.encode()) <= limit:
        return text
    return text.encode()[: limit - 3].decode(errors="ignore") + "…"


def message_body(notification: Notification, user_id: str) -> dict:
    """The message/send body: a text card that opens the page when SITE_URL is set, else text."""
    label = kind_label(notification.kind)
    link = notification_url(notification)
    body: dict = {
        "touser": user_id,
        "agentid": settings.WORK_MESSAGE_AGENT_ID,
        "enable_duplicate_check": 1,
        "duplicate_check_interval": DUPLICATE_CHECK_SECONDS,
    }
    if link:
        body |= {
            "msgtype": "textcard",
            "textcard": {
                "title": f"【{label}】",
                "description": clip(notification.message, CARD_DESCRIPTION_BYTES),
                "url": link,
                "btntxt": "查看",
            },
        }
    else:
        body |= {"msgtype": "text", "text": {"content": clip(f"【{label}】{notification.message}", TEXT_BYTES)}}
    return body


def work_message_send(*, notification: Notification, user_id: str) -> None:
    """Send one message or raise (the outbox retries). A refused token is renewed once."""
    body = message_body(notification, user_id)
    for refresh in (False, True):
        token = urllib.parse.quote(access_token(refresh=refresh))
        answer = _call(f"{settings.WORK_MESSAGE_BASE_URL}/cgi-bin/message/send?access_token={token}", body)
        errcode = answer.get("errcode", 0)
        if errcode in TOKEN_ERRORS and not refresh:
            cache.delete(_cache_key())
            continue
        if errcode:
            raise PlatformError(f"message refused: errcode {errcode} {str(answer.get('errmsg'))[:200]}")
        if answer.get("invaliduser"):
            raise PlatformError(f"unknown user id on the platform: {answer['invaliduser']}")
        return


class WorkMessageChannel:
    name = Delivery.Channel.WORK_MESSAGE

    def enabled(self) -> bool:
        return bool(settings.WORK_MESSAGE_BASE_URL and settings.WORK_MESSAGE_CORP_ID and settings.WORK_MESSAGE_SECRET)

    def eligible(self, notifications: QuerySet[Notification]) -> QuerySet[Notification]:
        return notifications.filter(recipient__is_active=True, recipient__profile__work_platform_id__gt="")

    def send(self, notification: Notification) -> None:
        user_id = notification.recipient.profile.work_platform_id
        work_message_send(notification=notification, user_id=user_id)
