"""The .docx package around the content: what Word, WPS and LibreOffice read before the
text. python-docx starts every file from its own template, made with Word 2011 for Mac;
left as it is, Word 365 opens the file in compatibility mode, the properties say "Microsoft
Macintosh Word" 14, a blank thumbnail stands for the document, and the font table
declares Japanese and Latin fonts but none of the 公文 fonts the styles name, so Word on a
stock Windows or Mac has no hint for a missing 仿宋_GB2312 and falls back to a default face.

``finish`` rewrites the package once python-docx has saved it: the font table declares
every family the parts use, with its character set (GB 2312), PANOSE class, pitch and
signature and the alternative name a stock machine has (仿宋_GB2312 → 仿宋, 楷体_GB2312 →
楷体, 方正小标宋简体 → 宋体); Word 2013+ mode; no thumbnail, no bibliography part, no
Word 2010 ``stylesWithEffects``; our own application properties; a fixed timestamp on every
member, so the same document gives the same bytes.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from lxml import etree

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
REL = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
APPLICATION = "巡察整改管理"
# Word 2013 and later: 15. Anything lower opens in compatibility mode.
COMPATIBILITY_MODE = "15"
# Template parts nothing in our files uses.
DROPPED_PARTS = re.compile(r"^(docProps/thumbnail\.\w+|customXml/.*|word/stylesWithEffects\.xml)$")
DROPPED_RELATIONSHIPS = ("/thumbnail", "/customXml", "/stylesWithEffects")


@dataclass(frozen=True)
class FontInfo:
    """A font table entry (ECMA-376 17.8.3): what Word uses to pick a substitute."""

    alt_name: str | None
    panose: str
    charset: str  # "86": GB 2312
    family: str  # roman, swiss, modern, script, decorative, auto
    pitch: str  # fixed or variable
    sig: tuple[str, str, str, str, str, str]  # usb0–3, csb0–1


# Simplified Chinese signature: CJK Unified Ideographs and GB 2312 code page.
_GB_SIG = ("00000001", "080E0000", "00000010", "00000000", "00040000", "00000000")
FONTS: dict[str, FontInfo] = {
    "仿宋_GB2312": FontInfo("仿宋", "02010609030101010101", "86", "modern", "fixed", _GB_SIG),
    "楷体_GB2312": FontInfo("楷体", "02010609030101010101", "86", "modern", "fixed", _GB_SIG),
    "方正小标宋简体": FontInfo("宋体", "02000000000000000000", "86", "script", "fixed", _GB_SIG),
    "黑体": FontInfo(
        "SimHei", "02010609060101010101", "86", "modern", "fixed",
        ("800002BF", "38CF7CFA", "00000016", "00000000", "00040001", "00000000"),
    ),
    "宋体": FontInfo(
        "SimSun", "02010600030101010101", "86", "auto", "variable",
        ("00000003", "288F0000", "00000016", "00000000", "00040001", "00000000"),
    ),
    "Times New Roman": FontInfo(
        None, "02020603050405020304", "00", "roman", "variable",
        ("E0002EFF", "C000785B", "00000009", "00000000", "000001FF", "00000000"),
    ),
}  # fmt: skip
_FONT_ATTRS = ("ascii", "hAnsi", "eastAsia", "cs")


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


def used_families(parts: dict[str, bytes]) -> list[str]:
    """Every family the styles, the text and the footers name, in first-use order."""
    found: dict[str, None] = {}
    for name in sorted(parts):
        if name.startswith("word/") and name.endswith(".xml") and name != "word/fontTable.xml":
            for fonts in etree.fromstring(parts[name]).iter(_w("rFonts")):
                for attr in _FONT_ATTRS:
                    if value := fonts.get(_w(attr)):
                        found[value] = None
    return list(found)


def font_table(families: list[str], template: bytes) -> bytes:
    """Our entries for the 公文 families, the template's own for the others it names
    (Symbol and Courier in its list definitions); nothing for fonts no part uses."""
    known = {f.get(_w("name")): f for f in etree.fromstring(template).iter(_w("font"))}
    root = etree.Element(_w("fonts"), nsmap={"w": W})
    for name in [*families, *(f for f in FONTS if f not in families)]:
        info = FONTS.get(name)
        if info is None:
            root.append(known.get(name, etree.Element(_w("font"), {_w("name"): name})))
            continue
        font = etree.SubElement(root, _w("font"), {_w("name"): name})
        if info.alt_name:
            etree.SubElement(font, _w("altName"), {_w("val"): info.alt_name})
        etree.SubElement(font, _w("panose1"), {_w("val"): info.panose})
        etree.SubElement(font, _w("charset"), {_w("val"): info.charset})
        etree.SubElement(font, _w("family"), {_w("val"): info.family})
        etree.SubElement(font, _w("pitch"), {_w("val"): info.pitch})
        keys = ("usb0", "usb1", "usb2", "usb3", "csb0", "csb1")
        etree.SubElement(font, _w("sig"), {_w(k): v for k, v in zip(keys, info.sig, strict=True)})
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _settings(data: bytes) -> bytes:
    root = etree.fromstring(data)
    for setting in root.iter(_w("compatSetting")):
        if setting.get(_w("name")) == "compatibilityMode":
            setting.set(_w("val"), COMPATIBILITY_MODE)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _app_properties() -> bytes:
    ns = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
    root = etree.Element(f"{{{ns}}}Properties", nsmap={None: ns})
    for tag, text in (("Application", APPLICATION), ("DocSecurity", "0"), ("ScaleCrop", "false")):
        etree.SubElement(root, f"{{{ns}}}{tag}").text = text
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _without_relationships(data: bytes) -> bytes:
    root = etree.fromstring(data)
    for rel in list(root):
        if rel.get("Type", "").endswith(DROPPED_RELATIONSHIPS):
            root.remove(rel)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _content_types(data: bytes) -> bytes:
    root = etree.fromstring(data)
    for entry in list(root):
        if DROPPED_PARTS.match(entry.get("PartName", "").lstrip("/")) or entry.get("Extension") == "jpeg":
            root.remove(entry)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def finish(data: bytes) -> bytes:
    """The saved package rewritten as described above."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        names = [n for n in source.namelist() if not DROPPED_PARTS.match(n)]
        parts = {name: source.read(name) for name in names}
    parts["word/fontTable.xml"] = font_table(used_families(parts), parts["word/fontTable.xml"])
    parts["word/settings.xml"] = _settings(parts["word/settings.xml"])
    parts["docProps/app.xml"] = _app_properties()
    parts["[Content_Types].xml"] = _content_types(parts["[Content_Types].xml"])
    for name in ("_rels/.rels", "word/_rels/document.xml.rels"):
        parts[name] = _without_relationships(parts[name])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in names:
            target.writestr(zipfile.ZipInfo(name, ZIP_EPOCH), parts[name], zipfile.ZIP_DEFLATED)
    return out.getvalue()
