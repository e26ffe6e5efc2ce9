#!/usr/bin/env python3
"""Build the GB2312-subset CJK fonts used for PDF bulletins (GB/T 9704 layout).

The full CJK fonts are 7-25 MB each; WeasyPrint re-subsets every font it
embeds when it writes a PDF, and that step is much faster on a small font.
This script cuts the free source fonts down to:

  * every character of GB/T 2312 (all code points that the Python 'gb2312'
    codec decodes in the two-byte range 0xA1A1-0xF7FE),
  * ASCII and Latin-1 (U+0020-007E, U+00A0-00FF),
  * General Punctuation (U+2000-206F),
  * CJK Symbols and Punctuation (U+3000-303F),
  * Halfwidth and Fullwidth Forms (U+FF00-FFEF),
  * EXTRA_CHARS below (punctuation and symbols found in our texts, plus the
    few non-GB2312 characters seen in real bulletins),
  * optionally every character of the text files given with --text.

Stand-ins for the GB/T 9704 typefaces:

  小标宋 (title)        Noto Serif CJK SC Bold   (alternative: FandolSong Bold)
  宋体   (page numbers) Noto Serif CJK SC Regular
  黑体   (headings)     Noto Sans CJK SC Regular / Bold
  仿宋   (body text)    FandolFang Regular
  楷体   (level-2 headings, quotes)  FandolKai Regular

Sources are Debian packages:

  fonts-noto-cjk        /usr/share/fonts/opentype/noto/Noto*CJK-*.ttc
  texlive-lang-chinese  .../texmf-dist/fonts/opentype/public/fandol/*.otf
                        (only the .deb is needed: `apt-get download
                        texlive-lang-chinese`, then pass it with --fandol-deb;
                        it is unpacked with dpkg-deb into a temp dir, nothing
                        is installed)

Names are kept in full (all name IDs and languages) so fontconfig and
WeasyPrint address the subsets by their original family names.  Outlines stay
CFF; output is .otf.  Each subset is then rescaled to a 256-unit em, its glyphs
put in text order and its CIDs renumbered to the glyph ids (compact_for_pdf:
the fonts inside a bulletin's PDF are 30 % smaller).

Usage (needs `pip install fonttools`):

  python3 scripts/build_fonts.py \
      --noto-dir /usr/share/fonts/opentype/noto \
      --fandol-deb /tmp/texlive-lang-chinese_2022.20230122-1_all.deb \
      --out static/fonts --licences \
      --verify fixtures/seed/fuhua-bulletin-2025.txt

Any single source can be overridden with --src KEY=PATH[#face name], e.g.
  --src noto-serif-bold=/path/NotoSerifCJK-Bold.ttc#Noto Serif CJK SC
"""

from __future__ import annotations

import argparse
import gzip
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata

from fontTools import subset
from fontTools.pens.recordingPen import RecordingPen
from fontTools.ttLib import TTFont
from fontTools.ttLib.reorderGlyphs import reorderGlyphs
from fontTools.ttLib.scaleUpem import scale_upem
from fontTools.ttLib.ttCollection import TTCollection

# Characters outside the ranges above that appear (or are likely to appear)
# in our bulletins.  Most punctuation here is already in GB2312 or in the
# ranges; listing it keeps the intent explicit and survives range edits.
EXTRA_CHARS = (
    "\u201c\u201d\u2018\u2019"  # “ ” ‘ ’
    "\u2014\u2015\u2026\u00b7\u2022\u3000"  # — ― … · • ideographic space
    "《》〈〉【】「」『』（）〔〕％℃№"
    "\u2013\u2012\u2212\u00d7\u00f7"  # – ‒ − × ÷
    "\u2460\u2461\u2462\u2463\u2464\u2465\u2466\u2467\u2468\u2469"  # ①-⑩
    "\u2474\u2475\u2476\u2477\u2478\u2479\u247a\u247b\u247c\u247d"  # ⑴-⑽
    "\u2160\u2161\u2162\u2163\u2164\u2165\u2166\u2167\u2168\u2169"  # Ⅰ-Ⅹ
    "\u2170\u2171\u2172\u2173\u2174\u2175\u2176\u2177\u2178\u2179"  # ⅰ-ⅹ
    "\u3251\u3252\u3253\u3254\u3255\u3256\u3257\u3258\u3259\u325a"  # ㉑-㉚
    "\u00ae\u00a9\u2122\u00b0\u2030\u2116\u2103\u33a1\u338f\u33a5"  # ® © ™ ° ‰ № ℃ ㎡ ㎏ ㎥
    # Characters outside GB2312 that are common in Shenzhen place/person
    # names and in current official texts (GBK/GB18030 only).
    "堃喆昇玥珺琰瑄祎钰炜婧晗昊坤淏浛垚鑫彧璟琪瑜頔翀"
    "岗坜埗塱圳涌罗湖沥浪莆"
)

RANGES = [
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1 Supplement
    (0x2000, 0x206F),  # General Punctuation
    (0x3000, 0x303F),  # CJK Symbols and Punctuation
    (0xFF00, 0xFFEF),  # Halfwidth and Fullwidth Forms
]

# GSUB/GPOS features kept.  'locl' is left out on purpose: in Noto CJK it maps
# to the JP/KR/TC glyph variants and would double the subset size; the SC
# faces' default glyphs are already the mainland forms.  Vertical-writing
# features are not needed (bulletins are horizontal).
LAYOUT_FEATURES = [
    "kern",
    "liga",
    "clig",
    "calt",
    "ccmp",
    "rlig",
    "mark",
    "mkmk",
    "palt",
    "halt",
]

NOTO_FILES = {
    "noto-serif-bold": ("NotoSerifCJK-Bold.ttc", "Noto Serif CJK SC"),
    "noto-serif-regular": ("NotoSerifCJK-Regular.ttc", "Noto Serif CJK SC"),
    "noto-sans-regular": ("NotoSansCJK-Regular.ttc", "Noto Sans CJK SC"),
    "noto-sans-bold": ("NotoSansCJK-Bold.ttc", "Noto Sans CJK SC"),
}
FANDOL_FILES = {
    "fandol-fang": "FandolFang-Regular.otf",
    "fandol-kai": "FandolKai-Regular.otf",
    "fandol-song-bold": "FandolSong-Bold.otf",
}
# key -> (output file, stands in for)
OUTPUTS = {
    "noto-serif-bold": ("NotoSerifCJKsc-Bold-GB2312.otf", "小标宋 (title)"),
    "noto-serif-regular": ("NotoSerifCJKsc-Regular-GB2312.otf", "宋体 (page numbers)"),
    "noto-sans-regular": ("NotoSansCJKsc-Regular-GB2312.otf", "黑体"),
    "noto-sans-bold": ("NotoSansCJKsc-Bold-GB2312.otf", "黑体 (bold)"),
    "fandol-fang": ("FandolFang-Regular-GB2312.otf", "仿宋"),
    "fandol-kai": ("FandolKai-Regular-GB2312.otf", "楷体"),
    "fandol-song-bold": ("FandolSong-Bold-GB2312.otf", "小标宋 (alternative)"),
}
FANDOL_DEB_DIR = "usr/share/texlive/texmf-dist/fonts/opentype/public/fandol"

# The em of every subset, in font units (the sources have 1,000). WeasyPrint embeds each
# font subset to the glyphs used but keeps glyph ids, and a CJK glyph's outline is most
# of the PDF: on a 256-unit em (the grid of classic Chinese system fonts such as SimSun)
# most coordinate deltas fit in one byte of CFF instead of two, which makes the Fuhua
# bulletin's fonts 29 % smaller. A unit is 1/256 em: 0.02 mm at the body's 16 pt, well
# under a printer dot (0.042 mm at 600 dpi).
UNITS_PER_EM = 256
CID_NAME = re.compile(r"\bcid\d{5}\b")


def gb2312_chars() -> set[str]:
    chars = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def wanted_chars(text_files: list[str]) -> set[str]:
    chars = gb2312_chars()
    for lo, hi in RANGES:
        chars.update(chr(c) for c in range(lo, hi + 1))
    chars.update(EXTRA_CHARS)
    for path in text_files:
        with open(path, encoding="utf-8") as fh:
            chars.update(ch for ch in fh.read() if ch.isprintable() or ch == "\u3000")
    return chars


def open_face(path: str, face_name: str | None) -> TTFont:
    """Open a font; for a TTC pick the face whose family name is face_name."""
    if path.lower().endswith((".ttc", ".otc")):
        if not face_name:
            raise SystemExit(f"{path}: a collection needs a face name")
        n = len(TTCollection(path, lazy=True).fonts)
        for i in range(n):
            font = TTFont(path, fontNumber=i, lazy=False)
            if font["name"].getDebugName(1) == face_name:
                return font
            font.close()
        raise SystemExit(f"{path}: no face named {face_name!r}")
    return TTFont(path, lazy=False)


def subset_font(src: str, face: str | None, out: str, chars: set[str]) -> TTFont:
    font = open_face(src, face)
    opts = subset.Options()
    opts.layout_features = LAYOUT_FEATURES
    opts.name_IDs = ["*"]
    opts.name_languages = ["*"]
    opts.name_legacy = True
    opts.notdef_outline = True
    opts.glyph_names = False
    opts.legacy_kern = True
    opts.symbol_cmap = True
    opts.prune_unicode_ranges = True
    opts.recalc_bounds = True
    opts.drop_tables = list(opts.drop_tables) + ["DSIG"]
    sub = subset.Subsetter(options=opts)
    sub.populate(unicodes=[ord(c) for c in chars])
    sub.subset(font)
    font.flavor = None
    font.recalcTimestamp = False  # keep head.modified from the source: byte-reproducible output
    font.save(out)
    font.close()
    return TTFont(out)


def _text_order(code_point: int) -> tuple[int, int]:
    """Where a character's glyph goes: ASCII, then the GB 2312 code table in code order
    (symbols, the 3,755 common hanzi of level 1, then level 2; as GBK reads it, which puts
    the em dash — at 0xA1AA where Python's gb2312 codec has the horizontal bar), then
    everything else."""
    if code_point < 0x80:
        return (0, code_point)
    try:
        encoded = chr(code_point).encode("gbk")
    except UnicodeEncodeError:
        return (2, code_point)
    if len(encoded) == 2 and 0xA1 <= encoded[0] <= 0xF7 and encoded[1] >= 0xA1:
        return (1, int.from_bytes(encoded, "big"))
    return (2, code_point)


def _drawings(font: TTFont) -> dict[int, tuple]:
    """Every character's outline and advance: what reordering must leave as it was."""
    glyphs, metrics = font.getGlyphSet(), font["hmtx"].metrics
    drawn = {}
    for code_point, name in font.getBestCmap().items():
        pen = RecordingPen()
        glyphs[name].draw(pen)
        drawn[code_point] = (metrics[name][0], tuple(pen.value))
    return drawn


def compact_for_pdf(path: str) -> None:
    """Make the font cheap to embed: rescaled to UNITS_PER_EM, glyphs in text order, and
    CIDs renumbered so that CID == glyph id.

    WeasyPrint's embedded subsets keep every glyph id up to the last one used (empty
    glyphs in between). Glyphs in text order (``_text_order``: common characters first)
    keep that last id low. The sources' CIDs are those of the full fonts, scattered over
    65,000 numbers, so the CFF charset lists one CID per glyph (format 0), 13 KB in a
    title's subset of 29 characters; with CID == glyph id it is a single range. Glyphs
    are reordered by fontTools (``reorderGlyphs`` keeps GSUB/GPOS coverage sorted and
    their parallel lists with them), then renamed through fontTools' XML form, the one
    representation in which every table refers to glyphs by name."""
    font = TTFont(path, lazy=False)
    font.recalcTimestamp = False
    if font["head"].unitsPerEm != UNITS_PER_EM:
        scale_upem(font, UNITS_PER_EM)
    top = font["CFF "].cff.topDictIndex[0] if "CFF " in font else None
    if top is None or not hasattr(top, "ROS"):  # not CID-keyed: glyph names are not CIDs
        font.save(path)
        return
    order = font.getGlyphOrder()
    first_use: dict[str, tuple[int, int]] = {}
    for code_point, name in font.getBestCmap().items():
        first_use[name] = min(first_use.get(name, (3, 0)), _text_order(code_point))
    position = {name: gid for gid, name in enumerate(order)}
    unmapped = (3, 0)  # glyphs reached only through GSUB go last, in their old order
    reordered = order[:1] + sorted(order[1:], key=lambda n: (first_use.get(n, unmapped), position[n]))
    before = _drawings(font)
    reorderGlyphs(font, reordered)
    renamed = {name: (f"cid{gid:05d}" if gid else name) for gid, name in enumerate(reordered)}
    xml = io.StringIO()
    font.saveXML(xml)
    font.close()
    out = TTFont(recalcTimestamp=False)
    out.importXML(io.StringIO(CID_NAME.sub(lambda m: renamed[m.group(0)], xml.getvalue())))
    if out.getGlyphOrder() != [renamed[n] for n in reordered]:
        raise SystemExit(f"{path}: renumbering changed the glyph order")
    if _drawings(out) != before:
        raise SystemExit(f"{path}: a character's glyph changed in reordering")
    out.save(path)
    out.close()


def cmap_chars(font: TTFont) -> set[str]:
    return {chr(c) for c in font.getBestCmap()}


def is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return (
        0x3400 <= cp <= 0x9FFF
        or 0xF900 <= cp <= 0xFAFF
        or 0x20000 <= cp <= 0x3FFFF
        or 0x3000 <= cp <= 0x303F
        or 0xFF00 <= cp <= 0xFFEF
    )


def is_ideograph(ch: str) -> bool:
    cp = ord(ch)
    return 0x3400 <= cp <= 0x9FFF or 0xF900 <= cp <= 0xFAFF or 0x20000 <= cp <= 0x3FFFF


def fc_family(path: str) -> str:
    try:
        return subprocess.run(
            ["fc-scan", "--format", "%{family}", path],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def extract_deb(deb: str, tmp: str) -> str:
    subprocess.run(["dpkg-deb", "-x", deb, tmp], check=True)
    return tmp


def write_licences(out_dir: str, noto_copyright: str | None, deb_root: str | None) -> None:
    """LICENSE-OFL.txt from Debian's fonts-noto-cjk copyright file and
    LICENSE-Fandol.txt from texlive-lang-chinese's fandol doc."""
    if noto_copyright and os.path.exists(noto_copyright):
        text = open(noto_copyright, encoding="utf-8").read()
        m = re.search(r"^License: SIL-1\.1\n((?: .*\n?)+)", text, re.M)
        if not m:
            raise SystemExit("OFL stanza not found in " + noto_copyright)
        body = "\n".join("" if ln.strip() == "." else ln[1:] for ln in m.group(1).rstrip("\n").split("\n"))
        with open(os.path.join(out_dir, "LICENSE-OFL.txt"), "w", encoding="utf-8") as fh:
            fh.write(
                "Noto Serif CJK SC and Noto Sans CJK SC (files NotoSerifCJKsc-*.otf and\n"
                "NotoSansCJKsc-*.otf in this directory; subsets of the Debian package\n"
                "fonts-noto-cjk).\n\n"
                "Copyright © 2017-2022 Adobe (http://www.adobe.com/), as given in the fonts'\n"
                "name table; Debian's copyright file lists: Copyright 2010-2012, Google\n"
                "Corporation. Noto is a trademark of Google Inc.\n\n"
                "This Font Software is licensed under the SIL Open Font License, Version 1.1.\n"
                "The subsets here are Modified Versions (glyph subsetting only) and are\n"
                "distributed under the same licence. Text below is taken from\n"
                "/usr/share/doc/fonts-noto-cjk/copyright.\n\n"
            )
            fh.write(body + "\n")
    if deb_root:
        doc = os.path.join(deb_root, "usr/share/doc/texlive-doc/fonts/fandol")
        readme = open(os.path.join(doc, "README"), encoding="utf-8").read()
        with gzip.open(os.path.join(doc, "COPYING.gz"), "rt", encoding="utf-8") as fh:
            gpl = fh.read()
        with open(os.path.join(out_dir, "LICENSE-Fandol.txt"), "w", encoding="utf-8") as fh:
            fh.write(
                "Fandol fonts (files Fandol*.otf in this directory; subsets of the fonts in\n"
                "the Debian package texlive-lang-chinese, directory\n"
                "texmf-dist/fonts/opentype/public/fandol, CTAN package 'fandol').\n\n"
                "Copyright © 2012-2013, the Fandol team (Clerk Ma, Jie Su).\n\n"
                "Licence: GNU General Public License version 3 with the GPL font exception\n"
                '(README: "These fonts\'s licensing is GPL + GPL font exception.").\n'
                "Debian's texlive-lang-chinese copyright summary lists 'fandol: gpl'.\n"
                "The subsets here are modified versions (glyph subsetting only).\n\n"
                "GPL font exception (standard FSF wording):\n\n"
                "  As a special exception, if you create a document which uses this font,\n"
                "  and embed this font or unaltered portions of this font into the\n"
                "  document, this font does not by itself cause the resulting document to\n"
                "  be covered by the GNU General Public License. This exception does not\n"
                "  however invalidate any other reasons why the document might be covered\n"
                "  by the GNU General Public License. If you modify this font, you may\n"
                "  extend this exception to your version of the font, but you are not\n"
                "  obligated to do so. If you do not wish to do so, delete this exception\n"
                "  statement from your version.\n\n"
                "======================================================================\n"
                "README of the Fandol fonts (texmf-dist/doc/fonts/fandol/README)\n"
                "======================================================================\n"
            )
            fh.write(readme.rstrip() + "\n\n")
            fh.write(
                "======================================================================\n"
                "COPYING (texmf-dist/doc/fonts/fandol/COPYING)\n"
                "======================================================================\n"
            )
            fh.write(gpl)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--noto-dir", default="/usr/share/fonts/opentype/noto")
    ap.add_argument("--fandol-dir", help="directory holding Fandol*.otf")
    ap.add_argument("--fandol-deb", help="texlive-lang-chinese .deb to unpack (instead of --fandol-dir)")
    ap.add_argument(
        "--src",
        action="append",
        default=[],
        metavar="KEY=PATH[#FACE]",
        help="override one source; keys: " + ", ".join(OUTPUTS),
    )
    ap.add_argument("--only", action="append", default=[], metavar="KEY", help="build only these keys")
    ap.add_argument("--out", default="static/fonts")
    ap.add_argument("--text", action="append", default=[], help="add every character of this UTF-8 file")
    ap.add_argument(
        "--verify",
        action="append",
        default=[],
        help="report glyph coverage of this UTF-8 file; exit 1 if a CJK char is missing "
        "from the Fang, Hei or Serif subset",
    )
    ap.add_argument("--licences", action="store_true", help="also write LICENSE-OFL.txt / LICENSE-Fandol.txt")
    args = ap.parse_args()

    os.makedirs(args.out, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="build_fonts_")
    try:
        deb_root = None
        fandol_dir = args.fandol_dir
        if args.fandol_deb:
            deb_root = extract_deb(args.fandol_deb, tmp)
            fandol_dir = os.path.join(deb_root, FANDOL_DEB_DIR)

        sources: dict[str, tuple[str, str | None]] = {}
        for key, (fname, face) in NOTO_FILES.items():
            sources[key] = (os.path.join(args.noto_dir, fname), face)
        if fandol_dir:
            for key, fname in FANDOL_FILES.items():
                sources[key] = (os.path.join(fandol_dir, fname), None)
        for spec in args.src:
            key, _, rest = spec.partition("=")
            path, _, face = rest.partition("#")
            if key not in OUTPUTS:
                ap.error(f"unknown key {key}")
            sources[key] = (path, face or None)

        keys = args.only or list(OUTPUTS)
        chars = wanted_chars(args.text)
        print(f"{len(chars)} code points requested ({len(gb2312_chars())} from GB2312)")

        verify_text = "".join(open(p, encoding="utf-8").read() for p in args.verify)
        verify_chars = {c for c in verify_text if not c.isspace() or c == "\u3000"}
        failed = False
        for key in keys:
            if key not in sources:
                print(f"skip {key}: no source (give --fandol-dir/--fandol-deb or --src)")
                continue
            src, face = sources[key]
            if not os.path.exists(src):
                print(f"skip {key}: {src} not found")
                continue
            out_name, role = OUTPUTS[key]
            out = os.path.join(args.out, out_name)
            subset_font(src, face, out, chars).close()
            compact_for_pdf(out)
            font = TTFont(out)
            covered = cmap_chars(font)
            size = os.path.getsize(out)
            print(
                f"{out}: {size / 1e6:.2f} MB, {len(font.getGlyphOrder())} glyphs, "
                f"{len(covered)} code points, fontconfig family {fc_family(out)!r}, {role}"
            )
            missing_req = sorted(
                c for c in chars if c not in covered and unicodedata.category(c) not in ("Cc", "Cn", "Co", "Cs")
            )
            if missing_req:
                ideo = [c for c in missing_req if is_ideograph(c)]
                print(
                    f"    {len(missing_req)} requested code points have no glyph in the source "
                    f"({len(ideo)} ideographs{': ' + ''.join(ideo) if ideo else ''})"
                )
            if verify_chars:
                miss = sorted(c for c in verify_chars if c not in covered)
                print(
                    f"    verify: {len(verify_chars) - len(miss)}/{len(verify_chars)} distinct characters "
                    f"of the text have a glyph"
                    + (": missing " + " ".join(f"{c}(U+{ord(c):04X})" for c in miss) if miss else "")
                )
                cjk_miss = [c for c in miss if is_cjk(c)]
                if cjk_miss and key in ("fandol-fang", "noto-sans-regular", "noto-sans-bold", "noto-serif-bold"):
                    failed = True
            font.close()

        if args.licences:
            copyright_file = "/usr/share/doc/fonts-noto-cjk/copyright"
            write_licences(args.out, copyright_file, deb_root)
        return 1 if failed else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
