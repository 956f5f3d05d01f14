"""Stickiness per day as an SVG bar chart, drawn on the server: the geometry here, the markup in
templates/dashboard/stats.html. Each day's bar stacks the conversations routed: returning customers by where they went, then the others."""
from __future__ import annotations

import math
from dataclasses import dataclass

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 16, 34
SEGMENTS = (("to_their_agent", "returning, to their agent", "seg-agent"),
            ("after_hold", "returning, to their agent after a wait", "seg-hold"),
            ("to_cover", "returning, to a cover while their agent was absent", "seg-cover"),
            ("to_teammate", "returning, to a teammate", "seg-mate"),
            ("to_unassigned", "returning, to Unassigned", "seg-queue"),
            ("waiting", "returning, still held for their agent", "seg-wait"),
            ("new", "new, or their link had run out", "seg-new"))


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    plot_bottom: float
    plot_left: float
    plot_right: float
    bars: list[Rect]
    ticks: list[tuple[float, int]]        # (y, value) of the horizontal grid lines
    labels: list[tuple[float, str]]       # (x, text) under the bars
    legend: list[tuple[str, str]]         # (css class, words)


def day_chart(by_day: list[dict]) -> Chart:
    split = ("to_their_agent", "after_hold", "to_cover", "to_teammate", "to_unassigned")
    by_day = [{**d, "new": d["routed"] - d["returning"], "waiting": d["returning"] - sum(d[k] for k in split)}
              for d in by_day]
    top_value = _nice(max((_stacked(d) for d in by_day), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(by_day), 1)
    bar_w = max(slot * 0.7, 1.0)
    bars: list[Rect] = []
    for n, day in enumerate(by_day):
        x = LEFT + n * slot + (slot - bar_w) / 2
        base = HEIGHT - BOTTOM
        for key, words, css in SEGMENTS:
            h = plot_h * day[key] / top_value
            if day[key]:
                bars.append(Rect(round(x, 1), round(base - h, 1), round(bar_w, 1), round(h, 1), css,
                                 f"{day['day']}: {day[key]} {words}"))
            base -= h
    every = math.ceil(len(by_day) / 8) or 1
    labels = [(round(LEFT + n * slot + slot / 2, 1), d["day"][5:]) for n, d in enumerate(by_day)
              if n % every == 0]
    ticks = [(round(HEIGHT - BOTTOM - plot_h * v / top_value, 1), v) for v in _tick_values(top_value)]
    return Chart(WIDTH, HEIGHT, HEIGHT - BOTTOM, LEFT, WIDTH - RIGHT, bars, ticks, labels,
                 [(css, words) for _, words, css in SEGMENTS])


def _stacked(day: dict) -> int:
    return sum(day[key] for key, _, _ in SEGMENTS)


def _nice(value: int) -> int:
    """The axis top: 1, 2 or 5 times a power of ten, at least the value (and at least 4)."""
    value = max(value, 4)
    power = 10 ** int(math.floor(math.log10(value)))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= value)


def _tick_values(top: int) -> list[int]:
    step = top // 4 if top % 4 == 0 else top // 2 if top % 2 == 0 else top
    return list(range(0, top + 1, max(step, 1)))
