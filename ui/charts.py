"""Charts as server-rendered SVG: the geometry is computed here, the markup lives in
`templates/components/_chart_*.html`, and every chart has a table with the same numbers. No
script, so they pass a nonce-based CSP and work without JavaScript."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from paygate.lib.money import format_amount, get_currency

WIDTH = 640
HEIGHT = 220
LEFT = 56  # room for the y labels
BOTTOM = 24  # room for the x labels
TOP = 10
RIGHT = 22  # room for the last x label, centred on the last point


def _nice_max(value: float) -> float:
    """The top of the y axis: 1, 2, 4, 5 or 8 times a power of ten, at or above `value`."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 4, 5, 8, 10):
        if value <= step * magnitude * (1 + 1e-9):
            return step * magnitude
    return 10 * magnitude


def _round(step: float) -> bool:
    """1, 2, 2.5 or 5 times a power of ten: a step a reader can count in."""
    mantissa = step / 10 ** math.floor(math.log10(step))
    return any(abs(mantissa - m) < 1e-9 for m in (1, 2, 2.5, 5))


def _tick_count(top: float, *, whole: bool) -> int:
    for count in (4, 5, 2):
        step = top / count
        if _round(step) and (not whole or step == int(step)):
            return count
    return 1


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value_label: str


@dataclass
class Tick:
    y: float
    label: str


@dataclass
class Chart:
    title: str
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT  # where the plot starts; the y labels end just before it
    right: int = WIDTH - RIGHT
    bars: list[Bar] = field(default_factory=list)
    points: str = ""  # a polyline
    dots: list[tuple[float, float, str]] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    x_labels: list[tuple[float, str]] = field(default_factory=list)
    rows: list[tuple[str, str]] = field(default_factory=list)  # the table alternative
    columns: tuple[str, str] = ("", "")
    empty: bool = False

    @property
    def label_x(self) -> int:
        return self.left - 6


def _axis(top: float, fmt: Callable[[float], str], *, whole: bool) -> list[Tick]:
    plot = HEIGHT - BOTTOM - TOP
    count = _tick_count(top, whole=whole)
    return [Tick(y=round(TOP + plot - plot * i / count, 1), label=fmt(top * i / count)) for i in range(count + 1)]


def _x_labels(labels: Sequence[str], step: float, offset: float) -> list[tuple[float, str]]:
    every = max(1, len(labels) // 8)  # at most ~8 labels, evenly spread
    return [(LEFT + offset + i * step, label) for i, label in enumerate(labels) if i % every == 0]


def bar_chart(
    title: str,
    data: Sequence[tuple[str, float]],
    *,
    fmt: Callable[[float], str] = lambda v: f"{v:,.0f}",
    axis: Callable[[float], str] | None = None,
    columns: tuple[str, str] = ("", ""),
) -> Chart:
    """Vertical bars, one per (label, value). `fmt` labels values; `axis`, if given, the y axis
    (shorter: no minor units). Counts are whole, so their ticks are too."""
    chart = Chart(title=title, columns=columns, rows=[(label, fmt(value)) for label, value in data])
    if not data or not any(value for _, value in data):
        chart.empty = True
        return chart
    top = _nice_max(max(value for _, value in data))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - BOTTOM - TOP
    step = plot_w / len(data)
    width = max(2.0, step * 0.7)
    for i, (label, value) in enumerate(data):
        height = plot_h * value / top
        chart.bars.append(
            Bar(
                x=round(LEFT + i * step + (step - width) / 2, 1),
                y=round(TOP + plot_h - height, 1),
                width=round(width, 1),
                height=round(height, 1),
                label=label,
                value_label=fmt(value),
            )
        )
    chart.ticks = _axis(top, axis or fmt, whole=axis is None)
    chart.x_labels = _x_labels([label for label, _ in data], step, step / 2)
    return chart


def line_chart(
    title: str,
    data: Sequence[tuple[str, float | None]],
    *,
    top: float | None = None,
    fmt: Callable[[float], str] = lambda v: f"{v:,.0f}",
    columns: tuple[str, str] = ("", ""),
) -> Chart:
    """A line through the (label, value) points; None leaves a point out (nothing to measure)."""
    chart = Chart(title=title, columns=columns, rows=[(label, "—" if v is None else fmt(v)) for label, v in data])
    known = [v for _, v in data if v is not None]
    if not known:
        chart.empty = True
        return chart
    top = top or _nice_max(max(known))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - BOTTOM - TOP
    step = plot_w / max(1, len(data) - 1)
    points = []
    for i, (label, value) in enumerate(data):
        if value is None:
            continue
        x, y = round(LEFT + i * step, 1), round(TOP + plot_h - plot_h * value / top, 1)
        points.append(f"{x},{y}")
        chart.dots.append((x, y, f"{label}: {fmt(value)}"))
    chart.points = " ".join(points)
    chart.ticks = _axis(top, fmt, whole=False)
    chart.x_labels = _x_labels([label for label, _ in data], step, 0)
    return chart


def short_money(currency: str) -> Callable[[float], str]:
    """An axis label for minor units: "£250", "£1.5k" — no minor units on an axis."""
    info = get_currency(currency)

    def label(minor: float) -> str:
        major = minor / 10**info.exponent
        if major >= 1000:
            return f"{info.symbol}{major / 1000:,.1f}k".replace(".0k", "k")
        return f"{info.symbol}{major:,.0f}"

    return label


def dashboard_charts(
    series: Sequence[dict], statuses: dict, main_currency: str | None, volume: Sequence[dict] = ()
) -> dict[str, Chart]:
    """The dashboards' charts (portal and ops) from the analytics selectors' answers:
    `payment_daily_series`, `payment_status_distribution`, the busiest currency, whose captured
    volume is charted (amounts in several currencies never share an axis), and the payments per
    currency of `payment_volume_by_currency` (counts do; its amounts stay in its table)."""
    day = "%d %b"
    charts = {
        "payments": bar_chart(
            "Payments per day", [(d["date"].strftime(day), d["payments"]) for d in series], columns=("Day", "Payments")
        ),
        "success": line_chart(
            "Success rate per day",
            [(d["date"].strftime(day), None if d["success_rate"] is None else d["success_rate"] * 100) for d in series],
            top=100,
            fmt=lambda v: f"{v:.0f} %",
            columns=("Day", "Success rate"),
        ),
        "statuses": bar_chart(
            "Payments by status",
            [(s["status"].replace("_", " "), s["count"]) for s in statuses["statuses"] if s["count"]],
            columns=("Status", "Payments"),
        ),
        "currencies": bar_chart(
            "Payments by currency",
            [(row["currency"], row["payments"]) for row in volume],
            columns=("Currency", "Payments"),
        ),
    }
    if main_currency:
        captured = [next((row["amount"] for row in d["volume"] if row["currency"] == main_currency), 0) for d in series]
        charts["volume"] = bar_chart(
            f"Captured volume per day ({main_currency})",
            [(d["date"].strftime(day), amount) for d, amount in zip(series, captured, strict=True)],
            fmt=lambda v: format_amount(int(v), main_currency),
            axis=short_money(main_currency),
            columns=("Day", f"Captured ({main_currency})"),
        )
    return charts
