"""Attachments on disk: a few kinds of file, recognised by their content (never by the name or type sent), under
a size limit, kept under the upload folder and served back with the type Saptah found."""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from saptah.core.errors import InvalidInput, PayloadTooLarge

MAX_BYTES = 5 * 1024 * 1024
MAX_FILES = 3
# kind -> (media type, extension); an image is shown in the page, anything else is downloaded
KINDS = {
    "pdf": ("application/pdf", "pdf"),
    "png": ("image/png", "png"),
    "jpeg": ("image/jpeg", "jpg"),
    "text": ("text/plain; charset=utf-8", "txt"),
}
INLINE = {"image/png", "image/jpeg"}
ALLOWED = "PDF, PNG, JPEG or plain text"


def folder(upload_dir: Path) -> Path:
    """Where attachments are kept."""
    path = Path(upload_dir) / "discussions"
    path.mkdir(parents=True, exist_ok=True)
    return path


def kind_of(data: bytes) -> str | None:
    """What the bytes are: one of KINDS, or None for anything else."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "text" if "\x00" not in text else None


@dataclass(frozen=True)
class Stored:
    """A checked file written to disk."""

    filename: str
    media_type: str
    size: int
    stored_name: str
    sha256: str


def safe_name(filename: str, ext: str) -> str:
    """A download name made of safe characters, with the extension of what the file really is."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(filename or "file").stem).strip("._")[:80] or "file"
    return f"{stem}.{ext}"


def check(filename: str, data: bytes) -> tuple[str, str]:
    """The media type and download name of an acceptable file; a clear error for any other."""
    if not data:
        raise InvalidInput("The file {filename} is empty.", filename=filename)
    if len(data) > MAX_BYTES:
        raise PayloadTooLarge(
            "The file {filename} is larger than the limit of {limit} MB.",
            filename=filename,
            limit=MAX_BYTES // (1024 * 1024),
        )
    kind = kind_of(data)
    if kind is None:
        raise InvalidInput(
            "The file {filename} cannot be attached: attach a {ALLOWED} file.", filename=filename, ALLOWED=ALLOWED
        )
    media, ext = KINDS[kind]
    return media, safe_name(filename, ext)


def store(upload_dir: Path, filename: str, data: bytes) -> Stored:
    """Check a file and keep it; returns what to record."""
    media, name = check(filename, data)
    stored_name = f"{uuid.uuid4().hex}.bin"
    (folder(upload_dir) / stored_name).write_bytes(data)
    return Stored(name, media, len(data), stored_name, hashlib.sha256(data).hexdigest())


def remove(upload_dir: Path, stored_name: str) -> None:
    """Delete a kept file (a post that was not saved after all)."""
    (folder(upload_dir) / stored_name).unlink(missing_ok=True)


def path_of(upload_dir: Path, stored_name: str) -> Path:
    """Where a kept file is."""
    return folder(upload_dir) / stored_name
