"""Certificate PDFs: Noto fonts with HarfBuzz shaping so Devanagari names render; a QR code to the verify page."""

from __future__ import annotations

import io

import segno
from fpdf import FPDF

from saptah.core.timeutil import IST
from saptah.recognition.models import Certificate
from saptah.web.assets import font_files

KIND_LINES = {
    "course": "has successfully completed the course",
    "event": "has participated in",
    "campaign": "has taken part in",
    "honour": "is honoured for",
}


def _pdf() -> FPDF:
    pdf = FPDF(orientation="landscape", format="A4")
    fonts = font_files()
    pdf.add_font("NotoSans", fname=str(fonts["NotoSans.ttf"]))
    pdf.add_font("NotoDeva", fname=str(fonts["NotoSansDevanagari.ttf"]))
    pdf.set_fallback_fonts(["NotoDeva"])
    pdf.set_text_shaping(True)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    return pdf


def _font_for(text: str) -> str:
    """Devanagari text is set in Noto Sans Devanagari (its shaping tables are the most complete)."""
    return "NotoDeva" if any("\u0900" <= ch <= "\u097f" for ch in text) else "NotoSans"


def _qr_png(url: str) -> io.BytesIO:
    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="png", scale=8, border=2)
    buf.seek(0)
    return buf


def render_certificate(cert: Certificate, *, verify_url: str) -> bytes:
    """Lay out one certificate page and return the PDF bytes."""
    pdf = _pdf()
    pdf.set_draw_color(20, 70, 120)
    pdf.set_line_width(1.5)
    pdf.rect(10, 10, 277, 190)
    pdf.set_font("NotoSans", size=13)
    pdf.set_y(24)
    pdf.cell(0, 8, "Karmayogi Saptah · National Learning Week", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("NotoSans", size=30)
    pdf.cell(0, 18, "Certificate", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("NotoSans", size=13)
    pdf.cell(0, 10, "This is to certify that", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(_font_for(cert.recipient_name), size=24)
    pdf.cell(0, 16, cert.recipient_name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("NotoSans", size=13)
    pdf.cell(0, 10, KIND_LINES.get(cert.kind, ""), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(_font_for(cert.title), size=18)
    pdf.multi_cell(0, 10, cert.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("NotoSans", size=12)
    details = []
    if cert.issuer:
        details.append(f"Offered by {cert.issuer}")
    if cert.duration_minutes:
        details.append(f"Duration {cert.duration_minutes} minutes")
    details.append("Completed on " + cert.achieved_at.astimezone(IST).strftime("%d %B %Y"))
    pdf.cell(0, 10, " · ".join(details), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.image(_qr_png(verify_url), x=22, y=150, w=38, h=38, link=verify_url)
    pdf.set_xy(64, 160)
    pdf.set_font("NotoSans", size=11)
    pdf.cell(0, 7, f"Certificate code: {cert.code}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(64)
    pdf.cell(0, 7, f"Verify at {verify_url}", link=verify_url)
    pdf.set_title(f"Certificate {cert.code}")
    return bytes(pdf.output())
