"""Charts drawn with matplotlib: SVG inline for pages (scales to a phone), PNG for the PDF report.

Built on `matplotlib.figure.Figure`, never pyplot, so concurrent requests do not share state.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib import rc_context
from matplotlib.figure import Figure

from saptah.analytics.schemas import Table
from saptah.web.i18n import N_, translate

# An SVG's words are drawn by the browser (Devanagari too); matplotlib only measures them with its own font, and
# would warn of every Devanagari letter on every Hindi page (a filter set once: catch_warnings is not thread-safe).
warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
COLOUR = "#1f5f8b"
ACCENT = "#e07b00"
STYLE: dict[Any, Any] = {"svg.fonttype": "none", "font.size": 10, "axes.spines.top": False, "axes.spines.right": False}


def _figure(width: float = 8.0, height: float = 3.4) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def _out(fig: Figure, fmt: str, title: str) -> bytes | str:
    buf = io.BytesIO()
    with rc_context(STYLE):
        fig.savefig(
            buf, format=fmt, dpi=150 if fmt == "png" else 72, metadata={"Title": title} if fmt == "svg" else None
        )
    if fmt == "png":
        return buf.getvalue()
    svg = buf.getvalue().decode("utf-8")
    svg = svg[svg.index("<svg") :]
    # responsive: keep the viewBox, drop fixed sizes, label it for screen readers
    svg = re.sub(r'(<svg[^>]*?)\s(width|height)="[^"]*"', r"\1", svg, count=1)
    svg = re.sub(r'(<svg[^>]*?)\s(width|height)="[^"]*"', r"\1", svg, count=1)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{_esc(title)}" preserveAspectRatio="xMidYMid meet" ', 1)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _short(text: str, n: int = 38) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def line_chart(
    labels: Sequence[str], values: Sequence[float], *, title: str, ylabel: str, fmt: str = "svg"
) -> bytes | str:
    """Values per day as bars with a line, peak marked."""
    with rc_context(STYLE):
        fig = _figure()
        ax = fig.add_subplot()
        xs = list(range(len(labels)))
        ax.bar(xs, values, color=COLOUR, alpha=0.85)
        if values:
            peak = max(range(len(values)), key=lambda i: values[i])
            ax.bar([peak], [values[peak]], color=ACCENT)
        ax.set_xticks(xs, [lbl[5:] if len(lbl) == 10 else lbl for lbl in labels], rotation=45 if len(xs) > 10 else 0)
        ax.set_ylabel(ylabel)
        ax.set_title(title, loc="left")
        _count_axis(ax.yaxis)
        return _out(fig, fmt, title)


def bar_chart(
    labels: Sequence[str], values: Sequence[float], *, title: str, xlabel: str, fmt: str = "svg"
) -> bytes | str:
    """Horizontal bars, largest on top (labels are long organisation and course names)."""
    with rc_context(STYLE):
        n = max(1, len(labels))
        fig = _figure(8.0, min(9.0, 0.9 + 0.32 * n))
        ax = fig.add_subplot()
        ys = list(range(len(labels)))[::-1]
        ax.barh(ys, values, color=COLOUR)
        ax.set_yticks(ys, [_short(str(lbl)) for lbl in labels])
        ax.set_xlabel(xlabel)
        ax.set_title(title, loc="left")
        _count_axis(ax.xaxis)
        return _out(fig, fmt, title)


def _count_axis(axis: Any) -> None:
    """Ticks only at whole numbers (every charted figure is a count: completions, minutes), written with
    thousands separators; small counts no longer read 0 0 1 2 2 2 3."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))


def chart_for(table: Table, fmt: str = "svg", lang: str = "en") -> bytes | str | None:
    """The chart that goes with a dashboard table (None: a table without a chart), its words in the language.

    A PNG (the PDF report) in a language whose script matplotlib cannot shape (Devanagari's joined letters come
    apart) carries no words of its own: the report prints its title above it and its caption below it.
    """
    rows = table.rows
    if not rows:
        return None
    words = fmt == "svg" or lang == "en"
    title = translate(table.title, lang) if words else ""
    completions = translate(N_("Completions"), lang) if words else ""
    if table.key == "trend":
        return line_chart(
            [str(r[0]) for r in rows], [float(r[1]) for r in rows], title=title, ylabel=completions, fmt=fmt
        )
    if table.key == "breakdown":
        top = sorted(rows, key=lambda r: -float(r[6]))[:15]
        return bar_chart(
            [str(r[0]) for r in top],
            [float(r[6]) for r in top],
            title=translate(N_("{title}: completions"), lang, title=title) if words else "",
            xlabel=completions,
            fmt=fmt,
        )
    if table.key in ("by_area", "by_provider", "by_language"):
        top = rows[:12]
        return bar_chart([str(r[0]) for r in top], [float(r[1]) for r in top], title=title, xlabel=completions, fmt=fmt)
    if table.key == "top_courses":
        top = rows[:10]
        return bar_chart([str(r[0]) for r in top], [float(r[2]) for r in top], title=title, xlabel=completions, fmt=fmt)
    if table.key == "my_days":
        minutes = translate(N_("Minutes"), lang) if words else ""
        return line_chart([str(r[0]) for r in rows], [float(r[1]) for r in rows], title=title, ylabel=minutes, fmt=fmt)
    return None
