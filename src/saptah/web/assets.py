"""Static assets served from the installed package (no CDN): fonts, icons, the web app manifest, the service worker."""

from __future__ import annotations

from pathlib import Path

import fontpkg_noto_sans
import fontpkg_noto_sans_devanagari
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse

from saptah.core.errors import NotFound
from saptah.web.i18n import translate

router = APIRouter(include_in_schema=False)


def font_files() -> dict[str, Path]:
    """The Latin and Devanagari fonts shipped by their PyPI packages."""
    latin = Path(fontpkg_noto_sans.__file__).parent / "files"
    deva = Path(fontpkg_noto_sans_devanagari.__file__).parent / "files"
    return {
        "NotoSans.ttf": next(p for p in latin.glob("NotoSans[[]*.ttf")),
        "NotoSansDevanagari.ttf": next(deva.glob("NotoSansDevanagari*.ttf")),
    }


@router.get("/fonts/{name}")
def font(name: str) -> FileResponse:
    """A font file, cached for a year."""
    path = font_files().get(name)
    if path is None:
        raise NotFound("No such font.")
    return FileResponse(path, media_type="font/ttf", headers={"Cache-Control": "public, max-age=31536000"})


STATIC = Path(__file__).parent / "static"
_DAY = {"Cache-Control": "public, max-age=86400"}
# The SCORM run-time from npm (scorm-again): copied into static/vendor at install time (not in git), or read from the
# checkout's node_modules.
SCORM_AGAIN = (
    STATIC / "vendor" / "scorm-again.min.js",
    Path(__file__).resolve().parents[3] / "node_modules" / "scorm-again" / "dist" / "scorm-again.min.js",
)


@router.get("/vendor/scorm-again.js")
def scorm_again() -> FileResponse:
    """The SCORM 1.2 / 2004 run-time API (npm package scorm-again), served from Saptah's own origin."""
    path = next((p for p in SCORM_AGAIN if p.is_file()), None)
    if path is None:
        raise NotFound("The SCORM run-time is not installed: run `npm ci` in Saptah's checkout (see README).")
    return FileResponse(path, media_type="text/javascript", headers=_DAY)


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    """The browser tab's icon."""
    return FileResponse(STATIC / "icons" / "favicon.ico", media_type="image/x-icon", headers=_DAY)


@router.get("/sw.js")
def service_worker() -> FileResponse:
    """The service worker, from the site's root so that it may look after every page."""
    headers = {"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"}
    return FileResponse(STATIC / "sw.js", media_type="text/javascript", headers=headers)


@router.get("/manifest.webmanifest")
def manifest(request: Request) -> JSONResponse:
    """The web app manifest, so that a learner can add Saptah to the home screen (named in their language)."""
    lang = getattr(request.state, "lang", "en")
    icons = [
        {"src": "/static/icons/icon-192.png", "sizes": "192x192", "type": "image/png"},
        {"src": "/static/icons/icon-512.png", "sizes": "512x512", "type": "image/png"},
        {"src": "/static/icons/maskable-512.png", "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
        {"src": "/static/icons/icon.svg", "sizes": "any", "type": "image/svg+xml"},
    ]
    body = {
        "name": f"Saptah · {translate('National Learning Week', lang)}",
        "short_name": "Saptah",
        "description": translate("Learn, join webinars and watch your hours rise toward the target.", lang),
        "lang": lang,
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#f6f7f9",
        "theme_color": "#a3470f",
        "icons": icons,
    }
    return JSONResponse(body, media_type="application/manifest+json", headers=_DAY)
