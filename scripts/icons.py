"""Draw Saptah's app icons (favicon, home-screen icons) from the shipped Devanagari font.

Run once when the mark changes: PYTHONPATH=src python scripts/icons.py (the files are committed).
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from saptah.web.assets import font_files

BRAND = (163, 71, 15)
OUT = Path(__file__).resolve().parent.parent / "src" / "saptah" / "web" / "static" / "icons"


def draw(size: int, *, maskable: bool = False) -> Image.Image:
    """The mark: a white स on the brand colour (a safe zone kept for maskable icons)."""
    img = Image.new("RGB" if maskable else "RGBA", (size, size), BRAND if maskable else (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    if not maskable:
        d.rounded_rectangle((0, 0, size - 1, size - 1), radius=size // 6, fill=BRAND)
    font = ImageFont.truetype(str(font_files()["NotoSansDevanagari.ttf"]), int(size * (0.5 if maskable else 0.66)))
    font.set_variation_by_axes([700, 100])
    d.text((size / 2, size / 2), "स", font=font, fill="white", anchor="mm")
    return img


def main() -> None:
    """Write the PNG icons and the favicon."""
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        draw(size).save(OUT / f"icon-{size}.png", optimize=True)
    draw(512, maskable=True).save(OUT / "maskable-512.png", optimize=True)
    draw(64).save(OUT / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])


if __name__ == "__main__":
    main()
