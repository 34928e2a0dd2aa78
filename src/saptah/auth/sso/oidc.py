"""The OpenID Connect protocol, with no database: discovery, the authorisation request (PKCE), the code exchange
and the checks on the signed ID token (signature, issuer, audience, expiry, nonce).

PKCE and the ID token checks come from Authlib and joserfc; this module only says which checks apply. Discovery
documents and key sets are kept for an hour per issuer (a key set is fetched again at once when a token names a
key it does not hold, which is how providers roll their keys)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ExpiredTokenError,
    InvalidClaimError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import KeySet

from saptah.config import IdentityProvider
from saptah.core.errors import NotAuthenticated, SaptahError
from saptah.web.i18n import N_

CACHE_SECONDS = 3600
MAX_SUBJECT = 255
LEEWAY_SECONDS = 60  # clocks of Saptah and the provider may differ this much
UNSIGNED = {"none"}
MISCONFIGURED = N_("This identity provider is not set up the way Saptah needs. Tell the Saptah team.")
WRONG_NONCE = "The identity provider's ID token belongs to another sign-in (wrong nonce). Sign in again."


class ProviderUnavailable(SaptahError):
    """The identity provider did not answer, or answered something that is not OpenID Connect."""

    status_code = 502
    code = "identity_provider_unavailable"


class BadIdToken(NotAuthenticated):
    """The identity provider's answer failed a check; the person is not signed in."""


@dataclass
class _Entry:
    at: float
    value: dict[str, Any]


@dataclass
class ProviderCache:
    """Discovery documents and key sets per issuer; one per app (built in create_app)."""

    timeout: float = 10.0
    _docs: dict[str, _Entry] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _get(self, url: str, *, fresh: bool = False) -> dict[str, Any]:
        with self._lock:
            entry = self._docs.get(url)
        if entry is not None and not fresh and time.monotonic() - entry.at < CACHE_SECONDS:
            return entry.value
        value = fetch_json(url, timeout=self.timeout)
        with self._lock:
            self._docs[url] = _Entry(time.monotonic(), value)
        return value

    def metadata(self, provider: IdentityProvider) -> dict[str, Any]:
        """The provider's discovery document, checked to be its own and to offer the code flow."""
        url = provider.issuer.rstrip("/") + "/.well-known/openid-configuration"
        doc = self._get(url)
        if doc.get("issuer") != provider.issuer:
            raise ProviderUnavailable(MISCONFIGURED, details=f"{provider.name}: another issuer in discovery")
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(doc.get(key), str):
                raise ProviderUnavailable(MISCONFIGURED, details=f"{provider.name}: no {key} in discovery")
        methods = doc.get("code_challenge_methods_supported")
        if methods is not None and "S256" not in methods:
            raise ProviderUnavailable(MISCONFIGURED, details=f"{provider.name}: no PKCE with S256")
        return doc

    def keys(self, jwks_uri: str, *, fresh: bool = False) -> KeySet:
        """The provider's signing keys."""
        try:
            return KeySet.import_key_set(self._get(jwks_uri, fresh=fresh))  # type: ignore[arg-type]
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            raise ProviderUnavailable(N_("The identity provider's key set cannot be read.")) from exc


def fetch_json(url: str, *, timeout: float, **kwargs: Any) -> dict[str, Any]:
    """GET a JSON object, or a clear error naming what went wrong."""
    try:
        response = httpx.get(url, timeout=timeout, **kwargs)
        response.raise_for_status()
        value = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise ProviderUnavailable(N_("The identity provider cannot be reached. Try again in a few minutes.")) from exc
    if not isinstance(value, dict):
        raise ProviderUnavailable(N_("The identity provider answered something that is not a JSON object."))
    return value


def authorisation_url(
    provider: IdentityProvider, meta: dict[str, Any], *, redirect_uri: str, state: str, nonce: str, verifier: str
) -> str:
    """Where to send the browser: the code flow with PKCE (S256), state and nonce."""
    params = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": redirect_uri,
        "scope": provider.scopes,
        "state": state,
        "nonce": nonce,
        "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256",
    }
    endpoint: str = meta["authorization_endpoint"]
    return endpoint + ("&" if "?" in endpoint else "?") + urlencode(params)


def exchange_code(
    provider: IdentityProvider, meta: dict[str, Any], *, code: str, redirect_uri: str, verifier: str, timeout: float
) -> dict[str, Any]:
    """Trade the authorisation code (and the PKCE verifier) for tokens at the token endpoint."""
    methods = meta.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri, "code_verifier": verifier}
    auth: tuple[str, str] | None = (provider.client_id, provider.client_secret)
    if "client_secret_basic" not in methods and "client_secret_post" in methods:
        data |= {"client_id": provider.client_id, "client_secret": provider.client_secret}
        auth = None
    try:
        response = httpx.post(meta["token_endpoint"], data=data, auth=auth, timeout=timeout)
        body = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise ProviderUnavailable(N_("The identity provider cannot be reached. Try again in a few minutes.")) from exc
    if response.status_code != 200 or not isinstance(body, dict) or "error" in body:
        raise NotAuthenticated("The identity provider did not accept this sign-in. Start again from the sign-in page.")
    if not isinstance(body.get("id_token"), str):
        raise BadIdToken(N_("The identity provider sent no ID token. You are not signed in."))
    return body


def verify_id_token(
    provider: IdentityProvider,
    meta: dict[str, Any],
    cache: ProviderCache,
    token: str,
    *,
    nonce: str,
    now: int | None = None,
) -> dict[str, Any]:
    """The claims of a signed ID token that passes every check, or BadIdToken saying which failed."""
    algorithms = [a for a in meta.get("id_token_signing_alg_values_supported", ["RS256"]) if a not in UNSIGNED]
    algorithms = [a for a in algorithms if not a.startswith("HS")]  # asymmetric keys from the key set only
    try:
        decoded = _decode(token, cache, meta["jwks_uri"], algorithms)
    except BadSignatureError as exc:
        raise BadIdToken(N_("The identity provider's ID token has a bad signature. You are not signed in.")) from exc
    except JoseError as exc:
        raise BadIdToken(N_("The identity provider's ID token cannot be read. You are not signed in.")) from exc
    registry = jwt.JWTClaimsRegistry(
        now=now,
        leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": provider.issuer},
        sub={"essential": True},
        aud={"essential": True, "value": provider.client_id},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    claims = dict(decoded.claims)
    try:
        registry.validate(claims)
    except ExpiredTokenError as exc:
        raise BadIdToken(N_("The identity provider's ID token has expired. Sign in again.")) from exc
    except (InvalidClaimError, MissingClaimError) as exc:
        name = getattr(exc, "claim", "") or ""
        if name == "nonce":
            raise BadIdToken(
                N_("The identity provider's ID token belongs to another sign-in (wrong nonce). Sign in again.")
            ) from exc
        raise BadIdToken(N_("The identity provider's ID token failed a check. You are not signed in.")) from exc
    except JoseError as exc:
        raise BadIdToken(N_("The identity provider's ID token failed a check. You are not signed in.")) from exc
    if not isinstance(claims["sub"], str) or not 0 < len(claims["sub"]) <= MAX_SUBJECT:  # OpenID Core: 255 ASCII
        raise BadIdToken(N_("The identity provider's ID token failed a check. You are not signed in."))
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != provider.client_id:
        raise BadIdToken(N_("The identity provider's ID token failed a check. You are not signed in."))
    return claims


def _decode(token: str, cache: ProviderCache, jwks_uri: str, algorithms: list[str]) -> jwt.Token:
    keys = cache.keys(jwks_uri)
    try:
        return jwt.decode(token, keys, algorithms=algorithms)
    except (ValueError, JoseError) as exc:
        if isinstance(exc, BadSignatureError):
            raise
        # a key this set does not hold: the provider may have rolled its keys; read the set again once
        return jwt.decode(token, cache.keys(jwks_uri, fresh=True), algorithms=algorithms)


def userinfo(meta: dict[str, Any], access_token: str, *, sub: str, timeout: float) -> dict[str, Any]:
    """The userinfo claims (providers may keep e-mail and name out of the ID token); its sub must match."""
    endpoint = meta.get("userinfo_endpoint")
    if not isinstance(endpoint, str) or not access_token:
        return {}
    info = fetch_json(endpoint, timeout=timeout, headers={"Authorization": f"Bearer {access_token}"})
    if info.get("sub") != sub:
        raise BadIdToken(N_("The identity provider's userinfo is about someone else."))
    return info


def end_session_url(meta: dict[str, Any], *, id_token: str | None, client_id: str, after: str) -> str | None:
    """The provider's sign-out address (RP-initiated logout), where it offers one."""
    endpoint = meta.get("end_session_endpoint")
    if not isinstance(endpoint, str):
        return None
    params = {"client_id": client_id, "post_logout_redirect_uri": after}
    if id_token:
        params["id_token_hint"] = id_token
    return endpoint + ("&" if "?" in endpoint else "?") + urlencode(params)
