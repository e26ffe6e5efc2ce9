"""Reads of the public pages that a crowd repeats: what a frozen version's addresses need to
answer (its validators, whether it is withdrawn, its comment window), kept in the cache
for PUBLIC_META_SECONDS so that a conditional request (304) needs no query, and the
frozen files themselves, kept under their own SHA-256 (content never changes under a key).

A withdrawal forgets the version's entry (services.bulletins.bulletin_withdraw), so this
process answers 410 at once; a change of the comment deadline shows within
PUBLIC_META_SECONDS.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache

from ..models import BulletinVersion

PUBLIC_META_SECONDS = 60
FILE_SECONDS = 24 * 3600


@dataclass(frozen=True)
class PublicVersion:
    pk: int
    bulletin_id: int
    number: int
    slug: str
    short_name: str
    withdrawn: bool
    html_sha256: str
    pdf_sha256: str
    docx_sha256: str
    comment_until: dt.date | None


def _key(slug: str, bulletin_id: int, number: int) -> str:
    # A slug is at most 60 characters (Organisation.slug): a longer one from a URL names
    # nothing, and is hashed so that the key stays short for any cache backend.
    if len(slug) > 60:
        slug = hashlib.sha256(slug.encode()).hexdigest()
    return f"public-version:{slug}:{bulletin_id}:{number}"


def cached_version_meta(*, slug: str, bulletin_id: int, number: int) -> PublicVersion | None:
    """What the cache holds for the address, or None (never a query)."""
    return cache.get(_key(slug, bulletin_id, number))


def public_version_meta(*, slug: str, bulletin_id: int, number: int) -> PublicVersion | None:
    """The published version ``number`` of the bulletin under the organisation ``slug``, or
    None (never published there). Queries: 1 on a cache miss, none on a hit."""
    key = _key(slug, bulletin_id, number)
    meta = cache.get(key)
    if meta is not None:
        return meta
    row = (
        BulletinVersion.objects.filter(
            bulletin__id=bulletin_id, number=number, bulletin__inspection__organisation__slug=slug
        )
        .values(
            "pk",
            "withdrawn_at",
            "html_sha256",
            "sha256",
            "docx_sha256",
            "bulletin__comment_until",
            "bulletin__inspection__organisation__short_name",
        )
        .first()
    )
    if row is None:
        return None
    meta = PublicVersion(
        pk=row["pk"],
        bulletin_id=bulletin_id,
        number=number,
        slug=slug,
        short_name=row["bulletin__inspection__organisation__short_name"],
        withdrawn=row["withdrawn_at"] is not None,
        html_sha256=row["html_sha256"],
        pdf_sha256=row["sha256"],
        docx_sha256=row["docx_sha256"],
        comment_until=row["bulletin__comment_until"],
    )
    cache.set(key, meta, PUBLIC_META_SECONDS)
    return meta


def forget_public_version(*, slug: str, bulletin_id: int, number: int) -> None:
    cache.delete(_key(slug, bulletin_id, number))


def cached_file(kind: str, sha256: str, build: Callable[[], bytes] | None) -> bytes | None:
    """A frozen file (or page) by its checksum: from the cache, else ``build()`` kept there
    (without ``build``: None when the cache does not hold it)."""
    key = f"public-file:{kind}:{sha256}"
    data = cache.get(key)
    if data is None and build is not None:
        data = build()
        cache.set(key, data, FILE_SECONDS)
    return data
