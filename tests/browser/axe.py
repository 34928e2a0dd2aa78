"""axe-core (installed from npm by ./scripts/test, never from a CDN) run in the test browser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def install(context: Any) -> None:
    """Make axe available on every page the context opens (as a DevTools init script, so a strict CSP allows it)."""
    if not AXE.exists():
        pytest.fail("axe-core is not installed: run `npm ci` (./scripts/test does)")
    context.add_init_script(path=str(AXE))


def serious(page: Any) -> list[str]:
    """The page's serious and critical WCAG 2.1 A/AA violations, one line each with the first offending element."""
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", TAGS
    )
    found = []
    for v in result["violations"]:
        if v["impact"] in ("serious", "critical"):
            node = v["nodes"][0]
            where = f"{node['target']} {node['failureSummary'][:160]}"
            found.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])}x): {where}")
    return found
