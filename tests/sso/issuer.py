"""A tiny OpenID issuer on loopback whose ID tokens the tests mint themselves (signed with a test key served from
its JWKS), for the failures a certified provider never produces: bad signatures, wrong nonces, expired tokens."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID = "saptah-unit"
CLIENT_SECRET = "unit-test-client-secret-0123456789abcdef"


class TinyIssuer:
    """Discovery, a JWKS, a token endpoint answering with `self.mint(nonce)` and userinfo, on a free port."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1"})
        self.served_keys = [self.key]
        self.userinfo: dict[str, Any] = {}
        self.mint: Callable[[dict[str, Any]], str] = self.token  # given the form posted to the token endpoint
        self.token_requests: list[dict[str, Any]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.nonce = ""
        self.last_sub: str | None = None

    def claims(self, **over: Any) -> dict[str, Any]:
        """A valid ID token's claims for this issuer and client, with changes."""
        now = int(time.time())
        base = {"iss": self.url, "aud": CLIENT_ID, "sub": "subject-1", "iat": now, "exp": now + 300}
        base["nonce"] = self.nonce
        return {**base, **over}

    def token(self, form: dict[str, Any] | None = None, *, key: RSAKey | None = None, **over: Any) -> str:
        """An ID token signed with the served key (or another one)."""
        signer = key or self.key
        claims = self.claims(**over)
        self.last_sub = claims.get("sub")
        return jwt.encode({"alg": "RS256", "kid": signer.kid}, claims, signer)

    def metadata(self) -> dict[str, Any]:
        """The discovery document."""
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/auth",
            "token_endpoint": f"{self.url}/token",
            "jwks_uri": f"{self.url}/jwks",
            "userinfo_endpoint": f"{self.url}/userinfo",
            "end_session_endpoint": f"{self.url}/session/end",
            "code_challenge_methods_supported": ["S256"],
            "id_token_signing_alg_values_supported": ["RS256", "none", "HS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _json(self, body: Any, status: int = 200) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path == "/.well-known/openid-configuration":
                    self._json(issuer.metadata())
                elif self.path == "/jwks":
                    self._json({"keys": [k.as_dict(private=False) for k in issuer.served_keys]})
                elif self.path == "/userinfo":
                    self._json(issuer.userinfo or {"sub": issuer.last_sub})  # nothing more than the token
                else:
                    self._json({"error": "not_found"}, 404)

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                form["authorization"] = self.headers.get("authorization")
                issuer.token_requests.append(form)
                self._json({"access_token": "at-1", "token_type": "Bearer", "id_token": issuer.mint(form)})

        return Handler

    def stop(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()
