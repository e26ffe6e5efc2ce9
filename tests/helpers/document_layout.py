"""Layout checks of a rendered GB/T 9704 PDF, the same as the bulletin's (tests/test_bulletin_pdf.py):
the type area, the page numbers, 28 characters a line and 22 lines a page on body pages,
and reading annex tables back with pdfplumber."""

from __future__ import annotations

import io
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pdfplumber
import pytest

from rectification.documents.layout import landscape_margins_mm, mm_to_pt

# The type area (版心) in PDF points from the page's top-left corner, portrait and landscape.
LEFT, TOP = mm_to_pt(28), mm_to_pt(37)
RIGHT, BOTTOM = mm_to_pt(28 + 156), mm_to_pt(37 + 225)
_LM = landscape_margins_mm()
L_LEFT, L_TOP = mm_to_pt(_LM["left"]), mm_to_pt(_LM["top"])
L_RIGHT, L_BOTTOM = mm_to_pt(_LM["left"] + 225), mm_to_pt(_LM["top"] + 156)
BODY_SIZE, PITCH = 15.79, 28.99


def is_landscape(page) -> bool:
    return page.width > page.height


def type_area(page) -> tuple[float, float, float, float]:
    return (L_LEFT, L_TOP, L_RIGHT, L_BOTTOM) if is_landscape(page) else (LEFT, TOP, RIGHT, BOTTOM)


def check_page_geometry(pdf: bytes) -> int:
    """A4 pages (portrait or landscape), nothing outside the type area, 「— N —」 7 mm below
    it in 14 pt, odd pages right and even pages left, one character in. Returns the page count."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            size = sorted((round(page.width, 1), round(page.height, 1)))
            assert size == [595.3, 841.9], f"page {page.page_number} is not A4"
            left, top, right, bottom = type_area(page)
            body = [c for c in page.chars if c["top"] <= bottom]
            assert body, f"page {page.page_number} is empty"
            assert min(c["x0"] for c in body) >= left - 0.5, page.page_number
            assert max(c["x1"] for c in body) <= right + 0.5, page.page_number
            assert min(c["top"] for c in body) >= top - 0.5, page.page_number
            assert max(c["bottom"] for c in body) <= bottom + 0.5, page.page_number
            for rect in page.rects + page.lines:  # table borders stay inside too
                assert rect["x0"] >= left - 1 and rect["x1"] <= right + 1, page.page_number
                assert rect["top"] >= top - 1 and rect["bottom"] <= bottom + 1, page.page_number
            number = [c for c in page.chars if c["top"] > bottom]
            assert "".join(c["text"] for c in number).replace(" ", "") == f"—{page.page_number}—"
            # The em box's top: the baseline less the ideographic ascent (0.88 em); the
            # glyph box pdfplumber reports depends on each font's declared ascent.
            em_top = min(page.height - c["matrix"][5] - 0.88 * c["size"] for c in number)
            assert em_top == pytest.approx(bottom + mm_to_pt(7), abs=2.5)
            assert {round(c["size"]) for c in number} == {14}
            if page.page_number % 2:
                assert max(c["x1"] for c in number) == pytest.approx(right - 14, abs=2)
            else:
                assert min(c["x0"] for c in number) == pytest.approx(left + 14, abs=2)
        return len(doc.pages)


def check_body_grid(pdf: bytes, pages: list[int]) -> None:
    """On body pages: body text at 15.79 pt (28 characters per 156 mm line), baselines
    of the body face on the 28.99 pt pitch (22 lines per 225 mm), at most 22 lines a
    page, and 28 characters the longest line of full-width characters only (a full line
    of Chinese text; a line with Latin digits holds a few more)."""
    longest = 0
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for number in pages:
            page = doc.pages[number - 1]
            body = [c for c in page.chars if TOP < c["top"] < BOTTOM and round(c["size"]) == 16]
            assert {round(c["size"], 2) for c in body} == {BODY_SIZE}, number
            fang = [c for c in body if "FandolFang" in c["fontname"]]
            lines = sorted({round(c["bottom"], 2) for c in fang})
            pitches = [b - a for a, b in zip(lines, lines[1:], strict=False)]
            assert len(lines) > 5 and min(pitches) == pytest.approx(PITCH, abs=0.02), number
            assert all(p / PITCH == pytest.approx(round(p / PITCH), abs=0.01) for p in pitches), number
            assert round((lines[-1] - lines[0]) / PITCH) + 1 <= 22
            lines_of: dict[float, list[str]] = {}
            for c in body:
                lines_of.setdefault(round(c["bottom"], 1), []).append(c["text"])
            full = [len(t) for t in lines_of.values() if all(unicodedata.east_asian_width(ch) in "FW" for ch in t)]
            longest = max([longest, *full])
    assert longest == 28


def annex_rows(pdf: bytes, header: list[str], spanned: tuple[int, ...] = ()) -> tuple[list[list[str]], list[int]]:
    """The data rows of every table with this header row, in order, across pages; an empty
    cell of a ``spanned`` column (a cell spanning rows: None in pdfplumber, or blank where
    it goes on over a page break) takes the text of the row above. Also the pages the
    header row was found on."""
    rows: list[list[str]] = []
    pages: list[int] = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            for table in page.extract_tables():
                clean = [
                    [(cell or "").replace("\n", "") if cell is not None else None for cell in row] for row in table
                ]
                if header not in clean:
                    continue
                pages.append(page.page_number)
                for row in clean[clean.index(header) + 1 :]:
                    if not any(row):
                        continue  # pdfplumber's phantom row under a table's last border
                    previous = rows[-1] if rows else [""] * len(row)
                    rows.append(
                        [previous[i] if not cell and i in spanned else cell or "" for i, cell in enumerate(row)]
                    )
    return rows, pages


POPPLER = bool(shutil.which("pdftotext") and shutil.which("pdftoppm"))
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftotext, pdftoppm) not installed")


def save_png_pages(pdf: bytes, directory: Path, name: str, scratch: Path) -> int:
    """Every page of ``pdf`` as ``directory/name-N.png`` (60 dpi, for a person to look at)
    and the PDF beside them; ``scratch`` holds the PDF pdftoppm reads. Returns the page count."""
    directory.mkdir(parents=True, exist_ok=True)
    source = scratch / f"{name}.pdf"
    source.write_bytes(pdf)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        total = len(doc.pages)
    for page in range(1, total + 1):
        target = directory / f"{name}-{page}"
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-f", str(page), "-l", str(page), "-singlefile", source, target],
            check=True,
        )
        assert target.with_suffix(".png").stat().st_size > 10_000
    (directory / f"{name}.pdf").write_bytes(pdf)
    return total
