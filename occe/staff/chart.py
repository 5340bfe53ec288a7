"""The weekly progress chart, laid out on the server for a plain SVG (no JavaScript)."""

import math
from dataclasses import dataclass

from babel.dates import format_date

from ..money import LOCALE

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 36
MAX_LABELS = 14


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    series: str  # "school" or "occe"


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    bottom: float
    right: float
    bars: tuple
    y_ticks: tuple
    x_labels: tuple


def nice_ceiling(value):
    """Return a round axis maximum at or above ``value`` (1, 2, 5, 10, 20, 50…)."""
    if value <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover - the loop always returns


def weekly_chart(weeks):
    """Lay out two bars a week (validated by the school, by the OCCE) with their axes."""
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    bottom = TOP + plot_height
    top_value = nice_ceiling(max([w.school for w in weeks] + [w.occe for w in weeks] + [1]))
    slot = plot_width / max(len(weeks), 1)
    bar_width = min(slot * 0.38, 28)

    def bar(index, offset, value, series):
        height = plot_height * value / top_value
        x = LEFT + index * slot + slot / 2 + offset
        return Bar(round(x, 1), round(bottom - height, 1), round(bar_width, 1),
                   round(height, 1), value, series)

    bars = []
    for index, week in enumerate(weeks):
        bars.append(bar(index, -bar_width, week.school, "school"))
        bars.append(bar(index, 0, week.occe, "occe"))
    step = top_value // 4 if top_value >= 4 else 1
    y_ticks = tuple(
        Tick(round(bottom - plot_height * value / top_value, 1), str(value))
        for value in range(0, top_value + 1, step)
    )
    every = max(1, math.ceil(len(weeks) / MAX_LABELS))
    x_labels = tuple(
        Tick(round(LEFT + index * slot + slot / 2, 1), format_date(week.monday, "d MMM", locale=LOCALE))
        for index, week in enumerate(weeks)
        if index % every == 0
    )
    return Chart(WIDTH, HEIGHT, LEFT, bottom, WIDTH - RIGHT, tuple(bars), y_ticks, x_labels)
