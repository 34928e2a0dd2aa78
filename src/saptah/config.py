"""The one settings object (environment variables with the SAPTAH_ prefix)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "saptah-development-secret-do-not-use-in-production"  # noqa: S105 (refused outside development)
# 32 random bytes written as URL-safe base64 are 43 characters (as hex, 64); a value this long with this many
# different characters is no word, name or keyboard run.
MIN_SECRET_CHARS = 43
MIN_SECRET_DISTINCT = 12
HOW_TO_MAKE_ONE = 'make one with  python -c "import secrets; print(secrets.token_urlsafe(32))"'


def _random_enough(secret: str) -> bool:
    return len(secret) >= MIN_SECRET_CHARS and len(set(secret)) >= MIN_SECRET_DISTINCT


class ClaimMap(BaseModel):
    """Which claim of a provider's ID token (or userinfo) holds each fact about a person."""

    model_config = ConfigDict(extra="forbid")

    email: str = Field("email", description="claim holding the e-mail address")
    name: str = Field("name", description="claim holding the full name")
    mobile: str | None = Field("phone_number", description="claim holding the mobile number")
    employee_id: str | None = Field(None, description="claim holding the employee ID")
    org_code: str | None = Field(None, description="claim holding the organisation's Saptah code")


class IdentityProvider(BaseModel):
    """One OpenID Connect identity provider people may sign in with."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$", description="short name, used in addresses")
    label: str = Field(min_length=1, max_length=80, description="button text: Sign in with <label>")
    issuer: str = Field(description="issuer URL; its /.well-known/openid-configuration is read")
    client_id: str = Field(min_length=1)
    client_secret: str = Field(min_length=1)
    scopes: str = Field("openid email profile", description="space-separated scopes asked for")
    claims: ClaimMap = Field(default_factory=ClaimMap)
    create_people_in: str | None = Field(
        None, description="organisation code where a person not yet imported is created; unset: refused"
    )

    @model_validator(mode="after")
    def _openid_scope(self) -> IdentityProvider:
        if "openid" not in self.scopes.split():
            raise ValueError(f"identity provider {self.name}: scopes must include openid")
        return self


class Settings(BaseSettings):
    """Every setting Saptah reads; built by create_app() or the CLI, never at import time."""

    model_config = SettingsConfigDict(env_prefix="SAPTAH_", env_file=None, extra="ignore")

    env: Literal["development", "test", "production"] = Field(
        "development", description="development, test or production; production refuses unsafe defaults"
    )
    database_url: str = Field("sqlite:///./saptah.db", description="SQLAlchemy URL of the database")
    secret_key: str = Field(
        DEV_SECRET, description="signs CSRF tokens; production needs at least 32 random bytes (43+ characters)"
    )
    base_url: str = Field("http://127.0.0.1:8000", description="public address used in e-mails and QR codes")
    timezone: str = Field("Asia/Kolkata", description="time zone in which days and windows are counted")
    smtp_host: str | None = Field(None, description="SMTP server; unset writes mail to mail_dir instead")
    smtp_port: int = Field(25, description="SMTP port")
    smtp_user: str | None = Field(None, description="SMTP user name, if the server needs one")
    smtp_password: str | None = Field(None, description="SMTP password")
    smtp_starttls: bool = Field(False, description="upgrade the SMTP connection with STARTTLS")
    mail_from: str = Field("Saptah <no-reply@saptah.local>", description="From: address of outgoing mail")
    mail_dir: Path = Field(Path("./mail"), description="folder for mail when no SMTP server is set")
    mail_per_minute: int = Field(600, description="outbox throttle: most messages sent per minute")
    max_upload_mb: int = Field(100, description="largest upload accepted, in megabytes")
    session_hours: int = Field(12, description="how long a sign-in lasts")
    login_max_failures_account: int = Field(5, description="failed sign-ins per account per 15 minutes")
    login_max_failures_address: int = Field(30, description="failed sign-ins per client address per 15 minutes")
    run_worker_in_app: bool = Field(True, description="run background jobs inside `saptah serve` (embedded)")
    access_log: bool = Field(False, description="`saptah serve` writes one access-log line per request")
    upload_dir: Path = Field(Path("./uploads"), description="where uploaded files and result files are kept")
    trusted_proxies: str = Field(
        "", description="addresses or networks of reverse proxies whose X-Forwarded-For/-Proto are believed"
    )
    module_min_share: float = Field(
        0.5, ge=0, le=1, description="share of a native module's declared minutes to spend on it before it is done"
    )
    video_min_share: float = Field(
        0.9, ge=0, le=1, description="share of a native module's inline video to watch before it is done"
    )
    dashboard_max_age: int = Field(
        30, ge=0, le=3600, description="seconds a dashboard's figures may be old (shared by readers); 0: every read"
    )
    oidc_providers: list[IdentityProvider] = Field(
        default_factory=list,
        description="OpenID Connect identity providers, as a JSON list (see docs/settings.md)",
    )
    oidc_timeout: float = Field(10.0, gt=0, description="seconds to wait for an identity provider's answer")

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.env == "production" and self.secret_key == DEV_SECRET:
            raise ValueError("SAPTAH_SECRET_KEY must be set to a secret value when SAPTAH_ENV=production")
        if self.env == "production" and not _random_enough(self.secret_key):
            raise ValueError(
                f"SAPTAH_SECRET_KEY must hold at least 32 random bytes when SAPTAH_ENV=production: {HOW_TO_MAKE_ONE}"
            )
        names = [p.name for p in self.oidc_providers]
        if len(names) != len(set(names)):
            raise ValueError("SAPTAH_OIDC_PROVIDERS: each identity provider needs its own name")
        if self.env == "production":
            for p in self.oidc_providers:
                if not p.issuer.startswith("https://"):
                    raise ValueError(f"identity provider {p.name}: the issuer must be https:// in production")
        return self

    def identity_provider(self, name: str) -> IdentityProvider | None:
        """The configured identity provider of this name, if any."""
        return next((p for p in self.oidc_providers if p.name == name), None)

    @property
    def is_sqlite(self) -> bool:
        """True when the database is the embedded SQLite file."""
        return self.database_url.startswith("sqlite")

    @property
    def secure_cookies(self) -> bool:
        """Cookies are Secure everywhere but development and test."""
        return self.env == "production"


def get_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with explicit overrides."""
    return Settings(**overrides)  # type: ignore[arg-type]
