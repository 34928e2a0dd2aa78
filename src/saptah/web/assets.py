"""Static assets: the stylesheet and the fonts, served from installed packages (no CDN)."""

from __future__ import annotations

from pathlib import Path

import fontpkg_noto_sans
import fontpkg_noto_sans_devanagari
from fastapi import APIRouter
from fastapi.responses import FileResponse

from saptah.core.errors import NotFound

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
