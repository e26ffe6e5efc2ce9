"""The documents handed upward (UpwardDocument: 整改方案 ``plan``, 整改情况报告 ``report``):
the schema of the sections the secretary edits, and the one way from a draft to its
document, its files and its plain text.

A draft's ``content`` (JSON) holds the edited sections by key; a key absent or empty
means "generate" (or, for a required section, "still to write": ``missing_sections``
names them, and the document shows 「（待填写）」 in their place). Values: ``text`` and
``lines`` sections are text (``lines``: one entry a line; a list of strings is accepted
too), ``date`` sections ISO dates (2025-03-31).

``upward_render`` is what the workflow's views and services and ``manage.py
render_document`` share; ``upward_text`` is the document as plain text, for what changed
between two versions; ``upward_defaults`` gives the generated text of each generated
section, for an editor to start from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ...models import UpwardDocument
from ...selectors.upward import UpwardSource, upward_source
from ..model import Document
from ..writers import FORMATS, Rendered, render
from . import plan, report
from .upward_parts import attestation, content_text

TEXT, LINES, DATE = "text", "lines", "date"


@dataclass(frozen=True)
class Section:
    """One editable section of a kind: its key in ``content``, the label and help the
    editor shows, whether the document may go up without it, and its kind of value."""

    key: str
    label: Promise | str
    required: bool = False
    kind: str = TEXT
    help: Promise | str = ""


_TITLE = Section("title", _("标题"), help=_("留空则按巡察信息自动生成；党组织名称总在第一行。"))
_OPENING = Section("opening", _("开头语"), help=_("留空则按巡察时间和反馈日期自动生成。"))

SECTIONS: dict[str, tuple[Section, ...]] = {
    UpwardDocument.Kind.PLAN: (
        _TITLE,
        _OPENING,
        Section(
            "general_requirements",
            _("一、总体要求"),
            required=True,
            help=_("整改工作的指导思想、目标和原则。每行一段。"),
        ),
        Section(
            "leading_group",
            _("二、组织领导（整改工作领导小组）"),
            kind=LINES,
            help=_("每行一人，如“组长：某某（书记）”；留空则自动生成。"),
        ),
        Section(
            "focused_until",
            _("集中整改截止日期"),
            kind=DATE,
            help=_("留空则取巡察的整改期限，未设期限时取反馈后两个月。"),
        ),
        Section("steps", _("四、步骤安排"), help=_("留空则按集中整改、持续整改两个阶段自动生成。")),
        Section("safeguards", _("五、保障措施"), required=True, help=_("组织、督导、问责等保障。每行一段。")),
    ),
    UpwardDocument.Kind.REPORT: (
        _TITLE,
        _OPENING,
        Section("work_done", _("一、整改工作开展情况"), required=True, help=_("如何组织推进整改。每行一段。")),
        Section(
            "unfinished_reasons",
            _("四、尚未完成整改的原因"),
            help=_("未完成的措施清单自动生成，这里说明原因和打算。"),
        ),
        Section("next_steps", _("五、下一步工作打算"), required=True, help=_("每行一段。")),
    ),
}


def _filled(section: Section, content: Mapping[str, Any]) -> bool:
    value = content.get(section.key)
    if isinstance(value, list):
        return any(str(v).strip() for v in value)
    return isinstance(value, str) and bool(value.strip())


def missing_sections(kind: str, content: Mapping[str, Any] | None) -> list[str]:
    """The labels of the required sections of ``kind`` left empty in ``content``."""
    content = content or {}
    return [str(s.label) for s in SECTIONS[kind] if s.required and not _filled(s, content)]


# ---------------------------------------------------------------------------- the pipeline


def build_upward(source: UpwardSource, *, today: dt.date, signer: str = "") -> Document:
    """The document of the source's draft; no query. ``signer``: the name printed on the
    attestation line once the secretary has signed (blank leaves room for the pen)."""
    sign = attestation(signer, today)
    if source.document.kind == UpwardDocument.Kind.PLAN:
        return plan.build_plan(source, today=today, attestation=sign)
    return report.build_report(source, today=today, attestation=sign)


def upward_document(document: UpwardDocument, *, today: dt.date | None = None, signer: str = "") -> Document:
    """The document of a draft (saved, or unsaved for a live preview).

    Queries: 7 (selectors.upward.upward_source), plus 1 each for ``document.inspection``
    and its organisation when they are not loaded already."""
    today = today or timezone.localdate()
    return build_upward(upward_source(document=document, today=today), today=today, signer=signer)


def upward_render(
    document: UpwardDocument,
    *,
    formats: Sequence[str] | Iterable[str] = FORMATS,
    today: dt.date | None = None,
    signer: str = "",
    use_cache: bool = True,
) -> Rendered:
    """The draft's files in ``formats`` (``html``, ``pdf``, ``docx``) from one document."""
    return render(upward_document(document, today=today, signer=signer), formats, use_cache=use_cache)


def upward_text(document: UpwardDocument, *, today: dt.date | None = None, signer: str = "") -> str:
    """The document as plain text, a block a line (a table row a line, cells separated by
    tabs): what a reviewer compares between two versions."""
    return upward_document(document, today=today, signer=signer).plain_text()


def upward_defaults(source: UpwardSource) -> dict[str, str]:
    """The generated text of each section that has one, as the editor would prefill it
    (``lines`` one entry a line, dates in ISO form); no query."""
    kind = source.document.kind
    if kind == UpwardDocument.Kind.PLAN:
        return {
            "title": plan.default_title(source),
            "opening": plan.default_opening(source),
            "leading_group": "\n".join(plan.default_group_lines(source)),
            "focused_until": plan.focused_until(source).isoformat(),
            "steps": plan.default_steps(source),
        }
    return {"title": report.default_title(source), "opening": report.default_opening(source)}


__all__ = [
    "SECTIONS",
    "Section",
    "build_upward",
    "content_text",
    "missing_sections",
    "upward_defaults",
    "upward_document",
    "upward_render",
    "upward_text",
]
