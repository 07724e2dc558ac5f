"""The cost chart: cumulative cost over the horizon per approach against monthly volume (log scale), with the
user's volume and the crossover marked, as a PNG for Slack, Teams and the terminal.

The curves come from the estimate itself (one-time cost, fixed and per-request monthly cost, review), so the chart
cannot disagree with the card. matplotlib (Agg backend, no display) is imported only when a PNG is drawn: the
command line and the bot start without it.
"""

from __future__ import annotations

import gc
import io
import math
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.advisor import tco

APPROACHES = ("prompt_engineering", "fine_tuning", "hybrid")
LABELS = {"prompt_engineering": "Prompt engineering", "fine_tuning": "Fine-tuning", "hybrid": "Hybrid"}
COLORS = {"prompt_engineering": "#1f77b4", "fine_tuning": "#d62728", "hybrid": "#2ca02c"}
POINTS = 80
MAX_BYTES = 150_000  # Slack shows it inline either way; small keeps uploads and the Teams card fast
DPI = 100
PNG_COMPRESSION = 1  # zlib level: the chart is mostly flat colour, so level 6 saves little and costs more


@dataclass(frozen=True)
class CostCurves:
    """Total cost over the horizon per approach at each volume (requests per month)."""

    volumes: list[float]
    totals: dict[str, list[float]]
    user_volume: int
    user_totals: dict[str, float]
    crossover: int | None
    crossover_total: float | None  # fine-tuning's total at the crossover (where the curves meet)
    horizon_months: float


def total_at(est: tco.TcoEstimate, approach: str, volume: float) -> float:
    """The approach's cost over the horizon at `volume` requests a month (the estimate's other facts unchanged)."""
    return _totals(est, approach)(volume)


def _totals(est: tco.TcoEstimate, approach: str) -> Callable[[float], float]:
    """`total_at` for one estimate and approach, with the assumptions read once (a curve takes POINTS volumes)."""
    cost = est.approaches[approach]
    assumptions, profile, months = tco.assumptions_of(est), est.profile, est.horizon_months

    def total(volume: float) -> float:
        review = tco.review_cost(assumptions, volume, profile)
        return cost.one_time_usd + months * (cost.monthly_fixed_usd + cost.per_request_usd * volume + review)

    return total


def curves(est: tco.TcoEstimate, points: int = POINTS) -> CostCurves:
    """The curves over a volume range that shows the user's volume and the crossover with room on both sides."""
    marks = [v for v in (est.monthly_requests, est.crossover_monthly_requests) if v]
    low = max(100.0, min([*marks, 100_000]) / 30)
    high = max([*marks, 100_000]) * 8
    step = (math.log10(high) - math.log10(low)) / (points - 1)
    volumes = [10 ** (math.log10(low) + i * step) for i in range(points)]
    return CostCurves(
        volumes=volumes,
        totals={a: list(map(_totals(est, a), volumes)) for a in APPROACHES},
        user_volume=est.monthly_requests,
        user_totals={a: est.approaches[a].total_usd for a in APPROACHES},
        crossover=est.crossover_monthly_requests,
        crossover_total=total_at(est, "fine_tuning", est.crossover_monthly_requests)
        if est.crossover_monthly_requests
        else None,
        horizon_months=est.horizon_months,
    )


def alt_text(est: tco.TcoEstimate) -> str:
    """What the chart shows, in words (for screen readers and for anyone the image doesn't load for)."""
    months = f"{est.horizon_months:g}-month"
    volume = tco.format_volume(est.monthly_requests) + (" (assumed)" if est.volume_assumed else "")
    costs = ", ".join(f"{LABELS[a].lower()} {tco.format_usd(est.approaches[a].total_usd)}" for a in APPROACHES)
    x = est.crossover_monthly_requests
    cross = (
        f"fine-tuning becomes cheaper than prompting above ~{tco.format_volume(x)} requests/month"
        if x is not None
        else "fine-tuning never becomes cheaper than prompting at these prices"
    )
    return f"Chart of {months} cost against monthly volume (log scale). At {volume} requests/month: {costs}; {cross}."


_DRAWING = threading.Lock()  # matplotlib's font cache and text layout are not thread-safe; one figure is shared
_figure: _Figure | None = None


def render_png(est: tco.TcoEstimate) -> bytes:
    """The chart as PNG bytes (under MAX_BYTES)."""
    global _figure
    with _DRAWING:
        if _figure is None:
            _figure = _Figure()
        png = _figure.draw(curves(est))
    # Drawing leaves some reference cycles (text layout, tick objects) that only a full collection of the cyclic GC
    # frees. Where start-up objects are frozen (`serve`, bot/services.py) a full collection takes a few ms, so
    # collect them right away.
    if gc.get_freeze_count():
        gc.collect()
    return png


class _Figure:
    """One figure whose artists are updated for each chart. Building a figure (its axes, and the tick marks and
    labels of a log axis) is most of what drawing one from scratch costs, so it is built once and redrawn."""

    def __init__(self) -> None:
        # matplotlib writes a font cache on first use: somewhere writable, never the user's home when it can't be.
        os.environ.setdefault("MPLCONFIGDIR", os.path.join(tempfile.gettempdir(), "ai-advisor-matplotlib"))
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import FuncFormatter

        self.fig = fig = Figure(figsize=(8, 4.5), dpi=DPI)
        self.canvas = FigureCanvasAgg(fig)
        self.ax = ax = fig.subplots()
        self.curves = {
            a: ax.plot([1.0, 2.0], [0.0, 0.0], label=LABELS[a], color=COLORS[a], linewidth=2)[0] for a in APPROACHES
        }
        ax.set_xscale("log")
        self.user_line = ax.axvline(1.0, color="#555555", linestyle="--", linewidth=1)
        self.user_label = ax.annotate(
            "", xy=(1.0, 0.0), xytext=(6, 0), textcoords="offset points", fontsize=9, color="#333333"
        )
        self.user_points = {a: ax.plot([1.0], [0.0], "o", color=COLORS[a], markersize=6)[0] for a in APPROACHES}
        self.cross_point = ax.plot([1.0], [0.0], marker="D", color="black", markersize=7, linestyle="none")[0]
        self.cross_label = ax.annotate("", xy=(1.0, 0.0), xytext=(8, -14), textcoords="offset points", fontsize=9)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: tco.format_volume(v)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: tco.format_usd(v)))
        ax.set_xlabel("Requests per month (log scale)")
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(loc="upper left", fontsize=9)
        fig.subplots_adjust(left=0.12, right=0.97, top=0.92, bottom=0.12)  # fixed margins: one draw, not two

    def draw(self, data: CostCurves) -> bytes:
        """The PNG of these curves: the user's volume (its costs marked) and the crossover, when there is one."""
        ax = self.ax
        for approach, line in self.curves.items():
            line.set_data(data.volumes, data.totals[approach])
        x = data.user_volume or data.volumes[0]
        self.user_line.set_xdata([x, x])
        top = max(max(values) for values in data.totals.values())
        _place(self.user_label, f"your volume: {tco.format_volume(data.user_volume)}/month", (x, top * 0.95))
        for approach, point in self.user_points.items():
            point.set_data([data.user_volume], [data.user_totals[approach]])
            point.set_visible(bool(data.user_volume))
        crossing = bool(data.crossover) and data.crossover_total is not None
        self.cross_point.set_visible(crossing)
        self.cross_label.set_visible(crossing)
        if data.crossover and data.crossover_total is not None:
            y = data.crossover_total
            self.cross_point.set_data([data.crossover], [y])
            _place(self.cross_label, f"crossover ~{tco.format_volume(data.crossover)}/month", (data.crossover, y))
        ax.set_ylabel(f"Total cost over {data.horizon_months:g} months")
        ax.set_title(f"{data.horizon_months:g}-month cost by approach")
        ax.relim(visible_only=True)  # the limits a fresh figure would get from the same artists
        ax.autoscale_view()
        return self._png()

    def _png(self) -> bytes:
        """The drawn figure as a PNG. The background is opaque, so RGB (not savefig's RGBA) shows the same image;
        with light compression it is a few KB larger and about half the encoding time."""
        from PIL import Image

        self.canvas.draw()
        rgba = Image.frombuffer("RGBA", self.canvas.get_width_height(), self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        out = io.BytesIO()
        rgba.convert("RGB").save(out, format="png", compress_level=PNG_COMPRESSION)
        return out.getvalue()


def _place(label: Any, text: str, xy: tuple[float, float]) -> None:
    label.set_text(text)
    label.xy = xy
