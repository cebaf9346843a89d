"""Server-side SVG charts of a monthly series (no JavaScript, no CDN).

Framework-free: the callers pass the labels and the values, this module returns the ``<svg>``
markup as a string. Every label is escaped (``xml.sax.saxutils``), so the result may be
inserted into a page as is. The chart reads out for screen readers: ``role="img"``, an
``aria-labelledby`` pointing to its ``<title>`` and a ``<desc>`` that lists every value; each
point (or bar) also carries its own ``<title>`` and ``data-label`` / ``data-value``.

A value of ``None`` means "no figure for this month": a gap in the line, no bar.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

__all__ = ["Point", "bar_chart", "line_chart"]

WIDTH = 640
HEIGHT = 240
LEFT = 48
RIGHT = 16
TOP = 32
BOTTOM = 44
TICKS = 4


@dataclass(frozen=True, slots=True)
class Point:
    """One month of a series: ``label`` (e.g. ``2026-10``) and its value (``None``: none)."""

    label: str
    value: float | None


def _fmt(value: float) -> str:
    """A number as shown in the chart's text: at most 2 decimals, no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _scale_max(values: Sequence[float], y_max: float | None) -> float:
    if y_max is not None and y_max > 0:
        return y_max
    top = max(values, default=0.0)
    if top <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(top))
    return float(math.ceil(top / magnitude) * magnitude)


def _description(points: Sequence[Point], unit: str, no_value: str) -> str:
    parts = [f"{p.label}: {no_value if p.value is None else _fmt(p.value) + unit}" for p in points]
    return "; ".join(parts) if parts else no_value


def _frame(
    *,
    chart_id: str,
    title: str,
    desc: str,
    kind: str,
    top: float,
    y_label: str,
    unit: str,
    body: list[str],
    labels: Sequence[tuple[float, str]],
) -> str:
    plot_h = HEIGHT - TOP - BOTTOM
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    out = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" '
            f'id={quoteattr(chart_id)} viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
            f'role="img" aria-labelledby={quoteattr(f"{title_id} {desc_id}")} '
            f"aria-label={quoteattr(title)} "
            f'preserveAspectRatio="xMidYMid meet">'
        ),
        f"<title id={quoteattr(title_id)}>{escape(title)}</title>",
        f"<desc id={quoteattr(desc_id)}>{escape(desc)}</desc>",
        (
            f'<text class="chart-heading" x="{LEFT}" y="18" font-size="13" font-weight="600">'
            f"{escape(title)}</text>"
        ),
    ]
    if y_label:
        out.append(
            f'<text class="chart-axis-label" x="{WIDTH - RIGHT}" y="18" font-size="11" '
            f'text-anchor="end">{escape(y_label)}</text>'
        )
    # horizontal grid and the y axis ticks
    for i in range(TICKS + 1):
        value = top * i / TICKS
        y = TOP + plot_h - plot_h * i / TICKS
        out.append(
            f'<line class="chart-grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" '
            f'y2="{y:.1f}" stroke="#d0d5dd" stroke-width="1"/>'
        )
        out.append(
            f'<text class="chart-tick" x="{LEFT - 6}" y="{y + 4:.1f}" font-size="10" '
            f'text-anchor="end">{escape(_fmt(value) + unit)}</text>'
        )
    out.append(
        f'<line class="chart-axis" x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + plot_h}" '
        f'stroke="#344054" stroke-width="1"/>'
    )
    out.append(
        f'<line class="chart-axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" '
        f'y2="{TOP + plot_h}" stroke="#344054" stroke-width="1"/>'
    )
    for x, label in labels:
        out.append(
            f'<text class="chart-x" x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" font-size="10" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    out.extend(body)
    out.append("</svg>")
    return "".join(out)


def _x_positions(count: int) -> list[float]:
    plot_w = WIDTH - LEFT - RIGHT
    if count == 0:
        return []
    step = plot_w / count
    return [LEFT + step * (i + 0.5) for i in range(count)]


def _y(value: float, top: float) -> float:
    plot_h = HEIGHT - TOP - BOTTOM
    clipped = min(max(value, 0.0), top)
    return TOP + plot_h - plot_h * clipped / top


def line_chart(
    points: Sequence[Point],
    *,
    title: str,
    chart_id: str = "chart",
    y_max: float | None = None,
    y_label: str = "",
    unit: str = "",
    no_value: str = "—",
) -> str:
    """A line chart: one point per month, a gap where the value is ``None``.

    ``y_max`` fixes the top of the scale (e.g. a group's maximum score); without it the scale
    rounds the largest value up. ``no_value`` is the text read out for a month without value.
    """
    values = [p.value for p in points if p.value is not None]
    top = _scale_max(values, y_max)
    xs = _x_positions(len(points))
    body: list[str] = []
    segment: list[str] = []
    segments: list[list[str]] = []
    for x, p in zip(xs, points, strict=True):
        if p.value is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        segment.append(f"{x:.1f},{_y(p.value, top):.1f}")
    if segment:
        segments.append(segment)
    body.extend(
        f'<polyline class="chart-line" fill="none" stroke="#1d4ed8" stroke-width="2" '
        f'points="{" ".join(seg)}"/>'
        for seg in segments
        if len(seg) > 1
    )
    for x, p in zip(xs, points, strict=True):
        if p.value is None:
            continue
        body.append(
            f'<circle class="chart-point" cx="{x:.1f}" cy="{_y(p.value, top):.1f}" r="3.5" '
            f'fill="#1d4ed8" data-label={quoteattr(p.label)} data-value="{_fmt(p.value)}">'
            f"<title>{escape(f'{p.label}: {_fmt(p.value)}{unit}')}</title></circle>"
        )
    return _frame(
        chart_id=chart_id,
        title=title,
        desc=_description(points, unit, no_value),
        kind="line",
        top=top,
        y_label=y_label,
        unit=unit,
        body=body,
        labels=list(zip(xs, (p.label for p in points), strict=True)),
    )


def bar_chart(
    points: Sequence[Point],
    *,
    title: str,
    chart_id: str = "chart",
    y_max: float | None = None,
    y_label: str = "",
    unit: str = "",
    no_value: str = "—",
) -> str:
    """A bar chart: one bar per month, none where the value is ``None``."""
    values = [p.value for p in points if p.value is not None]
    top = _scale_max(values, y_max)
    xs = _x_positions(len(points))
    width = (WIDTH - LEFT - RIGHT) / max(len(points), 1) * 0.6
    base = _y(0.0, top)
    body: list[str] = []
    for x, p in zip(xs, points, strict=True):
        if p.value is None:
            continue
        y = _y(p.value, top)
        body.append(
            f'<rect class="chart-bar" x="{x - width / 2:.1f}" y="{y:.1f}" '
            f'width="{width:.1f}" height="{base - y:.1f}" fill="#1d4ed8" '
            f'data-label={quoteattr(p.label)} data-value="{_fmt(p.value)}">'
            f"<title>{escape(f'{p.label}: {_fmt(p.value)}{unit}')}</title></rect>"
        )
    return _frame(
        chart_id=chart_id,
        title=title,
        desc=_description(points, unit, no_value),
        kind="bar",
        top=top,
        y_label=y_label,
        unit=unit,
        body=body,
        labels=list(zip(xs, (p.label for p in points), strict=True)),
    )
