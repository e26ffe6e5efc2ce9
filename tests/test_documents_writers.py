"""documents.writers.render: one document, the formats asked for, nothing else."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from rectification.documents.model import Document, Heading, Paragraph, Run, Signature, Title
from rectification.documents.writers import render


def _document() -> Document:
    return Document(
        title=Title(("某某党委", "关于某事的通知")),
        blocks=(Heading(1, "一、", "总体情况"), Paragraph((Run("正文。"),))),
        signature=Signature(name="某某党委", date="2025年12月31日", issued_on=dt.date(2025, 12, 31)),
    )


def test_only_the_formats_asked_for():
    rendered = render(_document(), ["html", "docx"])
    assert rendered.pdf is None and "总体情况" in rendered.html
    assert rendered.data("html") == rendered.html.encode("utf-8")
    assert rendered.sha256("docx") == hashlib.sha256(rendered.docx).hexdigest()
    with pytest.raises(ValueError):
        rendered.data("pdf")


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError):
        render(_document(), ["odt"])
