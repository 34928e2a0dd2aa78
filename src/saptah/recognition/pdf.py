"""Certificate PDFs: Noto fonts with HarfBuzz shaping so Devanagari names render; a QR code to the verify page."""

from __future__ import annotations

import io

import segno
from babel.dates import format_date
from fpdf import FPDF

from saptah.core.timeutil import IST
from saptah.recognition.models import Certificate
from saptah.web.assets import font_files
from saptah.web.i18n import LOCALES, N_, fmt_number, translate

KIND_LINES = {
    "course": N_("has successfully completed the course"),
    "event": N_("has participated in"),
    "campaign": N_("has taken part in"),
    "honour": N_("is honoured for"),
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


def render_certificate(cert: Certificate, *, verify_url: str, lang: str = "en") -> bytes:
    """Lay out one certificate page in the holder's language and return the PDF bytes.

    In Hindi the labels are Hindi and the title is the Hindi one (the English title below it, smaller).
    """

    def t(text: str, **params: object) -> str:
        return translate(text, lang, **params)

    label = "NotoDeva" if lang == "hi" else "NotoSans"
    pdf = _pdf()
    pdf.set_draw_color(20, 70, 120)
    pdf.set_line_width(1.5)
    pdf.rect(10, 10, 277, 190)
    pdf.set_font(label, size=13)
    pdf.set_y(24)
    pdf.cell(0, 8, t("Karmayogi Saptah · National Learning Week"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(label, size=30)
    pdf.cell(0, 18, t("Certificate"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(label, size=13)
    pdf.cell(0, 10, t("This is to certify that"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(_font_for(cert.recipient_name), size=24)
    pdf.cell(0, 16, cert.recipient_name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(label, size=13)
    pdf.cell(0, 10, t(KIND_LINES.get(cert.kind, "")) if cert.kind in KIND_LINES else "", align="C", new_x="LMARGIN",
             new_y="NEXT")  # fmt: skip
    title = cert.title_hi if lang == "hi" and cert.title_hi else cert.title
    pdf.set_font(_font_for(title), size=18)
    pdf.multi_cell(0, 10, title, align="C", new_x="LMARGIN", new_y="NEXT")
    if title != cert.title:
        pdf.set_font(_font_for(cert.title), size=12)
        pdf.multi_cell(0, 7, cert.title, align="C", new_x="LMARGIN", new_y="NEXT")
    details = []
    if cert.issuer:
        details.append(t("Offered by {issuer}", issuer=cert.issuer))
    if cert.duration_minutes:
        details.append(t("Duration {minutes} minutes", minutes=fmt_number(cert.duration_minutes, lang)))
    day = cert.achieved_at.astimezone(IST).date()
    when = day.strftime("%d %B %Y") if lang == "en" else format_date(day, "d MMMM y", locale=LOCALES.get(lang, lang))
    details.append(t("Completed on {date}", date=when))
    line = " · ".join(details)
    pdf.set_font("NotoDeva" if lang == "hi" or _font_for(line) == "NotoDeva" else "NotoSans", size=12)
    pdf.cell(0, 10, line, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.image(_qr_png(verify_url), x=22, y=150, w=38, h=38, link=verify_url)
    pdf.set_xy(64, 160)
    pdf.set_font(label, size=11)
    pdf.cell(0, 7, t("Certificate code: {code}", code=cert.code), new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(64)
    pdf.cell(0, 7, t("Verify at {address}", address=verify_url), link=verify_url)
    pdf.set_title(t("Certificate {code}", code=cert.code))
    return bytes(pdf.output())
