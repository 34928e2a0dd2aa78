"""The ID token checks, one failure at a time, against tokens minted with a test key served from a JWKS."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from joserfc import jws
from joserfc.jwk import RSAKey

from saptah.auth.sso import oidc
from saptah.config import IdentityProvider
from tests.sso.issuer import CLIENT_ID, CLIENT_SECRET, TinyIssuer

NONCE = "the-nonce-of-this-sign-in"


@pytest.fixture(scope="module")
def issuer() -> Iterator[TinyIssuer]:
    tiny = TinyIssuer()
    tiny.nonce = NONCE
    yield tiny
    tiny.stop()


@pytest.fixture
def provider(issuer: TinyIssuer) -> IdentityProvider:
    return IdentityProvider(
        name="tiny", label="Tiny", issuer=issuer.url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET
    )


def check(issuer: TinyIssuer, provider: IdentityProvider, token: str, nonce: str = NONCE) -> dict:
    cache = oidc.ProviderCache(timeout=5)
    return oidc.verify_id_token(provider, cache.metadata(provider), cache, token, nonce=nonce)


def test_a_good_token_gives_its_claims(issuer, provider):
    claims = check(issuer, provider, issuer.token(email="a@b.gov.in"))
    assert claims["sub"] == "subject-1" and claims["email"] == "a@b.gov.in"


def test_a_token_signed_with_another_key_under_the_same_key_id_is_refused(issuer, provider):
    forger = RSAKey.generate_key(2048, parameters={"kid": issuer.key.kid})
    with pytest.raises(oidc.BadIdToken, match="bad signature"):
        check(issuer, provider, issuer.token(key=forger))


def test_a_token_whose_claims_were_changed_after_signing_is_refused(issuer, provider):
    header, payload, signature = issuer.token().split(".")
    other = issuer.token(sub="someone-else").split(".")[1]
    with pytest.raises(oidc.BadIdToken, match="bad signature"):
        check(issuer, provider, f"{header}.{other}.{signature}")
    assert payload != other


def test_an_unsigned_token_is_refused_even_where_the_provider_lists_none(issuer, provider):
    unsigned = jws.serialize_compact({"alg": "none"}, b'{"sub": "x"}', None, algorithms=["none"])
    with pytest.raises(oidc.BadIdToken):
        check(issuer, provider, unsigned)


def test_a_token_for_another_sign_in_is_refused(issuer, provider):
    with pytest.raises(oidc.BadIdToken, match="wrong nonce"):
        check(issuer, provider, issuer.token(), nonce="the-nonce-of-another-sign-in")
    with pytest.raises(oidc.BadIdToken, match="wrong nonce"):
        check(issuer, provider, issuer.token(nonce=None))


def test_an_expired_token_is_refused(issuer, provider):
    long_ago = int(time.time()) - 3600
    with pytest.raises(oidc.BadIdToken, match="expired"):
        check(issuer, provider, issuer.token(iat=long_ago, exp=long_ago + 300))
    # a minute's difference between the clocks is forgiven
    assert check(issuer, provider, issuer.token(exp=int(time.time()) - 30))["sub"] == "subject-1"


def test_a_token_for_another_client_or_from_another_issuer_is_refused(issuer, provider):
    with pytest.raises(oidc.BadIdToken, match="failed a check"):
        check(issuer, provider, issuer.token(aud="another-client"))
    with pytest.raises(oidc.BadIdToken, match="failed a check"):
        check(issuer, provider, issuer.token(iss="https://evil.example"))
    with pytest.raises(oidc.BadIdToken, match="failed a check"):
        check(issuer, provider, issuer.token(aud=[CLIENT_ID, "another-client"]))  # no azp naming Saptah
    assert check(issuer, provider, issuer.token(aud=[CLIENT_ID, "other"], azp=CLIENT_ID))["azp"] == CLIENT_ID


def test_a_subject_longer_than_openid_allows_is_refused(issuer, provider):
    with pytest.raises(oidc.BadIdToken, match="failed a check"):
        check(issuer, provider, issuer.token(sub="s" * 256))


def test_a_rolled_key_is_fetched_again(issuer, provider):
    cache = oidc.ProviderCache(timeout=5)
    meta = cache.metadata(provider)
    assert oidc.verify_id_token(provider, meta, cache, issuer.token(), nonce=NONCE)
    new_key = RSAKey.generate_key(2048, parameters={"kid": "test-key-2"})
    issuer.served_keys = [issuer.key, new_key]
    try:
        claims = oidc.verify_id_token(provider, meta, cache, issuer.token(key=new_key), nonce=NONCE)
        assert claims["sub"] == "subject-1"
    finally:
        issuer.served_keys = [issuer.key]


def test_a_provider_that_cannot_be_reached_gets_a_clear_error():
    gone = IdentityProvider(name="gone", label="Gone", issuer="http://127.0.0.1:9", client_id="c", client_secret="s")
    with pytest.raises(oidc.ProviderUnavailable, match="cannot be reached"):
        oidc.ProviderCache(timeout=2).metadata(gone)


def test_the_authorisation_address_carries_pkce_state_and_nonce(issuer, provider):
    from urllib.parse import parse_qs, urlsplit

    from authlib.oauth2.rfc7636 import create_s256_code_challenge

    meta = oidc.ProviderCache(timeout=5).metadata(provider)
    url = oidc.authorisation_url(provider, meta, redirect_uri="http://s/cb", state="st", nonce="no", verifier="v" * 50)
    q = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert q["code_challenge"] == create_s256_code_challenge("v" * 50) and q["code_challenge_method"] == "S256"
    assert (q["state"], q["nonce"], q["response_type"], q["client_id"]) == ("st", "no", "code", CLIENT_ID)
    assert "v" * 50 not in url  # the verifier itself stays with Saptah
