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
from dataclasses import dataclass

from bot.advisor import tco

APPROACHES = ("prompt_engineering", "fine_tuning", "hybrid")
LABELS = {"prompt_engineering": "Prompt engineering", "fine_tuning": "Fine-tuning", "hybrid": "Hybrid"}
COLORS = {"prompt_engineering": "#1f77b4", "fine_tuning": "#d62728", "hybrid": "#2ca02c"}
POINTS = 80
MAX_BYTES = 150_000  # Slack shows it inline either way; small keeps uploads and the Teams card fast
DPI = 100


@dataclass(frozen=True)
class CostCurves:
    """Total cost over the horizon per approach at each volume (requests per month)."""

    volumes: list[float]
    totals: dict[str, list[float]]
    user_volume: int
    user_totals: dict[str, float]
    crossover: int | None
    horizon_months: float


def total_at(est: tco.TcoEstimate, approach: str, volume: float) -> float:
    """The approach's cost over the horizon at `volume` requests a month (the estimate's other facts unchanged)."""
    cost = est.approaches[approach]
    review = tco.review_cost(tco.assumptions_of(est), volume, est.profile)
    return cost.one_time_usd + est.horizon_months * (cost.monthly_fixed_usd + cost.per_request_usd * volume + review)


def curves(est: tco.TcoEstimate, points: int = POINTS) -> CostCurves:
    """The curves over a volume range that shows the user's volume and the crossover with room on both sides."""
    marks = [v for v in (est.monthly_requests, est.crossover_monthly_requests) if v]
    low = max(100.0, min([*marks, 100_000]) / 30)
    high = max([*marks, 100_000]) * 8
    step = (math.log10(high) - math.log10(low)) / (points - 1)
    volumes = [10 ** (math.log10(low) + i * step) for i in range(points)]
    return CostCurves(
        volumes=volumes,
        totals={a: [total_at(est, a, v) for v in volumes] for a in APPROACHES},
        user_volume=est.monthly_requests,
        user_totals={a: est.approaches[a].total_usd for a in APPROACHES},
        crossover=est.crossover_monthly_requests,
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


_DRAWING = threading.Lock()  # matplotlib's font cache and text layout are not thread-safe


def render_png(est: tco.TcoEstimate) -> bytes:
    """The chart as PNG bytes (under MAX_BYTES)."""
    with _DRAWING:
        png = _render(est)
    # A drawn figure is a web of reference cycles around its pixel buffer, freed only by a full collection of the
    # cyclic GC, which comes every few charts: a serving process held ~30 MB of drawn figures. Where start-up
    # objects are frozen (`serve`, bot/services.py) a full collection takes a few ms, so collect them right away.
    if gc.get_freeze_count():
        gc.collect()
    return png


def _render(est: tco.TcoEstimate) -> bytes:
    data = curves(est)
    # matplotlib writes a font cache on first use: somewhere writable, never the user's home when it can't be.
    os.environ.setdefault("MPLCONFIGDIR", os.path.join(tempfile.gettempdir(), "ai-advisor-matplotlib"))
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    fig = Figure(figsize=(8, 4.5), dpi=DPI)
    ax = fig.subplots()
    for approach in APPROACHES:
        ax.plot(data.volumes, data.totals[approach], label=LABELS[approach], color=COLORS[approach], linewidth=2)
    ax.set_xscale("log")
    ax.axvline(data.user_volume or data.volumes[0], color="#555555", linestyle="--", linewidth=1)
    top = max(max(values) for values in data.totals.values())
    ax.annotate(
        f"your volume: {tco.format_volume(data.user_volume)}/month",
        xy=(data.user_volume or data.volumes[0], top * 0.95),
        xytext=(6, 0),
        textcoords="offset points",
        fontsize=9,
        color="#333333",
    )
    for approach in APPROACHES:
        if data.user_volume:
            ax.plot([data.user_volume], [data.user_totals[approach]], "o", color=COLORS[approach], markersize=6)
    if data.crossover:
        y = total_at(est, "fine_tuning", data.crossover)
        ax.plot([data.crossover], [y], marker="D", color="black", markersize=7, linestyle="none")
        ax.annotate(
            f"crossover ~{tco.format_volume(data.crossover)}/month",
            xy=(data.crossover, y),
            xytext=(8, -14),
            textcoords="offset points",
            fontsize=9,
        )
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: tco.format_volume(v)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: tco.format_usd(v)))
    ax.set_xlabel("Requests per month (log scale)")
    ax.set_ylabel(f"Total cost over {data.horizon_months:g} months")
    ax.set_title(f"{data.horizon_months:g}-month cost by approach")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="upper left", fontsize=9)
    fig.subplots_adjust(left=0.12, right=0.97, top=0.92, bottom=0.12)  # fixed margins: one draw, not two
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return out.getvalue()
