"""The passport as a PDF, in English or Hindi: the certificates' fonts (Noto, HarfBuzz shaping for Devanagari)."""

from __future__ import annotations

from babel.dates import format_date
from fpdf import FPDF

from saptah.core.timeutil import IST
from saptah.passport.schemas import Gap, Holding
from saptah.web.assets import font_files
from saptah.web.i18n import LOCALES, N_, translate

AREAS = {"Behavioural": N_("Behavioural"), "Functional": N_("Functional"), "Domain": N_("Domain")}
KINDS = {"course": N_("Course completed"), "assessment": N_("Assessment passed"), "event": N_("Event attended")}


def _day(moment: object, lang: str) -> str:
    day = moment.astimezone(IST).date()  # type: ignore[attr-defined]
    return str(format_date(day, "d MMM y", locale=LOCALES.get(lang, "en_IN")))


def render_passport(name: str, organisation: str, holdings: list[Holding], gaps: list[Gap], *, lang: str) -> bytes:
    """Lay out the passport: who, each competency with its level and evidence, then the gaps; returns PDF bytes."""

    def t(text: str, **params: object) -> str:
        return translate(text, lang, **params)

    pdf = FPDF(orientation="portrait", format="A4")
    fonts = font_files()
    pdf.add_font("NotoSans", fname=str(fonts["NotoSans.ttf"]))
    pdf.add_font("NotoDeva", fname=str(fonts["NotoSansDevanagari.ttf"]))
    pdf.set_fallback_fonts(["NotoDeva"])
    pdf.set_text_shaping(True)
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    face = "NotoDeva" if lang == "hi" else "NotoSans"
    pdf.set_font(face, size=18)
    pdf.cell(0, 12, t("Competency passport"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(face, size=12)
    pdf.multi_cell(0, 7, f"{name} · {organisation}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    if not holdings:
        pdf.multi_cell(0, 7, t("No competencies yet: complete a course or attend an event to earn them."))
    for h in holdings:
        pdf.set_font(face, size=13)
        area = t(AREAS.get(h.area, h.area))
        head = t("{name} ({area}): level {level}", name=h.name, area=area, level=h.level)
        pdf.multi_cell(0, 8, head, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(face, size=10)
        for e in h.evidence:
            line = f"{t(KINDS.get(e.kind, e.kind))}: {e.title} · {_day(e.earned_at, lang)}"
            if e.score is not None:
                line += " · " + t("score {score} %", score=e.score)
            if e.certificate:
                line += " · " + t("certificate {code}", code=e.certificate)
            pdf.set_x(pdf.l_margin + 6)
            pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    if gaps:
        pdf.set_font(face, size=14)
        pdf.cell(0, 10, t("Gaps for your role"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(face, size=10)
        for g in gaps:
            text = t("{name}: needed level {needed}, held {held}", name=g.name, needed=g.needed, held=g.held)
            pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_title(t("Competency passport"))
    return bytes(pdf.output())
