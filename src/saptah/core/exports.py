"""CSV and XLSX exports that are safe against spreadsheet formula injection."""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import xlsxwriter

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_RISKY_FIRST = frozenset(DANGEROUS_PREFIXES)  # every prefix is one character
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
# Control characters other than tab, line feed and carriage return are noise in a cell (and not XML): dropped.
_CONTROL = str.maketrans({chr(c): None for c in range(32) if chr(c) not in "\t\n\r"})


def safe_cell(value: Any) -> Any:
    """Neutralise a text cell a spreadsheet would run as a formula (OWASP: prefix a quote)."""
    if isinstance(value, str) and value.startswith(DANGEROUS_PREFIXES):
        return "'" + value
    return value


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]], *, cells_safe: bool = False) -> bytes:
    """CSV (UTF-8 with BOM so Excel reads Hindi correctly) with every cell made safe.

    `cells_safe=True` is for callers that made every text cell safe themselves (with safe_cell, once per
    distinct value): the rows are then written as they are.
    """
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([safe_cell(h) for h in header])
    if cells_safe:
        writer.writerows(rows)
        return ("\ufeff" + buf.getvalue()).encode("utf-8")
    # inline rather than safe_cell per cell: exports run to 200,000 rows x 11 cells (None is written as "")
    risky = _RISKY_FIRST
    writer.writerows(["'" + v if isinstance(v, str) and v[:1] in risky else v for v in row] for row in rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def sheet_title(name: str) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of []:*?/\\, not quoted."""
    return _BAD_SHEET_CHARS.sub(" ", name).strip("'")[:31].strip() or "Sheet1"


# ---------------------------------------------------------------- XLSX


def _chain(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Iterable[Sequence[Any]]:
    yield header
    yield from rows


def to_xlsx(header: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet: str = "Sheet1") -> bytes:
    """XLSX (XlsxWriter, streaming rows in constant memory) with every text cell stored as text, never a formula.

    Text that a spreadsheet would run as a formula is prefixed with a quote, and text is always written as a
    string (no guessing of formulas, numbers or links). Numbers, truth values and dates keep their types.
    """
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        out,
        {
            "constant_memory": True,  # rows go to a temporary file as written: 200,000-row exports stay small
            "in_memory": False,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "default_date_format": "yyyy-mm-dd",
        },
    )
    ws = workbook.add_worksheet(sheet_title(sheet))
    stamp = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    write_string, write_number, write_boolean = ws.write_string, ws.write_number, ws.write_boolean
    write_datetime = ws.write_datetime
    risky, control = _RISKY_FIRST, _CONTROL
    for r, row in enumerate(_chain(header, rows)):
        for c, value in enumerate(row):
            kind = value.__class__
            if kind is str:
                if value:
                    value = value.translate(control)
                    write_string(r, c, "'" + value if value[:1] in risky else value)
            elif value is None:
                continue
            elif kind is bool:
                write_boolean(r, c, value)
            elif kind is int or kind is float or kind is Decimal:
                if kind is float and not math.isfinite(value):
                    write_string(r, c, str(value))
                else:
                    write_number(r, c, value)
            elif kind is datetime:
                write_datetime(r, c, value.replace(tzinfo=None), stamp)
            elif kind is date:
                write_datetime(r, c, value, day)
            else:
                text = str(value).translate(control)
                write_string(r, c, "'" + text if text[:1] in risky else text)
    workbook.close()
    return out.getvalue()
