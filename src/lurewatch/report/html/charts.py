"""Bar charts as inline SVG, drawn here: the page needs no chart library and fetches nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lurewatch.report.html.markup import Markup, el, join

WIDTH = 720  # viewBox units; the SVG scales to the page's width
LABEL_CHARS = 36  # what fits left of a horizontal bar; the full label is in the tooltip
MAX_COLUMN = 36  # a column's widest, so a single day is not one wall of colour


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    hint: str = ""  # shown as the bar's tooltip


def _clip(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def _svg(chart_id: str, title: str, height: int, *shapes: Markup) -> Markup:
    return el(
        "svg",
        el("title", title),
        *shapes,
        id=chart_id,
        class_="chart",
        xmlns="http://www.w3.org/2000/svg",
        viewBox=f"0 0 {WIDTH} {height}",
        role="img",
        aria_label=title,
    )


def horizontal_bars(bars: Sequence[Bar], chart_id: str, title: str) -> Markup:
    """One row per bar, labels on the left: for few bars with long labels (clauses)."""
    row, label_w, value_w = 24, 260, 50
    plot_w = WIDTH - label_w - value_w
    top = max((b.value for b in bars), default=0) or 1
    shapes = []
    for i, b in enumerate(bars):
        y = i * row
        w = round(plot_w * b.value / top, 1)
        shapes.append(
            el(
                "g",
                el("title", b.hint or f"{b.label}: {b.value}"),
                el(
                    "text",
                    _clip(b.label),
                    x=label_w - 8,
                    y=y + 16,
                    class_="label",
                    text_anchor="end",
                ),
                el("rect", x=label_w, y=y + 4, width=max(w, 1), height=row - 8, class_="bar"),
                el("text", b.value, x=label_w + w + 6, y=y + 16, class_="value"),
            )
        )
    return _svg(chart_id, title, max(len(bars), 1) * row + 4, join(shapes))


def vertical_bars(bars: Sequence[Bar], chart_id: str, title: str) -> Markup:
    """One column per bar, in order: for a time axis (alerts per day)."""
    height, axis_h, left = 220, 28, 40
    plot_h, plot_w = height - axis_h - 12, WIDTH - left - 8
    top = max((b.value for b in bars), default=0) or 1
    slot = plot_w / max(len(bars), 1)
    # Label about every 60 units so dates never overlap, whatever the number of days.
    every = max(1, round(60 / slot))
    shapes = [
        el("text", top, x=left - 6, y=16, class_="value", text_anchor="end"),
        el("text", 0, x=left - 6, y=12 + plot_h, class_="value", text_anchor="end"),
        el("line", x1=left, y1=12 + plot_h, x2=WIDTH - 8, y2=12 + plot_h, class_="axis"),
    ]
    for i, b in enumerate(bars):
        h = round(plot_h * b.value / top, 1)
        x = left + i * slot
        w = min(slot * 0.8, MAX_COLUMN)
        parts = [
            el("title", b.hint or f"{b.label}: {b.value}"),
            el(
                "rect",
                x=round(x + (slot - w) / 2, 1),
                y=round(12 + plot_h - h, 1),
                width=round(max(w, 1), 1),
                height=h,
                class_="bar",
            ),
        ]
        if i % every == 0:
            parts.append(
                el(
                    "text",
                    b.label,
                    x=round(x + slot / 2, 1),
                    y=height - 10,
                    class_="label",
                    text_anchor="middle",
                )
            )
        shapes.append(el("g", *parts))
    return _svg(chart_id, title, height, join(shapes))
