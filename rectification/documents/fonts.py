"""Which font draws each typeface, and whether it has a glyph for every character.

The font setting (``settings.BULLETIN_FONTS``): ``official`` names the official families
(方正小标宋简体, 仿宋_GB2312, 黑体, 楷体_GB2312), ``free`` uses the GB 2312 subsets vendored
under static/fonts/ through ``@font-face``, ``auto`` (default) takes each official family
that fontconfig finds installed and the free stand-in for the others. A family name
that is not installed is never written alone: fontconfig would silently substitute
DejaVu Sans, so the free face and the system CJK fallbacks always follow it.
"""

from __future__ import annotations

import logging
import subprocess
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders

from .layout import FONT_MODES, LAYOUT

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Face:
    """The font chosen for one typeface (layout ``typefaces`` key)."""

    typeface: str
    source: str  # "official" or "free"
    family: str  # the CSS family name that selects it
    weight: int
    path: Path | None  # the font file, for glyph checks
    index: int = 0  # face index inside a .ttc
    static_name: str | None = None  # "fonts/…otf" for @font-face (free faces)


def font_mode() -> str:
    mode = getattr(settings, "BULLETIN_FONTS", "auto")
    return mode if mode in FONT_MODES else "auto"


def free_family(static_name: str) -> str:
    """A family name of our own, so no installed font of the same name can take over."""
    return "GB-" + Path(static_name).stem


@lru_cache(maxsize=64)
def installed_font(family: str) -> tuple[Path, int] | None:
    """(file, face index) of an installed family, asking fontconfig; None when absent."""
    try:
        out = subprocess.run(
            ["fc-list", "--format", "%{file}|%{index}\n", f":family={family}"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for line in out.splitlines():
        file, _, index = line.partition("|")
        if file:
            return Path(file), int(index or 0)
    return None


def static_path(static_name: str) -> Path | None:
    """The file behind a static name: the collected copy, else the source (finders)."""
    collected = Path(settings.STATIC_ROOT) / static_name
    if collected.is_file():
        return collected
    found = finders.find(static_name)
    return Path(found) if found else None


def _free_face(typeface: str) -> Face:
    spec = LAYOUT["typefaces"][typeface]
    name = spec["free"]
    return Face(typeface, "free", free_family(name), spec["free_weight"], static_path(name), 0, name)


def _official_face(typeface: str, *, require_installed: bool) -> Face | None:
    spec = LAYOUT["typefaces"][typeface]
    for family in spec["official"]:
        found = installed_font(family)
        if found:
            return Face(typeface, "official", family, spec["official_weight"], found[0], found[1])
    if require_installed:
        return None
    family = spec["official"][0]
    return Face(typeface, "official", family, spec["official_weight"], None)


def resolve_faces(mode: str | None = None) -> dict[str, Face]:
    """The face of every typeface for the given (or configured) font mode."""
    mode = mode or font_mode()
    faces = {}
    for typeface in LAYOUT["typefaces"]:
        face = None
        if mode != "free":
            face = _official_face(typeface, require_installed=mode == "auto")
        faces[typeface] = face or _free_face(typeface)
    return faces


def role_typeface(role: str, bold: bool) -> str:
    """The typeface a role is set in; bold (by the run or the role's setting) switches to
    the typeface's bold stand-in, since no fake bold is drawn."""
    spec = LAYOUT["roles"][role]
    typeface = spec["typeface"]
    if bold or spec["bold"]:
        typeface = LAYOUT["bold_typeface"].get(typeface, typeface)
    return typeface


# ---------------------------------------------------------------------------- glyphs


@lru_cache(maxsize=32)
def _cmap(path: str, index: int, mtime: float) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(path, fontNumber=index, lazy=True) as font:
        return frozenset(font.getBestCmap() or {})


def codepoints(face: Face) -> frozenset[int] | None:
    """The characters the face has glyphs for; None when its file is unknown."""
    if face.path is None or not face.path.is_file():
        return None
    return _cmap(str(face.path), face.index, face.path.stat().st_mtime)


def _printable(ch: str) -> bool:
    return not ch.isspace() and unicodedata.category(ch)[0] != "C"


@dataclass(frozen=True)
class MissingGlyph:
    char: str
    typeface: str
    family: str

    def __str__(self) -> str:
        return f"字符“{self.char}”（U+{ord(self.char):04X}）在字体 {self.family} 中没有字形"


def missing_glyphs(text_by_role: dict[tuple[str, bool], str], faces: dict[str, Face]) -> list[MissingGlyph]:
    """Characters that the face of their role cannot draw (they would fall back to a
    system font, or to an empty box when none has them)."""
    missing: dict[tuple[str, str], MissingGlyph] = {}
    for (role, bold), text in text_by_role.items():
        face = faces[role_typeface(role, bold)]
        cmap = codepoints(face)
        absent = set(map(ord, text)) - cmap if cmap is not None else set(map(ord, text))
        for ch in map(chr, absent):
            if _printable(ch):
                missing.setdefault((ch, face.family), MissingGlyph(ch, face.typeface, face.family))
    return sorted(missing.values(), key=lambda m: (m.family, m.char))
