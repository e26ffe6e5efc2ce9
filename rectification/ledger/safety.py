"""Safety of the xlsx files the app writes."""

from __future__ import annotations

from openpyxl import Workbook


def neutralise_formulas(wb: Workbook) -> Workbook:
    """Store every cell that openpyxl took for a formula as plain text.

    openpyxl turns any string that starts with "=" into a formula, so a measure titled
    ``=HYPERLINK("http://…")`` would become a live formula in Excel (formula injection).
    The app writes no formulas of its own, so every formula cell is user text.
    """
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    return wb
