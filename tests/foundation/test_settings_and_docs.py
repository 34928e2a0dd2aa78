"""Settings refuse unsafe production defaults; every setting and command is documented."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest
from pydantic import ValidationError

from saptah.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_defaults():
    s = Settings()
    assert s.database_url == "sqlite:///./saptah.db"
    assert s.timezone == "Asia/Kolkata"


def test_production_refuses_the_development_secret(monkeypatch):
    monkeypatch.setenv("SAPTAH_ENV", "production")
    with pytest.raises(ValidationError, match="SAPTAH_SECRET_KEY"):
        Settings()
    for weak in ("dev", "short", "a-real-secret-from-the-vault-0123456789", "a" * 64, "0123456789" * 5):
        monkeypatch.setenv("SAPTAH_SECRET_KEY", weak)
        with pytest.raises(ValidationError, match="32 random bytes"):
            Settings()
    for strong in (secrets.token_urlsafe(32), secrets.token_hex(32)):
        monkeypatch.setenv("SAPTAH_SECRET_KEY", strong)
        assert Settings().secret_key == strong


def test_env_prefix(monkeypatch):
    monkeypatch.setenv("SAPTAH_DATABASE_URL", "postgresql://u@h/db")
    assert Settings().database_url == "postgresql://u@h/db"


def test_every_setting_is_documented():
    doc = (ROOT / "docs" / "settings.md").read_text()
    missing = [f"SAPTAH_{name.upper()}" for name in Settings.model_fields if f"SAPTAH_{name.upper()}" not in doc]
    assert missing == []


def _commands(group, prefix=""):
    import typer.main

    click_group = typer.main.get_command(group)
    names = []

    def walk(cmd, path):
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, f"{path} {name}".strip())
        else:
            names.append(path)

    walk(click_group, prefix)
    return names


def test_every_cli_command_is_documented():
    from saptah import cli

    cli._register_domain_commands()
    doc = (ROOT / "docs" / "cli.md").read_text()
    documented = set(re.findall(r"^## `saptah ([a-z0-9 -]+)`", doc, flags=re.M))
    missing = [c for c in _commands(cli.app) if c not in documented]
    assert missing == []
