"""Bar charts as geometry for a server-rendered SVG: the template draws what these functions measure."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    text: str  # the number as the page prints it beside the bar
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Chart:
    title: str
    bars: list[Bar]
    width: int
    height: int
    horizontal: bool
    label_width: int = 0


ROW = 28  # one horizontal bar's band
LABEL = 150  # room for the labels left of horizontal bars
PLOT = 360


def horizontal(title: str, items: list[tuple[str, float | None, str]], *, maximum: float | None = None) -> Chart:
    """One bar per item, left to right from zero; an item without a value gets no bar, only its text."""
    top = maximum if maximum is not None else max((v for _, v, _ in items if v), default=0.0)
    bars = []
    for n, (label, value, text) in enumerate(items):
        width = PLOT * (value / top) if value and top else 0.0
        bars.append(Bar(label=label, text=text, x=LABEL, y=n * ROW + 4, width=round(width, 1),
                        height=ROW - 8))
    return Chart(title=title, bars=bars, width=LABEL + PLOT + 90, height=max(ROW, len(items) * ROW),
                 horizontal=True, label_width=LABEL)


def columns(title: str, items: list[tuple[str, float | None, str]], *, height: int = 160) -> Chart:
    """One column per item, bottom up from zero; labels under each, numbers above."""
    top = max((v for _, v, _ in items if v), default=0.0)
    step = 44
    plot = height - 40
    bars = []
    for n, (label, value, text) in enumerate(items):
        h = plot * (value / top) if value and top else 0.0
        bars.append(Bar(label=label, text=text, x=n * step + 6, y=round(20 + plot - h, 1),
                        width=step - 12, height=round(h, 1)))
    return Chart(title=title, bars=bars, width=max(step, len(items) * step), height=height, horizontal=False)
