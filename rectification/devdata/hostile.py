"""The hostile ledger workbook of issue 25, for the tests and the benchmark of the bounded
import: a real header, then ``rows`` rows of ``cells`` numeric cells (at the defaults 3.1 MB,
inflating to 47 MiB: under every zip-bomb limit), written in openpyxl's write-only mode,
which declares no sheet dimension. Before the import streamed, it took 20.7 s and 678 MB
to refuse."""

from __future__ import annotations

import io

from openpyxl import Workbook


def hostile_ledger(rows: int = 75_000, cells: int = 20, info: list[tuple[str, object]] | None = None) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("整改台账")
    ws.append(["序号", "问题类别", "整改事项", "整改措施", "完成时限", *(f"数值{i}" for i in range(cells - 5))])
    for r in range(rows):
        ws.append([r % 7] * cells)
    sheet = wb.create_sheet("巡察信息")
    for label, value in info or [("巡察组", "区委第一巡察组")]:
        sheet.append([label, value])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
