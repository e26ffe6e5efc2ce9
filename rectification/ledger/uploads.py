"""Keeps an uploaded ledger between the preview and the confirmation.

The bytes go to private storage (shared by all web hosts, never served) under a random
token; the session remembers the token with the file's SHA-256 and the chosen target, so
only the user who uploaded can confirm, and a file changed on disk is refused. The path
always comes from the session, never from the URL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

logger = logging.getLogger(__name__)

UPLOAD_DIR = "ledger-uploads"
SESSION_KEY = "ledger_uploads"
MAX_AGE = dt.timedelta(hours=6)
MAX_PER_SESSION = 5


@dataclass(frozen=True)
class StoredUpload:
    token: str
    name: str
    sha256: str
    organisation_id: int | None
    inspection_id: int | None
    data: bytes


def upload_store(session, *, data: bytes, name: str, organisation_id: int | None, inspection_id: int | None) -> str:
    """Save the bytes, remember them in the session, return the token."""
    purge_stale()
    token = secrets.token_urlsafe(18)
    path = default_storage.save(f"{UPLOAD_DIR}/{token}.xlsx", ContentFile(data))
    entries: dict = dict(session.get(SESSION_KEY, {}))
    entries[token] = {
        "path": path,
        "name": name[:200],
        "sha256": hashlib.sha256(data).hexdigest(),
        "organisation": organisation_id,
        "inspection": inspection_id,
        "created": timezone.now().isoformat(),
    }
    for old in sorted(entries, key=lambda t: entries[t]["created"])[:-MAX_PER_SESSION]:
        _delete(entries.pop(old)["path"])
    session[SESSION_KEY] = entries
    return token


def upload_load(session, token: str) -> StoredUpload | None:
    """The upload behind ``token`` in this session; None when unknown, expired or altered."""
    entry = session.get(SESSION_KEY, {}).get(token)
    if entry is None:
        return None
    if timezone.now() - dt.datetime.fromisoformat(entry["created"]) > MAX_AGE:
        upload_discard(session, token)
        return None
    try:
        with default_storage.open(entry["path"], "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        logger.warning("ledger upload %s changed on disk; refused", token)
        return None
    return StoredUpload(token, entry["name"], entry["sha256"], entry["organisation"], entry["inspection"], data)


def upload_discard(session, token: str) -> None:
    entries = dict(session.get(SESSION_KEY, {}))
    entry = entries.pop(token, None)
    if entry is not None:
        _delete(entry["path"])
        session[SESSION_KEY] = entries


def purge_stale() -> None:
    """Delete uploads nobody confirmed (abandoned previews), so the directory cannot grow."""
    try:
        _dirs, files = default_storage.listdir(UPLOAD_DIR)
    except FileNotFoundError:
        return
    limit = timezone.now() - MAX_AGE
    for name in files:
        path = f"{UPLOAD_DIR}/{name}"
        try:
            if default_storage.get_modified_time(path) < limit:
                default_storage.delete(path)
        except OSError:
            continue  # another process removed it first


def _delete(path: str) -> None:
    try:
        default_storage.delete(path)
    except OSError:
        logger.warning("could not delete ledger upload %s", path)
