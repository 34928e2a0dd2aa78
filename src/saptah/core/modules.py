"""Import a domain's optional module (a domain need not have every file role)."""

from __future__ import annotations

from importlib import import_module
from types import ModuleType


def optional_module(name: str) -> ModuleType | None:
    """The module, or None when it (or its package) does not exist; other import errors propagate."""
    try:
        return import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and name.startswith(exc.name) and exc.name.startswith("saptah."):
            return None
        raise
