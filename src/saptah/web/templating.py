"""Jinja2 templates shared by every domain's pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape

from saptah.core.modules import optional_module
from saptah.core.timeutil import fmt_ist
from saptah.domains import DOMAINS
from saptah.web.i18n import ROLE_LABELS, translate

# (label, address, roles that see it; empty: everyone signed in). Domains add their entries here.
NAV: list[tuple[str, str, tuple[str, ...]]] = [
    ("People", "/people", ("mdo_admin", "mdo_leader", "national_organiser")),
    ("Organisations", "/organisations", ("mdo_admin", "mdo_leader", "national_organiser")),
]


# Panels other domains add to the home page: f(session, principal) -> (template, data) or None.
HOME_PANELS: list[Callable[[Any, Any], tuple[str, dict[str, Any]] | None]] = []


def nav_items(principal: Any) -> list[tuple[str, str]]:
    """Navigation entries the principal may use."""
    held = {s.role.value for s in principal.scopes}
    return [(label, href) for label, href, roles in NAV if not roles or held & set(roles)]


def build_templates() -> Jinja2Templates:
    """One environment whose loader looks in each domain's templates folder."""
    loaders = []
    for domain in ("web", *DOMAINS):
        if optional_module(f"saptah.{domain}") is None:
            continue
        try:
            loaders.append(PackageLoader(f"saptah.{domain}", "templates"))
        except ValueError:  # the domain has no templates folder (yet)
            continue
    env = Environment(loader=ChoiceLoader(loaders), autoescape=select_autoescape(["html"]))
    templates = Jinja2Templates(env=env)
    templates.env.globals["fmt_ist"] = fmt_ist
    templates.env.globals["nav_items"] = nav_items
    templates.env.globals["role_labels"] = ROLE_LABELS
    return templates


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    """Render a page with the layout's common context (user, language, CSRF token)."""
    ctx: dict[str, Any] = dict(context or {})
    lang = getattr(request.state, "lang", "en")
    ctx.setdefault("principal", getattr(request.state, "principal", None))
    ctx["lang"] = lang
    ctx["csrf_token"] = getattr(request.state, "csrf_token", "")
    ctx["t"] = lambda text: translate(text, lang)
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)
