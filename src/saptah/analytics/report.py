"""The campaign report PDF: cover, key figures, charts, tables and a per-ministry annex, written in the background."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from typing import Any

from fpdf import FPDF
from fpdf.fonts import FontFace
from sqlalchemy.orm import Session

from saptah.analytics import charts, service
from saptah.analytics import repository as repo
from saptah.analytics.exports import DASHBOARD_TABLES
from saptah.analytics.models import Report
from saptah.analytics.schemas import Dashboard, Scope, Table
from saptah.core.db import utcnow
from saptah.core.errors import NotFound
from saptah.directory.schemas import Principal
from saptah.web.assets import font_files
from saptah.web.i18n import DEFAULT, N_, fmt_day, fmt_number, fmt_when, language_of, translate, translate_stored

REPORT_TABLES = tuple(key for key in DASHBOARD_TABLES if key != "figures")  # figures have their own page
CHARTED = ("trend", "breakdown", "by_area", "by_provider")
NEXT_LINE: dict[str, Any] = {"new_x": "LMARGIN", "new_y": "NEXT"}
# under a chart: what it shows (a PNG in a script matplotlib cannot shape carries no words of its own)
CAPTION = N_("Figure {number}: {title}. The figures are in the table below.")
CAPTIONS = {
    "trend": N_("Figure {number}: {title}: course completions a day. The figures are in the table below."),
    "breakdown": N_("Figure {number}: {title}: course completions. The figures are in the table below."),
    "by_area": N_("Figure {number}: {title}: course completions. The figures are in the table below."),
    "by_provider": N_("Figure {number}: {title}: course completions. The figures are in the table below."),
}
ANNEX_LIMIT = 60  # ministries and states in the annex (the whole list is in the breakdown table)


def request(session: Session, principal: Principal, scope: Scope) -> Report:
    """Queue a report of the scope's campaign (national, or the chosen organisation's subtree)."""
    from saptah.analytics.tasks import REPORT_JOB
    from saptah.jobs import service as jobs

    org_id = scope.org_id
    if org_id is None and scope.paths is not None:
        org_id = first_scope_org(principal)
    report = Report(campaign_id=scope.campaign_id, org_id=org_id, requested_by=principal.person_id)
    repo.add(session, report)
    job = jobs.enqueue(
        session,
        kind=REPORT_JOB,
        payload={"report_id": report.id},
        lock_key=f"{REPORT_JOB}:{scope.campaign_id}:{org_id or 'national'}",
        created_by=principal.person_id,
    )
    report.job_id = job.id
    session.flush()
    return report


def first_scope_org(principal: Principal) -> int | None:
    """The first organisation an MDO admin or leader administers (None for organisers)."""
    from saptah.directory import service as directory

    paths = directory.admin_paths(principal) or []
    return next((s.org_id for s in principal.scopes if s.path in paths and s.org_id), None)


def latest(session: Session, scope: Scope) -> list[Report]:
    """The latest reports of the scope's campaign and organisation."""
    return repo.reports_of(session, scope.campaign_id, scope.org_id)


def visible_report(session: Session, principal: Principal, report_id: int) -> Report:
    """A report the principal may download: national ones for organisers, their subtree's for MDO admins."""
    from saptah.directory import service as directory

    directory.require_admin(principal)
    report = repo.get_report(session, report_id)
    if report is None:
        raise NotFound("No such report.")
    if report.org_id is None:
        if not principal.is_national:
            raise NotFound("No such report.")
    else:
        try:
            directory.require_org_admin(session, principal, report.org_id)
        except Exception as exc:
            raise NotFound("No such report.") from exc
    return report


def generate(session: Session, report_id: int) -> int:
    """Build the PDF of a queued report and store it; returns its page count."""
    report = repo.get_report(session, report_id)
    if report is None:
        raise NotFound("No such report.")
    scope = service.report_scope(session, campaign_id=report.campaign_id, org_id=report.org_id)
    dash = service.dashboard(session, scope)
    annex = service.annex(session, scope, dash.tables["breakdown"], limit=ANNEX_LIMIT)
    pdf = render(dash, annex, lang=reader_language(session, report))
    report.pdf = bytes(pdf.output())
    report.figures = json.dumps({f.key: f.display for f in dash.figures})
    report.status = "done"
    report.finished_at = utcnow()
    session.flush()
    return int(pdf.pages_count)


def reader_language(session: Session, report: Report) -> str:
    """The language kept in the profile of the person who asked for the report (who reads it)."""
    from saptah.directory import service as directory

    return language_of(directory.languages_of(session, [report.requested_by]).get(report.requested_by))


def _pdf() -> FPDF:
    pdf = FPDF(format="A4")
    fonts = font_files()
    pdf.add_font("NotoSans", fname=str(fonts["NotoSans.ttf"]))
    pdf.add_font("NotoDeva", fname=str(fonts["NotoSansDevanagari.ttf"]))
    pdf.set_fallback_fonts(["NotoDeva"])
    pdf.set_text_shaping(True)
    pdf.set_auto_page_break(True, margin=15)
    pdf.set_font("NotoSans", size=10)
    return pdf


def render(dash: Dashboard, annex: Sequence[tuple[str, Table]], lang: str = DEFAULT) -> FPDF:
    """Lay out the report in the reader's language (headings, captions, table headers, key-figure labels)."""
    pdf = _pdf()
    _cover(pdf, dash.scope, lang)
    pdf.add_page()
    _heading(pdf, translate(N_("Key figures"), lang))
    header = [N_("Figure"), N_("Value"), N_("Definition")]
    rows: list[list[Any]] = [
        [translate(f.label, lang), translate_stored(f.display, lang), translate(f.definition, lang)]
        for f in dash.figures
    ]
    _table(pdf, Table("figures", "", header, rows), lang, widths=(45, 35, 110))
    figure = 0
    for key in REPORT_TABLES:
        table = dash.tables[key]
        title = translate(table.title, lang)
        pdf.add_page()
        _heading(pdf, title)
        if key in CHARTED:
            png = charts.chart_for(table, fmt="png", lang=lang)
            if isinstance(png, bytes):
                figure += 1
                pdf.image(io.BytesIO(png), w=180)
                pdf.set_font("NotoSans", size=8)
                caption = translate(CAPTIONS.get(key, CAPTION), lang, number=figure, title=title)
                pdf.multi_cell(0, 4, caption, new_x="LMARGIN", new_y="NEXT")
                pdf.ln(2)
        if table.note:
            pdf.set_font("NotoSans", size=8)
            pdf.multi_cell(0, 4, translate_stored(table.note, lang), new_x="LMARGIN", new_y="NEXT")
        _table(pdf, table, lang)
    if annex:
        pdf.add_page()
        _heading(pdf, translate(N_("Annex: by ministry and state"), lang))
        for name, table in annex:
            _heading(pdf, name, size=11)
            _table(pdf, table, lang)
    return pdf


def _cover(pdf: FPDF, scope: Scope, lang: str) -> None:
    pdf.add_page()
    pdf.set_y(70)
    pdf.set_font("NotoSans", size=12)
    pdf.cell(0, 8, translate(N_("Karmayogi Saptah · National Learning Week"), lang), align="C", **NEXT_LINE)
    pdf.set_font("NotoSans", size=24)
    title = translate(N_("{campaign}: campaign report"), lang, campaign=scope.campaign_name)
    pdf.multi_cell(0, 12, title, align="C", **NEXT_LINE)
    pdf.set_font("NotoSans", size=13)
    pdf.cell(0, 10, translate_stored(scope.org_name, lang), align="C", **NEXT_LINE)
    days = translate(
        N_("{start} to {end} (IST days)"), lang, start=fmt_day(scope.start, lang), end=fmt_day(scope.end, lang)
    )
    pdf.cell(0, 8, days, align="C", **NEXT_LINE)
    pdf.set_font("NotoSans", size=9)
    made = translate(N_("Generated {when} IST from live aggregates"), lang, when=fmt_when(utcnow(), lang))
    pdf.cell(0, 8, made, align="C", **NEXT_LINE)


def _heading(pdf: FPDF, text: str, size: int = 15) -> None:
    pdf.set_font("NotoSans", size=size)
    pdf.multi_cell(0, size * 0.55, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def _table(pdf: FPDF, table: Table, lang: str, widths: tuple[int, ...] | None = None) -> None:
    pdf.set_font("NotoSans", size=7 if len(table.header) > 6 else 8)
    if not table.rows:
        pdf.cell(0, 6, translate(N_("Nothing to show yet."), lang), new_x="LMARGIN", new_y="NEXT")
        return
    heading = FontFace(emphasis="", fill_color=(238, 240, 244))
    with pdf.table(
        col_widths=widths, first_row_as_headings=True, headings_style=heading, line_height=4.2, text_align="LEFT"
    ) as t:  # left-aligned: justified cells spread two words across a column ("Department      of")
        t.row([translate(str(h), lang) for h in table.header])
        for row in table.rows:
            t.row([_cell(v, lang) for v in row])
    pdf.ln(3)


def _cell(value: Any, lang: str) -> str:
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return fmt_number(value, lang)
    return str(value)
