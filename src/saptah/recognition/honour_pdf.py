"""Honour-roll certificates (of people and of organisations): the certificate page of pdf.py plus a signature image
and signatory."""

from __future__ import annotations

import io
from datetime import datetime

from saptah.core.timeutil import IST
from saptah.recognition.models import Certificate
from saptah.recognition.pdf import _pdf, _qr_png


def render_honour(
    cert: Certificate,
    *,
    verify_url: str,
    signature: bytes | None,
    signatory_name: str | None,
    signatory_title: str | None,
) -> bytes:
    """One honour certificate page of a person: name, citation, the signature block and the verification QR."""
    return honour_page(
        name=cert.recipient_name,
        title=cert.title,
        when=cert.achieved_at,
        code=cert.code,
        verify_url=verify_url,
        signature=signature,
        signatory_name=signatory_name,
        signatory_title=signatory_title,
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
) -> bytes:
    """One honour certificate page for a person or an organisation."""
    pdf = _pdf()
    pdf.set_draw_color(163, 71, 15)
    pdf.set_line_width(2)
    pdf.rect(10, 10, 277, 190)
    pdf.set_font("NotoSans", size=13)
    pdf.set_y(22)
    pdf.cell(0, 8, "Karmayogi Saptah · National Learning Week", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("NotoSans", size=30)
    pdf.cell(0, 18, "Honour Roll", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("NotoSans", size=13)
    pdf.cell(0, 10, "This is to honour", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("NotoSans", size=24)
    pdf.cell(0, 16, name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("NotoSans", size=16)
    pdf.multi_cell(0, 9, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("NotoSans", size=12)
    pdf.cell(0, 9, "Awarded on " + when.astimezone(IST).strftime("%d %B %Y"), align="C")
    if signature:
        pdf.image(io.BytesIO(signature), x=205, y=146, w=60, h=22, keep_aspect_ratio=True)
    pdf.set_xy(195, 170)
    pdf.set_font("NotoSans", size=11)
    pdf.cell(80, 6, signatory_name or "", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(195)
    pdf.cell(80, 6, signatory_title or "", align="C")
    pdf.image(_qr_png(verify_url), x=22, y=150, w=38, h=38, link=verify_url)
    pdf.set_xy(64, 165)
    pdf.cell(0, 7, f"Certificate code: {code}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(64)
    pdf.cell(0, 7, f"Verify at {verify_url}", link=verify_url)
    pdf.set_title(f"Honour certificate {code}")
    return bytes(pdf.output())
