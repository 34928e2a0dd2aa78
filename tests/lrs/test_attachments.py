"""Attachments over multipart/mixed and JWS-signed statements."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from tests.lrs.helpers import new_id, statement

SIGNATURE = "http://adlnet.gov/expapi/attachments/signature"
BOUNDARY = "abcABC0123"


def _multipart(statements, parts, *, cte="binary", hash_header=True):
    out = [f"--{BOUNDARY}\r\nContent-Type: application/json\r\n\r\n".encode() + json.dumps(statements).encode()]
    for ctype, content in parts:
        head = f"--{BOUNDARY}\r\nContent-Type: {ctype}\r\n"
        if cte:
            head += f"Content-Transfer-Encoding: {cte}\r\n"
        if hash_header:
            head += f"X-Experience-API-Hash: {hashlib.sha256(content).hexdigest()}\r\n"
        out.append(head.encode() + b"\r\n" + content)
    return b"\r\n".join(out) + f"\r\n--{BOUNDARY}--".encode()


def _with_attachment(content, usage="https://example.org/usage/certificate", ctype="application/pdf"):
    s = statement(id=new_id(), activity="https://example.org/att")
    s["attachments"] = [
        {
            "usageType": usage,
            "display": {"en-US": "Attachment"},
            "contentType": ctype,
            "length": len(content),
            "sha2": hashlib.sha256(content).hexdigest(),
        }
    ]
    return s


def _post(client, auth, body):
    return client.post(
        "/xapi/statements", content=body, headers={**auth, "Content-Type": f"multipart/mixed; boundary={BOUNDARY}"}
    )


def test_attachment_is_stored_and_returned_with_attachments_true(client, auth):
    pdf = b"%PDF-1.4 certificate \x00\x01\x02 binary"
    s = _with_attachment(pdf)
    r = _post(client, auth, _multipart(s, [("application/pdf", pdf)]))
    assert r.status_code == 200, r.text
    got = client.get("/xapi/statements", params={"statementId": s["id"], "attachments": "true"}, headers=auth)
    assert got.status_code == 200
    assert got.headers["Content-Type"].startswith("multipart/mixed")
    assert pdf in got.content
    assert hashlib.sha256(pdf).hexdigest().encode() in got.content
    plain = client.get("/xapi/statements", params={"statementId": s["id"]}, headers=auth)
    assert plain.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"cte": None}, "Content-Transfer-Encoding"),
        ({"cte": "base64"}, "Content-Transfer-Encoding"),
        ({"hash_header": False}, "X-Experience-API-Hash"),
    ],
)
def test_attachment_parts_without_the_required_headers_are_refused(client, auth, kwargs, words):
    data = b"hello"
    r = _post(client, auth, _multipart(_with_attachment(data), [("text/plain", data)], **kwargs))
    assert r.status_code == 400
    assert words in r.json()["error"]["message"]


def test_attachment_missing_or_unmatched_is_refused(client, auth):
    data = b"hello"
    r = _post(client, auth, _multipart(_with_attachment(data), []))
    assert r.status_code == 400
    assert "no part" in r.json()["error"]["message"]
    other = _with_attachment(b"other content")
    r = _post(client, auth, _multipart(other, [("text/plain", data)]))
    assert r.status_code == 400


def test_attachment_with_only_a_file_url_needs_no_part(client, auth):
    s = _with_attachment(b"remote")
    s["attachments"][0]["fileUrl"] = "https://files.example.org/cert.pdf"
    assert client.post("/xapi/statements", json=s, headers=auth).status_code == 200


def _key_and_cert():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Provider")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return key, base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _jws(payload, key, x5c, alg="RS256"):
    header = _b64(json.dumps({"alg": alg, "x5c": [x5c]}).encode())
    body = _b64(json.dumps(payload).encode())
    algo = {"RS256": hashes.SHA256(), "RS384": hashes.SHA384(), "RS512": hashes.SHA512()}.get(alg, hashes.SHA256())
    sig = key.sign(f"{header}.{body}".encode(), padding.PKCS1v15(), algo)
    return f"{header}.{body}.{_b64(sig)}".encode()


def _signed(payload_changes=None, alg="RS256", tamper=False):
    key, x5c = _key_and_cert()
    s = statement(id=new_id(), activity="https://example.org/signed")
    payload = dict(s, **(payload_changes or {}))
    jws = _jws(payload, key, x5c, alg)
    if tamper:
        head, body, _sig = jws.split(b".")
        jws = head + b"." + body + b"." + _b64(b"\x00" * 256).encode()
    s["attachments"] = [
        {
            "usageType": SIGNATURE,
            "display": {"en-US": "Signature"},
            "contentType": "application/octet-stream",
            "length": len(jws),
            "sha2": hashlib.sha256(jws).hexdigest(),
        }
    ]
    return s, jws


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
def test_a_correctly_signed_statement_is_accepted(client, auth, alg):
    s, jws = _signed(alg=alg)
    r = _post(client, auth, _multipart(s, [("application/octet-stream", jws)]))
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"tamper": True}, "does not verify"),
        ({"payload_changes": {"verb": {"id": "http://adlnet.gov/expapi/verbs/failed"}}}, "does not match"),
    ],
)
def test_a_bad_signature_is_refused(client, auth, reader, kwargs, words):
    s, jws = _signed(**kwargs)
    r = _post(client, auth, _multipart(s, [("application/octet-stream", jws)]))
    assert r.status_code == 400
    assert words in r.json()["error"]["message"]
    assert client.get("/xapi/statements", params={"statementId": s["id"]}, headers=reader).status_code == 404


def test_a_signature_with_another_algorithm_is_refused(client, auth):
    s, _jws_bytes = _signed()
    bogus = (_b64(b'{"alg":"HS256"}') + "." + _b64(json.dumps(s).encode()) + ".c2ln").encode()
    s["attachments"][0]["sha2"] = hashlib.sha256(bogus).hexdigest()
    s["attachments"][0]["length"] = len(bogus)
    r = _post(client, auth, _multipart(s, [("application/octet-stream", bogus)]))
    assert r.status_code == 400
    assert "RS256" in r.json()["error"]["message"]


def test_a_signature_matches_a_duration_to_the_hundredth_of_a_second(client, auth):
    """IEEE 9274.1.1 4.2.7: precision beyond 0.01 s is not compared; a difference in the hundredths still is."""
    s, jws = _signed(payload_changes={"result": {"duration": "P1DT12H36M0.12S"}})
    s["result"] = {"duration": "P1DT12H36M0.1237S"}
    r = _post(client, auth, _multipart(s, [("application/octet-stream", jws)]))
    assert r.status_code == 200, r.text
    s, jws = _signed(payload_changes={"result": {"duration": "P1DT12H36M0.12S"}})
    s["result"] = {"duration": "P1DT12H36M0.13S"}
    r = _post(client, auth, _multipart(s, [("application/octet-stream", jws)]))
    assert r.status_code == 400
    assert "does not match" in r.json()["error"]["message"]
