"""Charts drawn on the server as inline SVG: no chart library, nothing loaded from elsewhere.

Each chart is one `<svg role="img">` with a `<title>` and a `<desc>` (what a screen reader announces); the
numbers themselves go in a table next to it (see the dashboard template). Pure functions of their data.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 640
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 14, 42


@dataclass(frozen=True)
class Target:
    """A horizontal line across a chart: the value aimed at."""

    value: float
    label: str


def _svg(ident: str, title: str, desc: str, width: int, height: int, body: list[str]) -> Markup:
    head = (
        f'<svg class="chart" id="{escape(ident)}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{escape(ident)}-title {escape(ident)}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{escape(ident)}-title">{escape(title)}</title>'
        f'<desc id="{escape(ident)}-desc">{escape(desc)}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")


def _nice_max(value: float) -> float:
    """A round top for an axis at or above `value`."""
    if value <= 0:
        return 1.0
    step = 10 ** (len(str(int(value))) - 1)
    for factor in (1, 2, 2.5, 5, 10):
        if value <= factor * step:
            return float(factor * step)
    return float(10 * step)


def bars(
    ident: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    fmt: Callable[[float], str] = lambda v: f"{v:g}",
    top: float | None = None,
    target: Target | None = None,
    height: int = 220,
) -> Markup:
    """Vertical bars, one per label (None: no bar, shown as a gap), with an optional target line."""
    known = [v for v in values if v is not None]
    top = top if top is not None else _nice_max(max([*known, target.value if target else 0, 0]))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, height - TOP - BOTTOM

    def y(v: float) -> float:
        return TOP + plot_h - (min(v, top) / top) * plot_h

    body = []
    for i in range(5):  # grid lines and the value axis
        v = top * i / 4
        body.append(f'<line class="gridline" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}"/>')
        body.append(f'<text x="{LEFT - 4}" y="{y(v) + 4:.1f}" text-anchor="end">{escape(fmt(v))}</text>')
    n = max(1, len(labels))
    slot = plot_w / n
    width = max(2.0, slot * 0.7)
    every = max(1, round(n / 12))  # at most about 12 labels under the axis
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = LEFT + i * slot + (slot - width) / 2
        if value is not None:
            body.append(
                f'<rect class="bar" x="{x:.1f}" y="{y(value):.1f}" width="{width:.1f}" '
                f'height="{TOP + plot_h - y(value):.1f}"><title>{escape(label)}: {escape(fmt(value))}</title></rect>'
            )
        if i % every == 0:
            body.append(
                f'<text x="{LEFT + i * slot + slot / 2:.1f}" y="{height - BOTTOM + 16}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    if target is not None:
        ty = y(target.value)
        body.append(f'<line class="target" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{ty:.1f}" y2="{ty:.1f}"/>')
        body.append(f'<text x="{WIDTH - RIGHT}" y="{ty - 4:.1f}" text-anchor="end">{escape(target.label)}</text>')
    body.append(f'<line class="axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}"/>')
    return _svg(ident, title, desc, WIDTH, height, body)


def hbars(
    ident: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    fmt: Callable[[float], str] = lambda v: f"{v:g}",
    empty: str = "No data",
) -> Markup:
    """Horizontal bars, one row per label, the value written after each bar; `empty`: what an empty chart says."""
    row, label_w = 26, 170
    height = TOP + row * max(1, len(labels)) + 8
    top = _nice_max(max([*values, 0]))
    plot_w = WIDTH - label_w - 70
    body = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = TOP + i * row
        w = plot_w * value / top
        body.append(f'<text x="{label_w - 6}" y="{y + 16}" text-anchor="end">{escape(label)}</text>')
        body.append(
            f'<rect class="bar" x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 8}">'
            f"<title>{escape(label)}: {escape(fmt(value))}</title></rect>"
        )
        body.append(f'<text x="{label_w + w + 6:.1f}" y="{y + 16}">{escape(fmt(value))}</text>')
    if not labels:
        body.append(f'<text x="{label_w}" y="{TOP + 16}">{escape(empty)}</text>')
    return _svg(ident, title, desc, WIDTH, height, body)


def _heat_colour(minutes: float, limit: float) -> str:
    """Green at 0, amber at the limit, red at three times the limit."""
    share = max(0.0, min(1.0, minutes / (3 * limit)))
    stops = [(0.0, (216, 240, 223)), (1 / 3, (255, 226, 153)), (1.0, (240, 128, 118))]
    for (a, ca), (b, cb) in itertools.pairwise(stops):
        if share <= b:
            t = (share - a) / (b - a)
            r, g, bl = (round(x + (y - x) * t) for x, y in zip(ca, cb, strict=True))
            return f"rgb({r},{g},{bl})"
    return "rgb(240,128,118)"


def heat(
    ident: str,
    title: str,
    desc: str,
    rows: Sequence[str],
    columns: Sequence[str],
    cells: dict[tuple[int, int], tuple[float, float]],
    *,
    limit_min: float = 5,
    tip: Callable[[float, float], str] = lambda p50, p90: f"p50 {p50:.0f} min, p90 {p90:.0f} min",
    nobody: str = "nobody",
) -> Markup:
    """A grid of (row, column) cells, each with two numbers "p50/p90" (minutes), coloured by the second; `tip`
    and `nobody`: what a cell's tooltip says (in the page's language)."""
    cell_w, cell_h, label_w = 44, 30, 150
    width = max(WIDTH, label_w + cell_w * len(columns) + RIGHT)
    height = TOP + 20 + cell_h * max(1, len(rows)) + 8
    body = []
    for j, column in enumerate(columns):
        x = label_w + j * cell_w + cell_w / 2
        body.append(f'<text x="{x:.1f}" y="{TOP + 8}" text-anchor="middle">{escape(column)}</text>')
    for i, row in enumerate(rows):
        y = TOP + 20 + i * cell_h
        body.append(f'<text x="{label_w - 6}" y="{y + cell_h / 2 + 4:.1f}" text-anchor="end">{escape(row)}</text>')
        for j, column in enumerate(columns):
            x = label_w + j * cell_w
            found = cells.get((i, j))
            fill = _heat_colour(found[1], limit_min) if found else "#f3f5f8"
            said = f"{row}, {column}: " + (tip(found[0], found[1]) if found else nobody)
            body.append(
                f'<rect x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" height="{cell_h - 2}" fill="{fill}">'
                f"<title>{escape(said)}</title></rect>"
            )
            if found:
                body.append(
                    f'<text x="{x + cell_w / 2:.1f}" y="{y + cell_h / 2 + 4:.1f}" text-anchor="middle">'
                    f"{found[0]:.0f}/{found[1]:.0f}</text>"
                )
    return _svg(ident, title, desc, width, height, body)
