"""Uploaded staff lists on disk: streamed in under a size limit, recognised, checked and read row by row.

Kept apart from service.py because it is all file formats (CSV encodings and delimiters, XLSX
and zip-bomb checks, streaming multipart) and no rules.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import re
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from saptah.core.errors import InvalidInput, PayloadTooLarge
from saptah.directory.onboarding.rules import Columns, cell_text, match_columns

MB = 1024 * 1024
_UTF8_CHARACTER = re.compile("[^\x00-\x7f\ufffd]")  # decoded from a valid multi-byte UTF-8 sequence
BAD_TEXT = "\ufffd"  # what a byte that is no character of the file's encoding is read as
FORM_OVERHEAD = 64 * 1024  # room for the small form fields beside the file
MAX_ZIP_RATIO = 150  # XML sheets compress 5-20x; a bomb compresses thousands of times
BINARY_MAGIC = {
    b"\xd0\xcf\x11\xe0": "This looks like an old Excel .xls file. Save it as .xlsx or CSV and upload again.",
    b"%PDF": "This is a PDF file. Upload the staff list as CSV or XLSX.",
    b"\x89PNG": "This is an image. Upload the staff list as CSV or XLSX.",
    b"\xff\xd8\xff": "This is an image. Upload the staff list as CSV or XLSX.",
}
csv.field_size_limit(1 * MB)


def storage_dir(upload_dir: Path) -> Path:
    """The folder that keeps uploads and result files."""
    folder = Path(upload_dir) / "onboarding"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass
class Received:
    """A file streamed to disk, with the form fields sent beside it."""

    fields: dict[str, str]
    filename: str
    stored_name: str
    size: int
    sha256: str


class _PartCollector:
    """Callbacks for python-multipart: the 'file' part goes to disk, other parts to memory."""

    def __init__(self, dest: Path) -> None:
        self.dest = dest
        self.fields: dict[str, str] = {}
        self.filename: str | None = None
        self.size = 0
        self.digest = hashlib.sha256()
        self._header_name = b""
        self._header_value = b""
        self._disposition: dict[bytes, bytes] = {}
        self._buf = bytearray()
        self._file: Any = None

    def callbacks(self) -> Any:
        return {
            "on_part_begin": self._begin,
            "on_header_field": lambda d, s, e: setattr(self, "_header_name", self._header_name + d[s:e]),
            "on_header_value": lambda d, s, e: setattr(self, "_header_value", self._header_value + d[s:e]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_done,
            "on_part_data": self._data,
            "on_part_end": self._end,
        }

    def _begin(self) -> None:
        self._disposition, self._buf = {}, bytearray()

    def _header_end(self) -> None:
        if self._header_name.lower() == b"content-disposition":
            self._disposition = parse_options_header(self._header_value)[1]
        self._header_name = self._header_value = b""

    def _headers_done(self) -> None:
        if self._disposition.get(b"name") == b"file" and b"filename" in self._disposition:
            self.filename = self._disposition[b"filename"].decode("utf-8", "replace")
            self._file = self.dest.open("wb")

    def _data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self._file is not None:
            self._file.write(chunk)
            self.size += len(chunk)
            self.digest.update(chunk)
        elif len(self._buf) < 4096:
            self._buf += chunk

    def _end(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        elif b"name" in self._disposition:
            self.fields[self._disposition[b"name"].decode()] = self._buf.decode("utf-8", "replace")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


async def receive_upload(request: Request, upload_dir: Path, max_mb: int) -> Received:
    """Stream a multipart upload ('file' plus small fields) to disk; 413 as soon as it is too large."""
    limit = max_mb * MB
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit + FORM_OVERHEAD:
        raise PayloadTooLarge("The file is larger than the limit of {max_mb} MB.", max_mb=max_mb)
    ctype, params = parse_options_header(request.headers.get("content-type"))
    if ctype != b"multipart/form-data" or b"boundary" not in params:
        raise InvalidInput("Send the file as a multipart/form-data upload in a field named 'file'.")
    stored_name = f"{uuid.uuid4().hex}.upload"
    dest = storage_dir(upload_dir) / stored_name
    collector = _PartCollector(dest)
    parser = MultipartParser(params[b"boundary"], collector.callbacks())
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit + FORM_OVERHEAD or collector.size > limit:
                raise PayloadTooLarge("The file is larger than the limit of {max_mb} MB.", max_mb=max_mb)
            parser.write(chunk)
        parser.finalize()
    except PayloadTooLarge:
        collector.close()
        dest.unlink(missing_ok=True)
        raise
    except Exception as exc:  # a malformed multipart body
        collector.close()
        dest.unlink(missing_ok=True)
        raise InvalidInput("The upload was cut off or malformed. Try again.") from exc
    if collector.filename is None:
        dest.unlink(missing_ok=True)
        raise InvalidInput("Choose a file to upload.")
    if collector.size > limit:
        dest.unlink(missing_ok=True)
        raise PayloadTooLarge("The file is larger than the limit of {max_mb} MB.", max_mb=max_mb)
    return Received(collector.fields, collector.filename, stored_name, collector.size, collector.digest.hexdigest())


def store_copy(upload_dir: Path, source: Path, max_mb: int) -> Received:
    """Keep a copy of a local file (the CLI) as an upload would be kept, refusing one over the limit."""
    size = source.stat().st_size
    if size > max_mb * MB:
        raise PayloadTooLarge("The file is larger than the limit of {max_mb} MB.", max_mb=max_mb)
    stored_name = f"{uuid.uuid4().hex}.upload"
    digest = hashlib.sha256()
    with source.open("rb") as src, (storage_dir(upload_dir) / stored_name).open("wb") as dst:
        while block := src.read(MB):
            digest.update(block)
            dst.write(block)
    return Received({}, source.name, stored_name, size, digest.hexdigest())


@dataclass(frozen=True)
class SheetFormat:
    """How to read a stored file: CSV with an encoding and delimiter, or an XLSX sheet."""

    kind: str  # csv | xlsx
    encoding: str = "utf-8"
    delimiter: str = ","
    sheet: str | None = None


def detect(path: Path, *, max_mb: int, sheet: str | None = None) -> SheetFormat:
    """Recognise CSV (UTF-8/BOM, UTF-16, Windows-1252; comma or semicolon) or XLSX, or refuse clearly."""
    with path.open("rb") as fh:
        head = fh.read(64 * 1024)
    if not head.strip():
        raise InvalidInput("The file is empty.")
    if head.startswith(b"PK\x03\x04"):
        check_xlsx(path, max_mb=max_mb)
        return SheetFormat("xlsx", sheet=sheet)
    for magic, message in BINARY_MAGIC.items():
        if head.startswith(magic):
            raise InvalidInput(message)
    encoding = _csv_encoding(path, head)
    text = head.decode(encoding, errors="ignore")
    first_line = text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    if first_line.count("\t") > max(first_line.count(","), first_line.count(";")):
        delimiter = "\t"
    return SheetFormat("csv", encoding=encoding, delimiter=delimiter)


def _csv_encoding(path: Path, head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise InvalidInput("This is not a CSV or XLSX file. Save the staff list as CSV or XLSX and upload again.")
    # UTF-8 unless no line holds a UTF-8 character beyond ASCII: then the file is Windows-1252 throughout (Excel's
    # "CSV" on Windows). A UTF-8 file with a few bytes that are no UTF-8 stays UTF-8: those bytes are read as
    # U+FFFD and only their rows are refused (`BAD_TEXT`), so one stray byte cannot garble every Hindi name.
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    utf8_characters = replaced = False
    with path.open("rb") as fh:
        while block := fh.read(MB):
            text = decoder.decode(block)
            if _looks_binary(text):
                raise InvalidInput("This is not a CSV or XLSX file. Save it as CSV or XLSX and upload again.")
            utf8_characters = utf8_characters or _UTF8_CHARACTER.search(text) is not None
            replaced = replaced or "\ufffd" in text
        decoder.decode(b"", final=True)
    if utf8_characters or not replaced or not _fails_utf8(path):
        return "utf-8"
    return "cp1252"


def _fails_utf8(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as fh:
            while block := fh.read(MB):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return True
    return False


def _looks_binary(text: str) -> bool:
    controls = sum(1 for c in text[:4096] if c < " " and c not in "\t\r\n")
    return controls > 8


def check_xlsx(path: Path, *, max_mb: int) -> None:
    """Refuse a damaged XLSX, a ZIP that is not a workbook, and a zip bomb, before opening it."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise InvalidInput("This XLSX file is damaged and cannot be opened. Save it again and upload.") from exc
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        raise InvalidInput("This ZIP file is not an Excel workbook. Upload the staff list as CSV or XLSX.")
    total = sum(i.file_size for i in infos)
    bomb = any(i.file_size > MB and i.file_size > MAX_ZIP_RATIO * max(i.compress_size, 1) for i in infos)
    if bomb or total > 20 * max_mb * MB:
        raise InvalidInput("This XLSX file unpacks to far more data than a staff list holds; it was refused.")


def read_rows(path: Path, fmt: SheetFormat) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells as text) for the header (row 1) and every non-blank row after it."""
    if fmt.kind == "xlsx":
        yield from _xlsx_rows(path, fmt.sheet)
        return
    with path.open("r", encoding=fmt.encoding, errors="replace", newline="") as fh:
        reader = csv.reader(fh, delimiter=fmt.delimiter)
        try:
            for number, row in enumerate(reader, start=1):
                cells = [c.strip() for c in row]
                if number == 1 and cells:
                    cells[0] = cells[0].lstrip("\ufeff")
                if number == 1 or any(cells):
                    yield number, cells
        except csv.Error as exc:
            raise InvalidInput(
                "The CSV file is malformed near row {row}: {problem}.", row=reader.line_num, problem=str(exc)
            ) from exc


def _xlsx_rows(path: Path, sheet: str | None) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    handle = path.open("rb")  # a file object: openpyxl refuses paths not ending in .xlsx
    try:
        wb = load_workbook(handle, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        handle.close()
        raise InvalidInput("This XLSX file is damaged and cannot be opened. Save it again and upload.") from exc
    try:
        if sheet:
            if sheet not in wb.sheetnames:
                raise InvalidInput(
                    "The workbook has no sheet named '{sheet}'. Sheets: {values}.",
                    sheet=sheet,
                    values=", ".join(wb.sheetnames),
                )
            ws = wb[sheet]
        else:
            ws = wb.worksheets[0]
        for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = [cell_text(v) for v in row]
            if number == 1 or any(cells):
                yield number, cells
    finally:
        with suppress(Exception):
            wb.close()
        handle.close()


def inspect(path: Path, fmt: SheetFormat, *, count: bool) -> tuple[Columns, int]:
    """The matched columns and the number of staff rows (1 when not counted); refuses a list with none."""
    rows = read_rows(path, fmt)
    first = next(rows, None)
    if first is None:
        raise InvalidInput("The file is empty.")
    cols = match_columns(first[1])
    if count and fmt.kind == "csv":
        number = _count_csv(path, fmt)
    else:
        number = sum(1 for _ in rows) if count else (1 if next(rows, None) else 0)
    if number == 0:
        raise InvalidInput("The file has column headings but no staff rows.")
    return cols, number


def estimate_rows(path: Path, fmt: SheetFormat) -> int:
    """The number of staff rows for progress, read fast: line breaks of a UTF-8 or Windows-1252 CSV (blank lines
    and breaks inside quoted cells make it a little high; the import sets the exact count when it ends), else an
    exact count."""
    if fmt.kind != "csv" or fmt.encoding not in ("utf-8", "utf-8-sig", "cp1252"):
        return inspect(path, fmt, count=True)[1]
    lines, last = 0, b"\n"
    with path.open("rb") as fh:
        while block := fh.read(4 * MB):
            lines += block.count(b"\n")
            last = block[-1:]
    return max(1, lines - 1 + (last != b"\n"))  # less the header; a last line without a break counts


def _count_csv(path: Path, fmt: SheetFormat) -> int:
    with path.open("r", encoding=fmt.encoding, errors="replace", newline="") as fh:
        reader = csv.reader(fh, delimiter=fmt.delimiter)
        next(reader, None)
        try:
            return sum(1 for row in reader if any(c.strip() for c in row))
        except csv.Error as exc:
            raise InvalidInput(
                "The CSV file is malformed near row {row}: {problem}.", row=reader.line_num, problem=str(exc)
            ) from exc
