"""multipart/mixed bodies with attachments, and JWS-signed statements (RS256/384/512)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from saptah.core.errors import InvalidInput

SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"
JWS_HASHES: dict[str, hashes.HashAlgorithm] = {
    "RS256": hashes.SHA256(),
    "RS384": hashes.SHA384(),
    "RS512": hashes.SHA512(),
}
SHA2_BY_LENGTH = {56: hashlib.sha224, 64: hashlib.sha256, 96: hashlib.sha384, 128: hashlib.sha512}


@dataclass(frozen=True)
class Part:
    """One attachment part of a multipart/mixed request."""

    content_type: str
    content: bytes


def boundary_of(content_type: str) -> str | None:
    """The boundary parameter of a multipart content type."""
    for param in content_type.split(";")[1:]:
        name, _, value = param.strip().partition("=")
        if name.lower() == "boundary":
            return value.strip().strip('"')
    return None


def _headers(block: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in block.decode("latin-1").split("\r\n"):
        if ":" in line:
            name, _, value = line.partition(":")
            out[name.strip().lower()] = value.strip()
    return out


def parse_multipart(body: bytes, content_type: str) -> tuple[bytes, dict[str, Part]]:
    """The statements part and the attachment parts by hash; refuses anything the spec does not allow."""
    boundary = boundary_of(content_type)
    if not boundary:
        raise InvalidInput("multipart/mixed needs a boundary parameter.")
    delimiter = b"--" + boundary.encode()
    chunks = body.split(delimiter)
    if len(chunks) < 3 or not chunks[-1].startswith(b"--"):
        raise InvalidInput("The multipart body is not terminated by its closing boundary.")
    parts: list[tuple[dict[str, str], bytes]] = []
    for chunk in chunks[1:-1]:
        chunk = chunk[2:] if chunk.startswith(b"\r\n") else chunk
        head, sep, content = chunk.partition(b"\r\n\r\n")
        if not sep:
            raise InvalidInput("A multipart part has no header/body separator.")
        parts.append((_headers(head), content[:-2] if content.endswith(b"\r\n") else content))
    if not parts:
        raise InvalidInput("The multipart body has no parts.")
    first_headers, statements = parts[0]
    if not first_headers.get("content-type", "").lower().startswith("application/json"):
        raise InvalidInput("The first part of a multipart/mixed request must be application/json statements.")
    found: dict[str, Part] = {}
    for headers, content in parts[1:]:
        digest = headers.get("x-experience-api-hash")
        if not digest:
            raise InvalidInput("Every attachment part needs an X-Experience-API-Hash header.")
        if headers.get("content-transfer-encoding", "").lower() != "binary":
            raise InvalidInput("Every attachment part needs Content-Transfer-Encoding: binary.")
        algo = SHA2_BY_LENGTH.get(len(digest))
        if algo is None or algo(content).hexdigest() != digest.lower():
            raise InvalidInput(f"Attachment part {digest} does not match its X-Experience-API-Hash.")
        found[digest.lower()] = Part(headers.get("content-type", "application/octet-stream"), content)
    return statements, found


def _b64(segment: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (ValueError, TypeError) as exc:
        raise InvalidInput("The statement signature is not valid base64url JWS.") from exc


_SECONDS_RE = re.compile(r"(\d+)(?:\.(\d+))?S$")


def _hundredths(duration: Any) -> Any:
    """A duration with its seconds cut to 0.01 s: finer precision is not compared (IEEE 9274.1.1, 4.2.7)."""
    if not isinstance(duration, str):
        return duration
    found = _SECONDS_RE.search(duration)
    if found is None:
        return duration
    fraction = (found.group(2) or "")[:2].rstrip("0")
    return duration[: found.start()] + found.group(1) + ("." + fraction if fraction else "") + "S"


def _comparable(statement: dict[str, Any], keep_id: bool) -> dict[str, Any]:
    drop = {"authority", "stored", "version", "attachments"}
    if not keep_id:
        drop |= {"id"}
    out = {k: v for k, v in statement.items() if k not in drop}
    result = out.get("result")
    if isinstance(result, dict) and "duration" in result:
        out["result"] = {**result, "duration": _hundredths(result["duration"])}
    obj = out.get("object")
    if isinstance(obj, dict) and obj.get("objectType") == "SubStatement":
        out["object"] = _comparable(obj, keep_id=True)
    return out


def verify_signature(statement: dict[str, Any], jws: bytes) -> None:
    """Check a signature attachment: RS256/384/512 JWS whose payload equals the statement."""
    try:
        header_b64, payload_b64, signature_b64 = jws.decode("ascii").strip().split(".")
        header = json.loads(_b64(header_b64))
        payload = json.loads(_b64(payload_b64))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput("The statement signature is not a compact JWS.") from exc
    if not isinstance(header, dict) or header.get("alg") not in JWS_HASHES:
        raise InvalidInput("The statement signature must use RS256, RS384 or RS512.")
    if not isinstance(payload, dict):
        raise InvalidInput("The statement signature's payload is not a statement.")
    keep_id = "id" in payload
    if _comparable(payload, keep_id) != _comparable(statement, keep_id):
        raise InvalidInput("The statement signature's payload does not match the statement.")
    chain = header.get("x5c")
    if chain:
        try:
            key = x509.load_der_x509_certificate(base64.b64decode(chain[0])).public_key()
        except (ValueError, TypeError, IndexError) as exc:
            raise InvalidInput("The statement signature's x5c certificate cannot be read.") from exc
        if not isinstance(key, rsa.RSAPublicKey):
            raise InvalidInput("The statement signature's certificate does not hold an RSA key.")
        try:
            key.verify(
                _b64(signature_b64),
                f"{header_b64}.{payload_b64}".encode(),
                padding.PKCS1v15(),
                JWS_HASHES[header["alg"]],
            )
        except InvalidSignature as exc:
            raise InvalidInput("The statement signature does not verify.") from exc


def check_attachments(statements: list[dict[str, Any]], parts: dict[str, Part]) -> None:
    """Every attachment without fileUrl has its part, every part is used, signatures verify."""
    used: set[str] = set()
    for index, statement in enumerate(statements):
        for meta in statement.get("attachments") or []:
            sha2 = str(meta["sha2"]).lower()
            part = parts.get(sha2)
            if part is None:
                if "fileUrl" in meta:
                    continue
                raise InvalidInput(f"statement[{index}]: attachment {sha2} has no part in the request.")
            used.add(sha2)
            if meta["usageType"] == SIGNATURE_USAGE:
                if meta["contentType"] != "application/octet-stream":
                    raise InvalidInput(f"statement[{index}]: a signature attachment must be application/octet-stream.")
                verify_signature(statement, part.content)
    unused = set(parts) - used
    if unused:
        raise InvalidInput(f"Attachment part {sorted(unused)[0]} is not named by any statement.")


def multipart_body(first: bytes, attachments: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    """Build a multipart/mixed response: statements first, then each (sha2, content type, bytes)."""
    boundary = "saptah-" + hashlib.sha1(first).hexdigest()[:24]  # noqa: S324 (a boundary, not security)
    out = [f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode() + first + b"\r\n"]
    for sha2, ctype, content in attachments:
        head = (
            f"--{boundary}\r\nContent-Type: {ctype}\r\nContent-Transfer-Encoding: binary\r\n"
            f"X-Experience-API-Hash: {sha2}\r\n\r\n"
        )
        out.append(head.encode() + content + b"\r\n")
    out.append(f"--{boundary}--".encode())
    return b"".join(out), f'multipart/mixed; boundary="{boundary}"'
