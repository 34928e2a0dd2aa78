"""The spreadsheet files every export goes through (saptah.core.exports), read back as a user's Excel would."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal

from openpyxl import load_workbook

from saptah.core.exports import to_csv, to_xlsx
from saptah.plans.schemas import ItemStatus

FORMULAS = ['=HYPERLINK("http://x")', "+SUM(A1)", "-2+3", "@cmd", "\tTAB", "\rCR"]


def _unescape(value: object) -> object:
    """Text as Excel shows it: OOXML stores a carriage return as _x000D_ (openpyxl leaves it escaped)."""
    return value.replace("_x000D_", "\r") if isinstance(value, str) else value


def _sheet(body: bytes) -> list[tuple[object, ...]]:
    rows = load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True)
    return [tuple(_unescape(v) for v in row) for row in rows]


def test_xlsx_keeps_every_kind_of_value_and_neutralises_formulas() -> None:
    header = ["Name", "=Header", "Minutes", "Share", "Exact", "Done", "Day", "At", "Status", "Empty"]
    row = [
        "डॉ. सुनीता शर्मा & <Co>",
        "=1+2",
        240,
        0.5,
        Decimal("12.5"),
        True,
        date(2024, 10, 19),
        datetime(2024, 10, 24, 5, 30, 15, tzinfo=UTC),
        ItemStatus.OVERDUE,
        None,
    ]
    values = _sheet(to_xlsx(header, [row, FORMULAS]))
    assert values[0][:2] == ("Name", "'=Header")
    assert values[1][:9] == (
        "डॉ. सुनीता शर्मा & <Co>",
        "'=1+2",
        240,
        0.5,
        12.5,
        True,
        datetime(2024, 10, 19),
        datetime(2024, 10, 24, 5, 30, 15),
        "overdue",
    )
    assert values[1][9] is None
    assert values[2][: len(FORMULAS)] == tuple("'" + f for f in FORMULAS)
    cells = load_workbook(io.BytesIO(to_xlsx(header, [row]))).active[2]
    assert [c.data_type for c in cells[:3]] == ["s", "s", "n"]
    assert cells[6].number_format == "yyyy-mm-dd"


def test_xlsx_is_a_well_formed_workbook_with_a_safe_sheet_name_and_wide_rows() -> None:
    wide = [f"c{i}" for i in range(30)]
    body = to_xlsx(wide, [wide, ["bell\x07 and nul\x00 dropped"]], sheet="People: [not]/started? '")
    with zipfile.ZipFile(io.BytesIO(body)) as zf:
        assert zf.testzip() is None
        assert {"[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml"} <= set(zf.namelist())
    wb = load_workbook(io.BytesIO(body))
    assert wb.active.title == "People   not  started"
    assert wb.active["AD2"].value == "c29"  # the 30th column
    assert wb.active["A3"].value == "bell and nul dropped"
    assert _sheet(to_xlsx(["Only a header"], [])) == [("Only a header",)]


def test_csv_neutralises_formulas_and_writes_none_as_empty() -> None:
    body = to_csv(["=H", "B"], [[f, None] for f in FORMULAS] + [["plain", 3]])
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["'=H", "B"]
    assert [r[0] for r in rows[1:-1]] == ["'" + f for f in FORMULAS]
    assert rows[1][1] == "" and rows[-1] == ["plain", "3"]
