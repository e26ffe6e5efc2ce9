"""What must hold before openpyxl loads an uploaded workbook whole: the container (size,
zip bomb, encryption, not a workbook) and, streamed in openpyxl's read-only mode, no more
rows or cells than one import may hold — stopping as soon as the limit is passed, so a
workbook of 75,000 rows costs what its first 5,000 cost. The streaming pass also notes the
formula cells, which the reader reports instead of reading them as empty."""

from __future__ import annotations

import io
import logging
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.reader.excel import ExcelReader
from openpyxl.worksheet._reader import WorkSheetParser

from .format import HEADER_SEARCH_ROWS, Problem

logger = logging.getLogger(__name__)

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# An encrypted OOXML file is an OLE container holding these streams (MS-OFFCRYPTO).
ENCRYPTED_MARKERS = ("EncryptedPackage".encode("utf-16-le"), "EncryptionInfo".encode("utf-16-le"))
MB = 1024 * 1024
# Filled cells a workbook may hold per row an import may hold (a ledger row fills about 14,
# the info sheet a few dozen in all): beyond it the workbook is refused before the full load.
CELLS_PER_ROW = 30


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_uncompressed: int
    max_ratio: int
    max_rows: int
    max_members: int = 1000

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            max_bytes=settings.LEDGER_MAX_BYTES,
            max_uncompressed=settings.LEDGER_MAX_UNCOMPRESSED_BYTES,
            max_ratio=settings.LEDGER_MAX_COMPRESSION_RATIO,
            max_rows=settings.LEDGER_MAX_ROWS,
        )


class LedgerFileError(Exception):
    """The file cannot be opened as a ledger at all."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.problem = Problem("", None, None, message)


@dataclass
class Scan:
    """What the streaming pass saw: the formula cells, by sheet title, as (row, column)."""

    formulas: dict[str, set[tuple[int, int]]] = field(default_factory=dict)


def check_container(data: bytes, limits: Limits) -> None:
    """Refuse what must not reach openpyxl: oversize, encrypted, not a zip, zip bombs."""
    if not data:
        raise LedgerFileError(_("文件为空。"))
    if len(data) > limits.max_bytes:
        raise LedgerFileError(
            _("文件大小 {size} MB，超过上限 {limit} MB。").format(
                size=f"{len(data) / MB:.1f}", limit=f"{limits.max_bytes / MB:.0f}"
            )
        )
    if data.startswith(OLE_MAGIC):
        if any(marker in data for marker in ENCRYPTED_MARKERS):
            raise LedgerFileError(_("工作簿设置了打开密码，无法读取。请在 Excel 中取消密码保护后另存，再重新上传。"))
        raise LedgerFileError(_("这是旧版 Excel（.xls）或其他 Office 文件，请在 Excel 中另存为 .xlsx 格式后上传。"))
    if not data.startswith(ZIP_MAGIC):
        raise LedgerFileError(_("文件不是 Excel 工作簿（.xlsx）。请上传用 Excel 或 WPS 保存的 .xlsx 文件。"))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise LedgerFileError(_("文件已损坏，无法作为 .xlsx 工作簿打开。")) from exc
    _check_bomb(members, limits)
    if "xl/workbook.xml" not in {m.filename for m in members}:
        raise LedgerFileError(_("文件不是 Excel 工作簿（可能是改了扩展名的 Word 或其他文件）。请上传 .xlsx 文件。"))


def _check_bomb(members: list[zipfile.ZipInfo], limits: Limits) -> None:
    # Declared sizes are an upper bound: zipfile stops reading a member at its declared size.
    if len(members) > limits.max_members:
        raise LedgerFileError(
            _("工作簿包含 {count} 个部件，超过上限，已拒绝（疑似压缩炸弹）。").format(count=len(members))
        )
    total = sum(m.file_size for m in members)
    packed = max(sum(m.compress_size for m in members), 1)
    if total > limits.max_uncompressed:
        raise LedgerFileError(
            _("文件解压后达 {size} MB，超过上限 {limit} MB，已拒绝（疑似压缩炸弹）。").format(
                size=f"{total / MB:.0f}", limit=f"{limits.max_uncompressed / MB:.0f}"
            )
        )
    # Small files may compress well; only a large inflated size with a freak ratio is suspect.
    if total > MB and total / packed > limits.max_ratio:
        raise LedgerFileError(
            _("文件压缩比异常（{ratio} 倍），已拒绝（疑似压缩炸弹）。").format(ratio=f"{total / packed:.0f}")
        )


def prescan(data: bytes, limits: Limits) -> Scan:
    """Stream every sheet, one row in memory at a time, and refuse the workbook once a
    sheet has more filled rows than an import may hold (plus the rows a header may sit
    under), or the workbook more filled cells than ``CELLS_PER_ROW`` per such row; note each
    formula cell (formulas read as their text here: data_only is off).

    openpyxl's own read-only mode would first parse a whole sheet that declares no
    dimension (``ReadOnlyWorksheet._get_size``), 18 s for the 75,000-row workbook, so this
    drives its streaming sheet parser (``WorkSheetParser.parse``) on each sheet itself."""
    scan = Scan()
    try:
        reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=False)
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        sheets = [(sheet.name, rel.target) for sheet, rel in reader.parser.find_sheets() if "worksheet" in rel.Type]
        try:
            _count(reader, sheets, limits, scan)
        finally:
            reader.archive.close()
    except LedgerFileError:
        raise
    except Exception as exc:  # openpyxl raises many types on malformed input; all mean "unreadable"
        logger.info("ledger workbook unreadable while streaming: %r", exc)
        raise LedgerFileError(_("文件已损坏或不是有效的 .xlsx 工作簿，无法读取。")) from exc
    return scan


def _count(reader: ExcelReader, sheets: list[tuple[str, str]], limits: Limits, scan: Scan) -> None:
    max_rows = limits.max_rows + HEADER_SEARCH_ROWS
    budget = max_rows * CELLS_PER_ROW
    cells = 0
    for title, path in sheets:
        if path not in reader.valid_files:
            continue
        rows = 0
        formulas = scan.formulas.setdefault(title, set())
        with reader.archive.open(path) as source:
            for _index, row in WorkSheetParser(source, reader.shared_strings).parse():
                filled = [c for c in row if c["value"] is not None and c["value"] != ""]
                if not filled:
                    continue
                formulas.update((c["row"], c["column"]) for c in filled if c["data_type"] == "f")
                rows, cells = rows + 1, cells + len(filled)
                if rows > max_rows:
                    message = _("工作表「{sheet}」超过 {limit} 行（单次导入的上限），已停止读取。请拆分后分批导入。")
                    raise LedgerFileError(message.format(sheet=title, limit=limits.max_rows))
                if cells > budget:
                    message = _(
                        "工作簿填写的单元格超过 {limit} 个，远多于一份台账所需，已停止读取。"
                        "请删去无关的工作表和数据后导入。"
                    )
                    raise LedgerFileError(message.format(limit=budget))
