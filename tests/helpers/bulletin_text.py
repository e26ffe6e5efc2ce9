"""The bulletin's text as a reader extracts it, compared with the Fuhua seed.

One normalisation for every writer (WeasyPrint's PDF, the .docx through LibreOffice):
page numbers 「— N —」 and all white space removed, the seed without its markdown ``**``.
"""

from __future__ import annotations

import difflib
import re
import subprocess
from pathlib import Path

from django.conf import settings

SEED = Path(settings.BASE_DIR) / "fixtures" / "seed" / "fuhua-bulletin-2025.txt"
PAGE_NUMBER = re.compile(r"—\s*\d+\s*—")


def normalise(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdftotext(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def seed_similarity(extracted: str) -> float:
    """difflib ratio of the extracted text (page numbers dropped) to the seed."""
    text = normalise(PAGE_NUMBER.sub("", extracted))
    seed = normalise(SEED.read_text(encoding="utf-8").replace("**", ""))
    return difflib.SequenceMatcher(None, text, seed, autojunk=False).ratio()
