"""OOXML that python-docx has no API for, written directly and in the schema's order
(Word refuses files whose elements are out of order). Used by the .docx writer (docx.py,
docx_styles.py)."""

from __future__ import annotations

import re

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

XML_INVALID = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

# Word refuses files whose elements are out of the schema's order; these are the pPr
# children (ECMA-376 17.3.1.26) this writer adds that python-docx has no method for.
PPR_ORDER = (
    "w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr", "w:widowControl", "w:numPr",
    "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
    "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
    "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
    "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr",
    "w:sectPr", "w:pPrChange",
)  # fmt: skip
# rPr children (17.3.2.28) that follow w:spacing.
AFTER_RPR_SPACING = (
    "w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd",
    "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath",
)  # fmt: skip
# Settings (17.15.1.78) that may follow w:mirrorMargins in python-docx's template.
AFTER_MIRROR_MARGINS = ("w:proofState", "w:defaultTabStop", "w:characterSpacingControl", "w:compat", "w:rsids")


def child(parent, tag: str, successors: tuple[str, ...] = ()):
    """The child ``tag`` of ``parent``, created before the first of ``successors`` (or
    last) when missing."""
    found = parent.find(qn(tag))
    if found is None:
        found = OxmlElement(tag)
        parent.insert_element_before(found, *successors)
    return found


def ppr_child(ppr, tag: str):
    return child(ppr, tag, PPR_ORDER[PPR_ORDER.index(tag) + 1 :])


def set_fonts(rpr, family: str) -> None:
    """All four scripts in one family, and no theme font (a theme attribute would win)."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for name in list(fonts.attrib):
        del fonts.attrib[name]
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), family)
    fonts.set(qn("w:hint"), "eastAsia")


def set_ind(ppr, **attrs: int) -> None:
    ind = ppr.get_or_add_ind()
    for name, value in attrs.items():
        ind.set(qn(f"w:{name}"), str(value))


def toggle(ppr, tag: str, on: bool) -> None:
    ppr_child(ppr, tag).set(qn("w:val"), "1" if on else "0")


def plain_text(text: str) -> str:
    return XML_INVALID.sub("", text)


def add_text(paragraph, text: str, *, bold: bool = False, style: str | None = None):
    """A run holding ``text`` as is (python-docx's ``run.text`` would turn tabs and line
    breaks into elements)."""
    run = paragraph.add_run(style=style)
    if bold:
        run.bold = True
    t = OxmlElement("w:t")
    t.set(qn("xml:space"), "preserve")
    t.text = plain_text(text)
    run._r.append(t)
    return run


def add_field(paragraph, instruction: str, placeholder: str) -> None:
    """A complex field (begin, instruction, separate, cached result, end)."""

    def run_with(tag: str, **attrs: str):
        element = OxmlElement(tag)
        for name, value in attrs.items():
            element.set(qn(name), value)
        paragraph.add_run()._r.append(element)
        return element

    run_with("w:fldChar", **{"w:fldCharType": "begin"})
    run_with("w:instrText", **{"xml:space": "preserve"}).text = f" {instruction} "
    run_with("w:fldChar", **{"w:fldCharType": "separate"})
    add_text(paragraph, placeholder)
    run_with("w:fldChar", **{"w:fldCharType": "end"})


# tblPr children (17.4.60) and trPr children (17.4.82) in the schema's order.
TBLPR_ORDER = (
    "w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual", "w:tblStyleRowBandSize", "w:tblStyleColBandSize",
    "w:tblW", "w:jc", "w:tblCellSpacing", "w:tblInd", "w:tblBorders", "w:shd", "w:tblLayout", "w:tblCellMar",
    "w:tblLook", "w:tblCaption", "w:tblDescription",
)  # fmt: skip
TRPR_ORDER = (
    "w:cnfStyle", "w:divId", "w:gridBefore", "w:gridAfter", "w:wBefore", "w:wAfter", "w:cantSplit", "w:trHeight",
    "w:tblHeader", "w:tblCellSpacing", "w:jc", "w:hidden",
)  # fmt: skip


def ordered_child(parent, tag: str, order: tuple[str, ...]):
    """The child ``tag`` of ``parent``, created in its place in ``order`` when missing (for
    any element, also those python-docx has no class for)."""
    found = parent.find(qn(tag))
    if found is None:
        found = OxmlElement(tag)
        later = [parent.find(qn(name)) for name in order[order.index(tag) + 1 :]]
        later = [element for element in later if element is not None]
        if later:
            later[0].addprevious(found)
        else:
            parent.append(found)
    return found


def set_attrs(element, **attrs: str | int) -> None:
    for name, value in attrs.items():
        element.set(qn(f"w:{name}"), str(value))
