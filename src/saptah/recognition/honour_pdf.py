"""Honour-roll certificates (of people and of organisations): the certificate page of pdf.py plus a signature image
and signatory, in the holder's language (in Hindi: Hindi labels and the Hindi citation, the English one below it)."""

from __future__ import annotations

import io
from datetime import datetime

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
    """One honour certificate page of a person: name, citation, the signature block and the verification QR."""
    return honour_page(
        name=cert.recipient_name,
        title=cert.title_hi if lang == "hi" and cert.title_hi else cert.title,
        english_title=cert.title,
        when=cert.achieved_at,
        code=cert.code,
        verify_url=verify_url,
        signature=signature,
        signatory_name=signatory_name,
        signatory_title=signatory_title,
        lang=lang,
    )


def honour_page(
    *,
    name: str,
    title: str,
    when: datetime,
    code: str,
    verify_url: str,
    signature: bytes | None,
    signatory_name: str | None,
    signatory_title: str | None,
    english_title: str | None = None,
    lang: str = DEFAULT,
) -> bytes:
    """One honour certificate page for a person or an organisation (the English citation below a translated one)."""

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
    pdf.set_font(_font_for(name), size=24)
    pdf.cell(0, 16, name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(_font_for(title), size=16)
    pdf.multi_cell(0, 9, title, align="C", new_x="LMARGIN", new_y="NEXT")
    if english_title and title != english_title:
        pdf.set_font(_font_for(english_title), size=11)
        pdf.multi_cell(0, 6, english_title, align="C", new_x="LMARGIN", new_y="NEXT")
    day = when.astimezone(IST).date()
    shown = (
        day.strftime("%d %B %Y") if lang == DEFAULT else format_date(day, "d MMMM y", locale=LOCALES.get(lang, lang))
    )
    pdf.set_font(label, size=12)
    pdf.cell(0, 9, t("Awarded on {date}", date=shown), align="C")
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
    pdf.cell(0, 7, t("Certificate code: {code}", code=code), new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(64)
    pdf.cell(0, 7, t("Verify at {address}", address=verify_url), link=verify_url)
    pdf.set_title(t("Honour certificate {code}", code=code))
    return bytes(pdf.output())
