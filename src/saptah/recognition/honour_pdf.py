"""Honour-roll certificates: the certificate page of pdf.py plus a signature image and signatory, in the holder's
language (in Hindi: Hindi labels and the Hindi citation, the English one below it)."""

from __future__ import annotations

import io

from babel.dates import format_date

from saptah.core.timeutil import IST
from saptah.recognition.models import Certificate
from saptah.recognition.pdf import _font_for, _pdf, _qr_png
from saptah.web.i18n import DEFAULT, LOCALES, translate


def render_honour(
    cert: Certificate,
    *,
    verify_url: str,
    signature: bytes | None,
    signatory_name: str | None,
    signatory_title: str | None,
    lang: str = DEFAULT,
) -> bytes:
    """One honour certificate page: name, citation, the signature block and the verification QR."""

    def t(text: str, **params: object) -> str:
        return translate(text, lang, **params)

    label = "NotoDeva" if lang == "hi" else "NotoSans"
    pdf = _pdf()
    pdf.set_draw_color(163, 71, 15)
    pdf.set_line_width(2)
    pdf.rect(10, 10, 277, 190)
    pdf.set_font(label, size=13)
    pdf.set_y(22)
    pdf.cell(0, 8, t("Karmayogi Saptah · National Learning Week"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(label, size=30)
    pdf.cell(0, 18, t("Honour Roll"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(label, size=13)
    pdf.cell(0, 10, t("This is to honour"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(_font_for(cert.recipient_name), size=24)
    pdf.cell(0, 16, cert.recipient_name, align="C", new_x="LMARGIN", new_y="NEXT")
    title = cert.title_hi if lang == "hi" and cert.title_hi else cert.title
    pdf.set_font(_font_for(title), size=16)
    pdf.multi_cell(0, 9, title, align="C", new_x="LMARGIN", new_y="NEXT")
    if title != cert.title:
        pdf.set_font(_font_for(cert.title), size=11)
        pdf.multi_cell(0, 6, cert.title, align="C", new_x="LMARGIN", new_y="NEXT")
    day = cert.achieved_at.astimezone(IST).date()
    when = day.strftime("%d %B %Y") if lang == DEFAULT else format_date(day, "d MMMM y", locale=LOCALES.get(lang, lang))
    pdf.set_font(label, size=12)
    pdf.cell(0, 9, t("Awarded on {date}", date=when), align="C")
    if signature:
        pdf.image(io.BytesIO(signature), x=205, y=146, w=60, h=22, keep_aspect_ratio=True)
    pdf.set_xy(195, 170)
    pdf.set_font(_font_for(signatory_name or ""), size=11)
    pdf.cell(80, 6, signatory_name or "", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(195)
    pdf.set_font(_font_for(signatory_title or ""), size=11)
    pdf.cell(80, 6, signatory_title or "", align="C")
    pdf.image(_qr_png(verify_url), x=22, y=150, w=38, h=38, link=verify_url)
    pdf.set_xy(64, 165)
    pdf.set_font(label, size=11)
    pdf.cell(0, 7, t("Certificate code: {code}", code=cert.code), new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(64)
    pdf.cell(0, 7, t("Verify at {address}", address=verify_url), link=verify_url)
    pdf.set_title(t("Honour certificate {code}", code=cert.code))
    return bytes(pdf.output())
