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
from saptah.core.timeutil import fmt_ist
from saptah.directory.schemas import Principal
from saptah.web.assets import font_files

REPORT_TABLES = tuple(key for key in DASHBOARD_TABLES if key != "figures")  # figures have their own page
CHARTED = ("trend", "breakdown", "by_area", "by_provider")
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
    pdf = render(dash, annex)
    report.pdf = bytes(pdf.output())
    report.figures = json.dumps({f.key: f.display for f in dash.figures})
    report.status = "done"
    report.finished_at = utcnow()
    session.flush()
    return int(pdf.pages_count)


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


def render(dash: Dashboard, annex: Sequence[tuple[str, Table]]) -> FPDF:
    """Lay out the report."""
    pdf = _pdf()
    _cover(pdf, dash.scope)
    pdf.add_page()
    _heading(pdf, "Key figures")
    _table(
        pdf,
        Table(
            "figures", "", ["Figure", "Value", "Definition"], [[f.label, f.display, f.definition] for f in dash.figures]
        ),
        widths=(45, 35, 110),
    )
    figure = 0
    for key in REPORT_TABLES:
        table = dash.tables[key]
        pdf.add_page()
        _heading(pdf, table.title)
        if key in CHARTED:
            png = charts.chart_for(table, fmt="png")
            if isinstance(png, bytes):
                figure += 1
                pdf.image(io.BytesIO(png), w=180)
                pdf.set_font("NotoSans", size=8)
                caption = f"Figure {figure}: {table.title}. The figures are in the table below."
                pdf.multi_cell(0, 4, caption, new_x="LMARGIN", new_y="NEXT")
                pdf.ln(2)
        if table.note:
            pdf.set_font("NotoSans", size=8)
            pdf.multi_cell(0, 4, table.note, new_x="LMARGIN", new_y="NEXT")
        _table(pdf, table)
    if annex:
        pdf.add_page()
        _heading(pdf, "Annex: by ministry and state")
        for title, table in annex:
            _heading(pdf, title, size=11)
            _table(pdf, table)
    return pdf


def _cover(pdf: FPDF, scope: Scope) -> None:
    pdf.add_page()
    pdf.set_y(70)
    pdf.set_font("NotoSans", size=12)
    pdf.cell(0, 8, "Karmayogi Saptah · National Learning Week", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("NotoSans", size=24)
    pdf.multi_cell(0, 12, f"{scope.campaign_name}: campaign report", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("NotoSans", size=13)
    pdf.cell(0, 10, scope.org_name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(
        0, 8, f"{scope.start:%d-%m-%Y} to {scope.end:%d-%m-%Y} (IST days)", align="C", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font("NotoSans", size=9)
    pdf.cell(0, 8, f"Generated {fmt_ist(utcnow())} IST from live aggregates", align="C", new_x="LMARGIN", new_y="NEXT")


def _heading(pdf: FPDF, text: str, size: int = 15) -> None:
    pdf.set_font("NotoSans", size=size)
    pdf.multi_cell(0, size * 0.55, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def _table(pdf: FPDF, table: Table, widths: tuple[int, ...] | None = None) -> None:
    pdf.set_font("NotoSans", size=7 if len(table.header) > 6 else 8)
    if not table.rows:
        pdf.cell(0, 6, "Nothing to show yet.", new_x="LMARGIN", new_y="NEXT")
        return
    heading = FontFace(emphasis="", fill_color=(238, 240, 244))
    with pdf.table(
        col_widths=widths, first_row_as_headings=True, headings_style=heading, line_height=4.2, text_align="LEFT"
    ) as t:  # left-aligned: justified cells spread two words across a column ("Department      of")
        t.row([str(h) for h in table.header])
        for row in table.rows:
            t.row([_cell(v) for v in row])
    pdf.ln(3)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return service.fmt_number(value)
    return str(value)
