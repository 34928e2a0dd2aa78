"""CSV and XLSX exports that are safe against spreadsheet formula injection."""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import quoteattr

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_RISKY_FIRST = frozenset(DANGEROUS_PREFIXES)  # every prefix is one character
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


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

# XML text: markup characters escaped, a carriage return as a reference (a parser would turn it into a line
# feed), and the control characters XML 1.0 forbids dropped.
_XML_TEXT = str.maketrans(
    {chr(c): None for c in range(32) if chr(c) not in "\t\n\r"}
    | {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}
)
_EPOCH = datetime(1899, 12, 30)
_EPOCH_DAY = date(1899, 12, 30).toordinal()
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_SHEETML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_PARTS = {
    "[Content_Types].xml": (
        f'{_XML_HEAD}<Types xmlns="{_PKG}/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_SHEETML}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_SHEETML}.worksheet+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_SHEETML}.styles+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        f'{_XML_HEAD}<Relationships xmlns="{_PKG}/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    ),
    "xl/_rels/workbook.xml.rels": (
        f'{_XML_HEAD}<Relationships xmlns="{_PKG}/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/>'
        "</Relationships>"
    ),
    # style 1: a date, style 2: a date and time
    "xl/styles.xml": (
        f'{_XML_HEAD}<styleSheet xmlns="{_MAIN}">'
        '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
        '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    ),
}


def _column_letters(count: int) -> list[str]:
    """A, B, ..., Z, AA, ... for the first `count` columns."""
    out = []
    for n in range(1, count + 1):
        name = ""
        while n:
            n, rem = divmod(n - 1, 26)
            name = chr(65 + rem) + name
        out.append(name)
    return out


def _other_cell(ref: str, value: Any) -> str:
    """A cell that is not text: a number, a truth value or a date (as Excel's serial day number, styled)."""
    if value.__class__ is bool:
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return f'<c r="{ref}"><v>{value}</v></c>'
    if isinstance(value, float) and math.isfinite(value):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    if isinstance(value, datetime):
        days = (value.replace(tzinfo=None) - _EPOCH).total_seconds() / 86400
        return f'<c r="{ref}" s="2"><v>{days!r}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="1"><v>{value.toordinal() - _EPOCH_DAY}</v></c>'
    return _text_cell(ref, str(value))


def _text_cell(ref: str, text: str) -> str:
    if text[:1] in _RISKY_FIRST:
        text = "'" + text
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text.translate(_XML_TEXT)}</t></is></c>'


def _sheet_rows(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Iterable[str]:
    """The worksheet's XML in pieces of about a thousand rows."""
    yield f'{_XML_HEAD}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><sheetData>'
    letters = _column_letters(64)
    xml = _XML_TEXT
    risky = _RISKY_FIRST
    parts: list[str] = []
    for n, row in enumerate(_chain(header, rows), start=1):
        if len(row) > len(letters):
            letters = _column_letters(len(row))
        parts.append(f'<row r="{n}">')
        for col, value in zip(letters, row, strict=False):  # letters may be longer than the row
            if value.__class__ is str:
                if value:
                    if value[:1] in risky:
                        value = "'" + value
                    parts.append(
                        f'<c r="{col}{n}" t="inlineStr"><is><t xml:space="preserve">{value.translate(xml)}</t></is></c>'
                    )
            elif value is not None:
                parts.append(_other_cell(f"{col}{n}", value))
        parts.append("</row>")
        if len(parts) > 8000:
            yield "".join(parts)
            parts = []
    parts.append("</sheetData></worksheet>")
    yield "".join(parts)


def _chain(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Iterable[Sequence[Any]]:
    yield header
    yield from rows


def to_xlsx(header: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet: str = "Sheet1") -> bytes:
    """XLSX with every text cell stored as text (inline strings), never as a formula.

    Written directly as SpreadsheetML, streaming the rows: a 50,000-row list costs a fraction of a second
    where a general spreadsheet library spends several microseconds a cell.
    """
    out = io.BytesIO()
    workbook = (
        f'{_XML_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
        f'<sheet name={quoteattr(sheet_title(sheet))} sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=3) as zf:
        for name, text in _PARTS.items():
            zf.writestr(name, text)
        zf.writestr("xl/workbook.xml", workbook)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            for piece in _sheet_rows(header, rows):
                fh.write(piece.encode("utf-8", "replace"))
    return out.getvalue()
