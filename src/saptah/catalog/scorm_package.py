"""SCORM packages as pure functions: a zip checked entry by entry (no path escape, no bomb, no link) and its
imsmanifest.xml read with a safe XML parser (defusedxml) into the package's version, title and launchable SCOs.

Nothing here touches the disk: the files are read into memory, checked and handed back, so the service can store
them in the database in the request's transaction (all or nothing, and every app process serves the same files).
"""

from __future__ import annotations

import io
import posixpath
import stat
import zipfile
from dataclasses import dataclass, field
from typing import Any

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from saptah.core.errors import InvalidInput, PayloadTooLarge

MANIFEST = "imsmanifest.xml"
MAX_FILES = 5000
MAX_PATH = 400
MAX_RATIO = 200  # a file that inflates more than this (and past 1 MB) is a zip bomb, not a course
RATIO_FLOOR = 1024 * 1024
CHUNK = 64 * 1024

# Strict content types by extension; anything else is served as an opaque download type.
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "htm": "text/html; charset=utf-8",
    "xhtml": "application/xhtml+xml",
    "js": "text/javascript; charset=utf-8",
    "mjs": "text/javascript; charset=utf-8",
    "css": "text/css; charset=utf-8",
    "json": "application/json",
    "xml": "application/xml",
    "xsd": "application/xml",
    "dtd": "application/xml-dtd",
    "txt": "text/plain; charset=utf-8",
    "vtt": "text/vtt; charset=utf-8",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "svg": "image/svg+xml",
    "ico": "image/x-icon",
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "ogg": "audio/ogg",
    "m4a": "audio/mp4",
    "mp4": "video/mp4",
    "webm": "video/webm",
    "woff": "font/woff",
    "woff2": "font/woff2",
    "ttf": "font/ttf",
    "otf": "font/otf",
    "eot": "application/vnd.ms-fontobject",
    "pdf": "application/pdf",
    "wasm": "application/wasm",
}
OPAQUE = "application/octet-stream"


def content_type_of(path: str) -> str:
    """The content type a package file is served with, by its extension (never sniffed)."""
    ext = path.rsplit(".", 1)[-1].lower() if "." in posixpath.basename(path) else ""
    return CONTENT_TYPES.get(ext, OPAQUE)


@dataclass(frozen=True)
class Sco:
    """One launchable item of the default organisation: its identifier, title, launch file and mastery score."""

    id: str
    title: str
    href: str  # path inside the package, with the item's parameters appended
    mastery_score: float | None  # 1.2: 0-100 raw score; 2004: -1..1 scaled (minNormalizedMeasure)

    def as_json(self) -> dict[str, Any]:
        """As stored on the package row."""
        return {"id": self.id, "title": self.title, "href": self.href, "mastery_score": self.mastery_score}


@dataclass
class Package:
    """A checked package: version ("1.2" or "2004"), title, SCOs in order, and its files."""

    version: str
    title: str
    scos: list[Sco]
    files: dict[str, bytes] = field(default_factory=dict)

    @property
    def total_bytes(self) -> int:
        """Uncompressed size of every file."""
        return sum(len(b) for b in self.files.values())


def read(data: bytes, *, max_bytes: int) -> Package:
    """Check a SCORM zip and read its manifest; a clear InvalidInput (or PayloadTooLarge) for anything unsafe."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise InvalidInput("This file is not a zip archive. Upload the SCORM package as a .zip file.") from exc
    with archive:
        files = _extract(archive, max_bytes=max_bytes)
    if MANIFEST not in files:
        raise InvalidInput("The package has no imsmanifest.xml at its top level, so it is not a SCORM package.")
    version, title, scos = parse_manifest(files[MANIFEST])
    for sco in scos:
        path = sco.href.split("?", 1)[0].split("#", 1)[0]
        if path not in files:
            raise InvalidInput(
                "The manifest's item '{item}' launches '{path}', which is not in the package.", item=sco.id, path=path
            )
    return Package(version, title, scos, files)


def safe_name(name: str) -> str:
    """A zip entry's name as a relative path inside the package; InvalidInput for one that could escape."""
    if "\\" in name or "\x00" in name:
        raise InvalidInput("The package entry '{name}' has a backslash or NUL in its name; refused.", name=name[:100])
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise InvalidInput("The package entry '{name}' has an absolute path; refused.", name=name[:100])
    parts = name.split("/")
    if any(p == ".." for p in parts):
        raise InvalidInput(
            "The package entry '{name}' points outside the package (zip slip); refused.", name=name[:100]
        )
    clean = "/".join(p for p in parts if p not in ("", "."))
    if len(clean) > MAX_PATH:
        raise InvalidInput(
            "The package entry '{clean}...' has a path longer than {MAX_PATH} characters.",
            clean=clean[:100],
            MAX_PATH=MAX_PATH,
        )
    return clean


def _extract(archive: zipfile.ZipFile, *, max_bytes: int) -> dict[str, bytes]:
    entries = archive.infolist()
    if len(entries) > MAX_FILES:
        raise InvalidInput(
            "The package holds {count} entries; at most {MAX_FILES} are accepted.",
            count=len(entries),
            MAX_FILES=MAX_FILES,
        )
    declared = sum(e.file_size for e in entries)
    if declared > max_bytes:
        raise PayloadTooLarge("The package unpacks to more than {limit} MB; refused.", limit=max_bytes // (1024 * 1024))
    files: dict[str, bytes] = {}
    total = 0
    for entry in entries:
        name = safe_name(entry.filename)
        mode = entry.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise InvalidInput("The package entry '{name}' is a symbolic link; refused.", name=name)
        if entry.flag_bits & 0x1:
            raise InvalidInput("The package entry '{name}' is encrypted; upload an unencrypted package.", name=name)
        if entry.is_dir() or not name:
            continue
        if name in files:
            raise InvalidInput("The package holds '{name}' twice; refused.", name=name)
        if entry.file_size > RATIO_FLOOR and entry.file_size > MAX_RATIO * max(1, entry.compress_size):
            ratio = entry.file_size // max(1, entry.compress_size)
            raise InvalidInput(
                "The package entry '{name}' inflates {ratio} times (a zip bomb); refused.", name=name, ratio=ratio
            )
        files[name] = _read_entry(archive, entry, name, max_bytes - total)
        total += len(files[name])
    return files


def _read_entry(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, name: str, allowance: int) -> bytes:
    """An entry's bytes, read in chunks so that a lying size header cannot inflate past the allowance."""
    out = bytearray()
    try:
        with archive.open(entry) as handle:
            while chunk := handle.read(CHUNK):
                out += chunk
                if len(out) > allowance or len(out) > entry.file_size:
                    raise PayloadTooLarge(
                        "The package entry '{name}' unpacks to more than it declares; refused.", name=name
                    )
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
        raise InvalidInput("The package entry '{name}' cannot be unpacked ({exc}).", name=name, exc=exc) from exc
    return bytes(out)


# imsmanifest.xml


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(node: Any, name: str) -> list[Any]:
    return [c for c in node if _local(c.tag) == name]


def _child(node: Any, name: str) -> Any:
    found = _children(node, name)
    return found[0] if found else None


def _text(node: Any, name: str) -> str:
    child = _child(node, name)
    return (child.text or "").strip() if child is not None else ""


def _attr(node: Any, name: str) -> str:
    for key, value in node.attrib.items():
        if _local(key).lower() == name.lower():
            return str(value).strip()
    return ""


def parse_manifest(raw: bytes) -> tuple[str, str, list[Sco]]:
    """Version, title and SCOs of an imsmanifest.xml (entities, DTDs and external references refused)."""
    try:
        root = ElementTree.fromstring(raw, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise InvalidInput("imsmanifest.xml uses DTDs or entities, which are refused for safety.") from exc
    except ElementTree.ParseError as exc:
        raise InvalidInput("imsmanifest.xml is not well-formed XML ({exc}).", exc=exc) from exc
    if _local(root.tag) != "manifest":
        raise InvalidInput("imsmanifest.xml does not start with a <manifest> element.")
    version = _version(root)
    organizations = _child(root, "organizations")
    orgs = _children(organizations, "organization") if organizations is not None else []
    if not orgs:
        raise InvalidInput("imsmanifest.xml has no <organization>, so there is nothing to launch.")
    default = _attr(organizations, "default")
    org = next((o for o in orgs if _attr(o, "identifier") == default), orgs[0])
    resources = _child(root, "resources")
    by_id = {_attr(r, "identifier"): r for r in (_children(resources, "resource") if resources is not None else [])}
    base = _attr(resources, "base") if resources is not None else ""
    scos: list[Sco] = []
    for item in org.iter():
        if _local(item.tag) == "item" and _attr(item, "identifierref"):
            scos.append(_sco(item, by_id, base, version))
    if not scos:
        raise InvalidInput("imsmanifest.xml's organisation has no item that launches a resource.")
    if len({s.id for s in scos}) != len(scos):
        raise InvalidInput("imsmanifest.xml names the same item identifier twice.")
    title = _text(org, "title") or _attr(org, "identifier") or "SCORM package"
    return version, title[:300], scos


def _version(root: Any) -> str:
    metadata = _child(root, "metadata")
    schema_version = _text(metadata, "schemaversion") if metadata is not None else ""
    if schema_version == "1.2":
        return "1.2"
    if "2004" in schema_version or schema_version.startswith("CAM 1.3"):
        return "2004"
    namespaces = " ".join(str(v) for v in root.attrib.values()) + " " + str(root.tag)
    if "adlcp_v1p3" in namespaces or "imscp_v1p1" in namespaces:
        return "2004"
    if schema_version == "" and "adlcp_rootv1p2" in namespaces:
        return "1.2"
    if schema_version:
        raise InvalidInput(
            "imsmanifest.xml's schemaversion '{schema_version}' is neither SCORM 1.2 nor 2004.",
            schema_version=schema_version[:40],
        )
    return "1.2"


def _sco(item: Any, resources: dict[str, Any], base: str, version: str) -> Sco:
    ident = _attr(item, "identifier")
    if not ident or len(ident) > 200:
        raise InvalidInput("imsmanifest.xml has an item without an identifier (or with one over 200 characters).")
    resource = resources.get(_attr(item, "identifierref"))
    if resource is None:
        raise InvalidInput(
            "The manifest's item '{ident}' refers to a resource that the manifest does not define.", ident=ident
        )
    href = _attr(resource, "href")
    if not href or "://" in href or href.startswith("//"):
        raise InvalidInput("The manifest's item '{ident}' has no launch file inside the package.", ident=ident)
    path, _, query = href.partition("?")
    clean = safe_name(posixpath.join(base, _attr(resource, "base"), path))
    parameters = _attr(item, "parameters")
    if parameters:
        query = (query + "&" if query else "") + parameters.lstrip("?&")
    return Sco(
        id=ident,
        title=(_text(item, "title") or ident)[:300],
        href=clean + (f"?{query}" if query else ""),
        mastery_score=_mastery(item, version),
    )


def _mastery(item: Any, version: str) -> float | None:
    if version == "1.2":
        raw = _text(item, "masteryscore")
        return _number(raw, 0, 100, "adlcp:masteryscore") if raw else None
    sequencing = _child(item, "sequencing")
    objectives = _child(sequencing, "objectives") if sequencing is not None else None
    primary = _child(objectives, "primaryObjective") if objectives is not None else None
    if primary is None or _attr(primary, "satisfiedByMeasure").lower() != "true":
        return None
    raw = _text(primary, "minNormalizedMeasure")
    return _number(raw or "1.0", -1, 1, "imsss:minNormalizedMeasure")


def _number(raw: str, low: float, high: float, what: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise InvalidInput("imsmanifest.xml's {what} '{raw}' is not a number.", what=what, raw=raw[:40]) from None
    if not low <= value <= high:
        raise InvalidInput(
            "imsmanifest.xml's {what} {raw} is outside {low:g} to {high:g}.",
            what=what,
            raw=raw[:40],
            low=low,
            high=high,
        )
    return value
