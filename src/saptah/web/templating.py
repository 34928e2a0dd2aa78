"""Jinja2 templates shared by every domain's pages."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, PackageLoader, pass_context, select_autoescape
from jinja2.runtime import Context

from saptah.core.modules import optional_module
from saptah.domains import DOMAINS
from saptah.web import flash
from saptah.web.i18n import (
    ROLE_LABELS,
    fmt_day,
    fmt_lakh,
    fmt_number,
    fmt_when,
    language_name,
    languages,
    translate,
    translate_stored,
)

# (label, address, roles that see it; empty: everyone signed in). Domains add their entries here.
NAV: list[tuple[str, str, tuple[str, ...]]] = [
    ("People", "/people", ("mdo_admin", "mdo_leader", "national_organiser")),
    ("Organisations", "/organisations", ("mdo_admin", "mdo_leader", "national_organiser")),
]


# Panels other domains add to the home page: f(session, principal, settings) -> (template, data), a list of them,
# or None.
HOME_PANELS: list[Callable[[Any, Any, Any], Any]] = []
# The order of the home page's panels (a learner's: progress, live now, assigned courses, continue learning, rank);
# panels not named here come after them.
HOME_ORDER = ["progress_panel.html", "events_panel.html", "plans_panel.html", "catalog_panel.html", "rank_panel.html"]


def ordered_panels(made: list[Any]) -> list[tuple[str, dict[str, Any]]]:
    """The panels the HOME_PANELS functions made, flattened and in HOME_ORDER."""
    flat: list[tuple[str, dict[str, Any]]] = []
    for item in made:
        if item is None:
            continue
        flat.extend(item if isinstance(item, list) else [item])
    rank = {name: i for i, name in enumerate(HOME_ORDER)}
    return sorted(flat, key=lambda p: rank.get(p[0], len(HOME_ORDER)))


def nav_items(principal: Any) -> list[tuple[str, str]]:
    """Navigation entries the principal may use."""
    held = {s.role.value for s in principal.scopes}
    return [(label, href) for label, href, roles in NAV if not roles or held & set(roles)]


@functools.cache
def build_templates() -> Jinja2Templates:
    """One environment whose loader looks in each domain's templates folder; one per process, so each template is
    compiled once whichever app renders it (the test suite makes an app per test)."""
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
    templates.env.globals["fmt_ist"] = _fmt_ist
    templates.env.globals["fmt_day"] = _fmt_day
    templates.env.filters["num"] = _num
    templates.env.filters["lakh"] = _lakh
    templates.env.globals["ui_languages"] = languages
    templates.env.globals["language_name"] = language_name
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
    ctx["t"] = lambda text, **params: translate(text, lang, **params)
    ctx["t_stored"] = lambda text: translate_stored(text, lang)
    ctx["flashes"] = flash.take(request, lang)
    templates: Jinja2Templates = request.app.state.templates
    response = templates.TemplateResponse(request, name, ctx, status_code=status_code)
    if ctx["flashes"]:
        flash.clear(response)
    return response


@pass_context
def _fmt_ist(ctx: Context, moment: Any, pattern: str = "%d-%m-%Y %H:%M") -> str:
    return fmt_when(moment, ctx.get("lang", "en"), pattern)


@pass_context
def _fmt_day(ctx: Context, day: Any) -> str:
    return fmt_day(day, ctx.get("lang", "en"))


@pass_context
def _num(ctx: Context, value: Any) -> str:
    return fmt_number(value, ctx.get("lang", "en"))


@pass_context
def _lakh(ctx: Context, value: Any) -> str:
    return fmt_lakh(value, ctx.get("lang", "en"))
