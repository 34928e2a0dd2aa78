"""Password hashing (Argon2), opaque tokens stored only as hashes, and values signed with the secret key."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()  # argon2-cffi's defaults: RFC 9106's low-memory profile (t=3, m=64 MiB, p=4)
MIN_PASSWORD_LENGTH = 10


def use_hasher(hasher: PasswordHasher) -> None:
    """Hash new passwords with other Argon2 parameters (the test suite uses cheap ones so that its thousands of
    accounts do not take minutes; a stored hash carries its own parameters, so verifying is unaffected)."""
    global _hasher
    _hasher = hasher


def hash_password(password: str) -> str:
    """Argon2id hash of a password."""
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when the password matches; constant work even for unknown users."""
    if not stored_hash:
        _hasher.hash(password)  # spend the same time so timing does not reveal unknown accounts
        return False
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_token(prefix: str = "") -> str:
    """A fresh URL-safe random token."""
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """SHA-256 of a high-entropy token (such tokens need no slow hash)."""
    return hashlib.sha256(token.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time comparison."""
    return hmac.compare_digest(a.encode(), b.encode())


def sign(secret: str, value: str) -> str:
    """`value` with an HMAC-SHA256 of it under the secret key (`value.mac`; value must hold no dot)."""
    return f"{value}.{_mac(secret, value)}"


def signed_by(secret: str, token: str) -> bool:
    """Whether `token` was made by `sign` with this secret key."""
    value, _dot, mac = token.rpartition(".")
    return bool(value) and same(mac, _mac(secret, value))


def _mac(secret: str, value: str) -> str:
    digest = hmac.new(secret.encode(), value.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")
