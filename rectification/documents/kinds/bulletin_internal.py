"""The 党内通报: the bulletin for the organisation's members (双公开: a public 通报 and a
党内通报), built by the bulletin's own ``build_bulletin`` from the members' data
(selectors.bulletin_internal): each item opens with the problem in its internal wording
(「存在问题：……」), the problems held back from publication are in it, the title says
党内通报, and the public's comment paragraph is left out. Never published: served to
those who read the ledger, marked private (views/bulletins.py)."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from collections.abc import Iterable

from ...models import Bulletin
from ...selectors.bulletin_internal import internal_bulletin_source
from ...selectors.bulletins import BulletinSource
from ..model import Document
from ..wording import full_stop, one_line
from ..writers import Rendered, render
from .bulletin import DEFAULT_TITLE, INTRO_CLOSING, build_bulletin, generated_intro

INTERNAL_TITLE = "关于巡察整改进展情况的党内通报"
PROBLEM_LABEL = "存在问题："


def _internal_title(title: str) -> str:
    if not title.strip():
        return INTERNAL_TITLE
    if "党内" in title:
        return title
    head, sep, tail = title.rpartition("通报")
    return f"{head}党内通报{tail}" if sep else f"{title}（党内）"


def build_internal_bulletin(source: BulletinSource, *, today: dt.date | None = None) -> Document:
    """No query: rewrites the loaded (unsaved) findings and a copy of the draft only."""
    for category in source.categories:
        for finding in category.findings.all():
            problem = one_line(finding.problem)
            if problem:
                finding.lead_in = PROBLEM_LABEL + full_stop(problem) + one_line(finding.lead_in)
    draft = copy.copy(source.bulletin)
    draft.title = _internal_title(source.bulletin.title or DEFAULT_TITLE)
    if not draft.intro.strip():  # addressed to members: 「通报如下」, not 「予以公布」
        draft.intro = generated_intro(source).replace(INTRO_CLOSING, "现将巡察整改进展情况通报如下。")
    document = build_bulletin(dataclasses.replace(source, bulletin=draft), today=today)
    blocks = tuple(b for b in document.blocks if getattr(b, "kind", "") != "contact")
    return dataclasses.replace(document, blocks=blocks)


def internal_bulletin_render(draft: Bulletin, *, formats: Iterable[str], today: dt.date | None = None) -> Rendered:
    return render(build_internal_bulletin(internal_bulletin_source(bulletin=draft), today=today), formats)
