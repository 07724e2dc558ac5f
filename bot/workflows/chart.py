"""The cost chart: cumulative cost over the horizon per approach against monthly volume (log scale), with the
user's volume and the crossover marked, as a PNG for Slack, Teams and the terminal.

The curves come from the estimate itself (one-time cost, fixed and per-request monthly cost, review), so the chart
cannot disagree with the card. It is drawn with Pillow's ImageDraw, not a plotting library: matplotlib took ~130 ms
of CPU to redraw this one figure in a warm process, ~1 s to import and ~50 MB of memory with numpy, so a server had
to draw charts in a worker process of their own; Pillow draws the same chart in a few ms, in process. The axis
arithmetic (ticks, scales, label placement) is below as small pure functions; the drawing only places what they
compute.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from bot import metrics
from bot.advisor import tco

if TYPE_CHECKING:
    from PIL import Image, ImageDraw, ImageFont

APPROACHES = ("prompt_engineering", "fine_tuning", "hybrid")
LABELS = {"prompt_engineering": "Prompt engineering", "fine_tuning": "Fine-tuning", "hybrid": "Hybrid"}
COLORS = {"prompt_engineering": "#1f77b4", "fine_tuning": "#d62728", "hybrid": "#2ca02c"}
POINTS = 80
MAX_BYTES = 150_000  # Slack shows it inline either way; small keeps uploads and the Teams card fast
WIDTH, HEIGHT = 800, 450
# Drawn at twice the size and halved: ImageDraw's lines are not anti-aliased, and the box filter of the halving
# smooths the curves' steps for ~2 ms more per chart (BENCHMARKS.md, "Cost chart (PNG)").
SUPERSAMPLE = 2
SHADES = 16  # blends of each colour with white in the PNG's palette (see _encode)
NEAR_WHITE = 6
PNG_COMPRESSION = 1  # zlib level: 6 saves another ~30% of a ~15 KB file for ~2 ms more per chart
Y_INTERVALS = 7  # at most this many steps between the cost axis's ticks
X_MARGIN = 0.02  # of the log volume range, left empty at each end so the curves don't touch the frame

INK, MUTED, GRID, FRAME, EDGE = "#222222", "#555555", "#e4e4e4", "#9a9a9a", "#cccccc"
TITLE_SIZE, TEXT_SIZE = 16, 13
PAD = 8  # pixels between a label and what it labels
KEPT_BLOCKS = 4  # freed image blocks Pillow keeps for the next chart (see _keep_image_blocks)
CACHED_CHARTS = 64  # PNGs kept for charts drawn again (~17 KB each: ~1.1 MB when full)


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


# --- Axes: pure arithmetic --------------------------------------------------------------------------------------


def value_ticks(high: float, intervals: int = Y_INTERVALS) -> list[float]:
    """Ticks from 0 up to the first one at or above `high`, a "nice" step apart (1, 2, 2.5 or 5 × 10^k), at most
    `intervals` steps. A 2.5 step is used only up to 10 × 10^k (0, 2.5, 5, 7.5, 10): further on its ticks need a
    third digit (12.5) that the short money format would round away."""
    if not math.isfinite(high) or high <= 0:
        return [0.0, 1.0]
    exponent = math.floor(math.log10(high / intervals))
    while True:
        for mantissa in (1.0, 2.0, 2.5, 5.0):
            step = mantissa * 10.0**exponent
            count = math.ceil(high / step - 1e-9)
            if count <= (4 if mantissa == 2.5 else intervals):
                return [round(i * step, 10) for i in range(max(count, 1) + 1)]
        exponent += 1


def decade_ticks(low: float, high: float) -> list[float]:
    """The powers of ten from `low` to `high` (both > 0), inclusive."""
    first, last = math.ceil(math.log10(low) - 1e-9), math.floor(math.log10(high) + 1e-9)
    return [10.0**k for k in range(first, last + 1)]


def minor_ticks(low: float, high: float) -> list[float]:
    """2-9 × each power of ten between `low` and `high` (the unlabelled ticks of a log axis)."""
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    return [m * 10.0**k for k in range(first, last) for m in range(2, 10) if low <= m * 10.0**k <= high]


@dataclass(frozen=True)
class Scale:
    """Maps values in [low, high] linearly (or, with `log`, their logarithms) onto pixels [start, end]; `end` may
    be smaller than `start` (a y axis grows upwards)."""

    low: float
    high: float
    start: float
    end: float
    log: bool = False

    @cached_property
    def _line(self) -> tuple[float, float]:
        """Offset and factor of the mapping (of log10 values on a log scale), worked out once."""
        lo, hi = (math.log10(self.low), math.log10(self.high)) if self.log else (self.low, self.high)
        factor = (self.end - self.start) / (hi - lo)
        return self.start - lo * factor, factor

    def __call__(self, value: float) -> float:
        """The pixel coordinate of `value` (values outside [low, high] map outside [start, end])."""
        offset, factor = self._line
        return offset + factor * (math.log10(max(value, 1e-300)) if self.log else value)


def clamp(start: float, size: float, low: float, high: float) -> float:
    """Where a box `size` long that wants to start at `start` starts so that it lies within [low, high] (at `low`
    when it is longer than the room)."""
    return max(low, min(start, high - size))


def beside(at: float, size: float, gap: float, low: float, high: float) -> float:
    """Where a label `size` long starts when it goes `gap` after `at`, or before it when it would not fit before
    `high`; clamped into [low, high]."""
    start = at + gap if at + gap + size <= high else at - gap - size
    return clamp(start, size, low, high)


@dataclass(frozen=True)
class Box:
    """A rectangle in pixels: left, top, right, bottom."""

    left: float
    top: float
    right: float
    bottom: float

    def overlaps(self, other: Box) -> bool:
        """Whether the two rectangles share any area."""
        return (
            self.left < other.right and other.left < self.right and self.top < other.bottom and other.top < self.bottom
        )


def crossings(box: Box, line: Sequence[tuple[float, float]], samples: int = 4) -> int:
    """How many of the polyline's segments pass through the box (each segment tested at its ends and `samples` - 1
    points between: the curves' segments are a few pixels long)."""
    count = 0
    left, top, right, bottom = box.left, box.top, box.right, box.bottom
    for (x0, y0), (x1, y1) in itertools.pairwise(line):
        # Every sample lies within the segment's own bounds: most segments are nowhere near the box.
        if max(x0, x1) < left or min(x0, x1) > right or max(y0, y1) < top or min(y0, y1) > bottom:
            continue
        for k in range(samples + 1):
            x, y = x0 + (x1 - x0) * k / samples, y0 + (y1 - y0) * k / samples
            if left <= x <= right and top <= y <= bottom:
                count += 1
                break
    return count


def place(
    wants: Sequence[tuple[float, float]],
    size: tuple[float, float],
    within: Box,
    avoid: Sequence[Box] = (),
    lines: Sequence[Sequence[tuple[float, float]]] = (),
) -> Box:
    """Where a label of `size` (width, height) goes: the first of the top-left corners it `wants` (each clamped
    into `within`) that covers the least, a box in `avoid` (the legend) counting more than any number of `lines`
    crossing it."""
    w, h = size
    best: tuple[tuple[int, int], Box] | None = None
    for want in wants:
        x, y = clamp(want[0], w, within.left, within.right), clamp(want[1], h, within.top, within.bottom)
        box = Box(x, y, x + w, y + h)
        cost = (sum(box.overlaps(a) for a in avoid), sum(crossings(box, line) for line in lines))
        if best is None or cost < best[0]:
            best = (cost, box)
        if cost == (0, 0):
            break
    if best is None:
        raise ValueError("no place to try")
    return best[1]


# --- Drawing ----------------------------------------------------------------------------------------------------

Draw = Callable[[tco.TcoEstimate], bytes]  # how a chart is drawn: render_png (a test may give a failing one)


class ChartError(RuntimeError):
    """The chart could not be drawn (nothing was uploaded or served)."""


_DRAWING = threading.Lock()  # FreeType faces are shared: one chart's text at a time


def stored_estimate(payload: str | dict[str, Any] | None) -> tco.TcoEstimate:
    """The estimate a chart was queued or linked with (JSON text, or its parsed form); ChartError when it is not
    one (an infinite cost, say, is stored as null)."""
    try:
        if isinstance(payload, str):
            return tco.TcoEstimate.model_validate_json(payload)
        return tco.TcoEstimate.model_validate(payload)
    except ValidationError as exc:
        raise ChartError("the chart's stored estimate is not a valid estimate") from exc


def render_png(est: tco.TcoEstimate) -> bytes:
    """The chart as PNG bytes (under MAX_BYTES); ChartError when it cannot be drawn. A chart drawn recently from
    the same numbers is not drawn again (`chart_key`): a card re-made after a question that changed no cost, or
    another user's estimate with the same inputs, gets the same bytes."""
    data = curves(est)
    values = [*itertools.chain.from_iterable(data.totals.values()), *data.user_totals.values()]
    if not all(map(math.isfinite, values)):  # a stored estimate with NaN or infinite costs has nothing to plot
        raise ChartError("the estimate has costs that are not finite numbers")
    key = chart_key(data)
    png = DRAWN.get(key)
    if png is None:
        png = draw_png(data)
        DRAWN.put(key, png)
        metrics.CHARTS.labels("drawn").inc()
    else:
        metrics.CHARTS.labels("cached").inc()
    return png


def draw_png(data: CostCurves) -> bytes:
    """Draw the curves as PNG bytes, without looking in the cache; ChartError when they cannot be drawn."""
    _keep_image_blocks()
    try:
        with _DRAWING:
            return _encode(_Canvas(SUPERSAMPLE).chart(data))
    except Exception as exc:  # whatever went wrong, the caller's answer is the same: no chart this time
        raise ChartError(f"the chart could not be drawn ({type(exc).__name__}: {exc})") from exc


def chart_key(data: CostCurves) -> bytes:
    """A digest of exactly what is drawn: every field of the curves, floats by their repr (which round-trips, so
    two keys are equal only when every number is). The picture depends on nothing else."""
    return hashlib.blake2b(repr(data).encode(), digest_size=16).digest()


class PngCache:
    """The last `size` charts' PNG bytes by `chart_key`, least recently used dropped first; thread-safe. Counts its
    hits and misses (bench/profile_card.py reports them)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.hits = self.misses = 0
        self._items: OrderedDict[bytes, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: bytes) -> bytes | None:
        """The PNG drawn for `key`, or None (a miss)."""
        with self._lock:
            png = self._items.get(key)
            if png is None:
                self.misses += 1
                return None
            self.hits += 1
            self._items.move_to_end(key)
            return png

    def put(self, key: bytes, png: bytes) -> None:
        """Keep `png` for `key`, dropping the least recently used past `size`."""
        with self._lock:
            self._items[key] = png
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        """Forget every chart and the counts."""
        with self._lock:
            self._items.clear()
            self.hits = self.misses = 0


DRAWN = PngCache(CACHED_CHARTS)


@cache
def _keep_image_blocks() -> None:
    """Let Pillow keep a few freed image blocks for reuse (its documented block allocator, PILLOW_BLOCKS_MAX,
    which is 0 unless set). Without it each chart frees its ~6 MB drawing to the C library, which then raises its
    mmap threshold past that size and serves the chart's smaller images from a heap it keeps: ~8 MB more resident
    in a serving process (BENCHMARKS.md, "Memory")."""
    from PIL import Image

    if Image.core.get_blocks_max() < KEPT_BLOCKS:
        Image.core.set_blocks_max(KEPT_BLOCKS)


@cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    """Pillow's bundled scalable font (no system font, nothing downloaded)."""
    from PIL import ImageFont

    font = ImageFont.load_default(size=size)
    if not isinstance(font, ImageFont.FreeTypeFont):  # a Pillow built without FreeType has only a fixed bitmap font
        raise RuntimeError("Pillow was built without FreeType: the cost chart cannot draw its text")
    return font


class _Canvas:
    """One chart drawn in chart coordinates (WIDTH × HEIGHT), each multiplied by `scale` on the image."""

    def __init__(self, scale: int) -> None:
        from PIL import Image, ImageDraw

        self.s = scale
        self.image = Image.new("RGB", (WIDTH * scale, HEIGHT * scale), "white")
        self.draw: ImageDraw.ImageDraw = ImageDraw.Draw(self.image)

    def chart(self, data: CostCurves) -> Image.Image:
        """Draw the curves, the axes, the legend, the user's volume and the crossover; the image at WIDTH × HEIGHT."""
        months = f"{data.horizon_months:g}"
        top = max(max(values) for values in data.totals.values())
        y_ticks = value_ticks(top)
        y_labels = [tco.format_usd(v) for v in y_ticks]
        plot = Box(
            left=round(20 + max(self.width(label, TEXT_SIZE) for label in y_labels) + PAD + 2),
            top=38,
            right=WIDTH - 18,
            bottom=HEIGHT - 54,
        )
        lo, hi = data.volumes[0], data.volumes[-1]
        margin = (math.log10(hi) - math.log10(lo)) * X_MARGIN
        x = Scale(lo / 10**margin, hi * 10**margin, plot.left, plot.right, log=True)
        y = Scale(0.0, y_ticks[-1], plot.bottom, plot.top)

        self.text((WIDTH / 2, 10), f"{months}-month cost by approach", TITLE_SIZE, INK, anchor="ma")
        self.axes(plot, x, y, y_ticks, y_labels)
        self.text(((plot.left + plot.right) / 2, HEIGHT - 8), "Requests per month (log scale)", TEXT_SIZE, INK, "md")
        self.vertical_text((12, (plot.top + plot.bottom) / 2), f"Total cost over {months} months", TEXT_SIZE)

        lines = [
            [(x(v), y(t)) for v, t in zip(data.volumes, data.totals[approach], strict=True)] for approach in APPROACHES
        ]
        for approach, line in zip(APPROACHES, lines, strict=True):
            self.line(line, COLORS[approach], 2)
        legend = self.legend(plot)

        at = round(x(data.user_volume or data.volumes[0]))  # straight lines on whole pixels stay crisp
        self.dashed_vline(at, plot.top, plot.bottom, MUTED)
        label = f"your volume: {tco.format_volume(data.user_volume)}/month"
        width, height = self.width(label, TEXT_SIZE), TEXT_SIZE + 3
        inner = Box(plot.left + 4, plot.top + 4, plot.right - 4, plot.bottom - 4)
        left = beside(at, width, 6, inner.left, inner.right)
        tops = [plot.top + 8, legend.bottom + 4, legend.bottom + 4 + height]  # at the top, or below the legend
        box = place([(left, top) for top in tops], (width, height), inner, [legend], lines)
        self.label(box, label, MUTED)
        if data.user_volume:
            for approach in APPROACHES:
                self.dot((at, y(data.user_totals[approach])), 4.5, COLORS[approach])

        if data.crossover and data.crossover_total is not None:
            cx, cy = x(data.crossover), y(data.crossover_total)
            self.diamond((cx, cy), 6, "black")
            label = f"crossover ~{tco.format_volume(data.crossover)}/month"
            width = self.width(label, TEXT_SIZE)
            right, left = cx + 10, cx - 10 - width
            below, above = cy + 6, cy - 6 - height
            wants = [(right, below), (left, above), (right, above), (left, below)]
            wants += [(right, below + height), (left, above - height), (right, above - height), (left, below + height)]
            box = place(wants, (width, height), inner, [legend], lines)
            self.label(box, label, INK)
        return self.image.reduce(self.s) if self.s > 1 else self.image

    def axes(self, plot: Box, x: Scale, y: Scale, y_ticks: list[float], y_labels: list[str]) -> None:
        """Grid lines, the frame, the tick marks and their labels."""
        for value, label in zip(y_ticks, y_labels, strict=True):
            at = round(y(value))
            self.line([(plot.left, at), (plot.right, at)], GRID, 1)
            self.line([(plot.left - 4, at), (plot.left, at)], FRAME, 1)
            self.text((plot.left - PAD, at), label, TEXT_SIZE, INK, anchor="rm")
        for value in decade_ticks(x.low, x.high):
            at = round(x(value))
            self.line([(at, plot.top), (at, plot.bottom)], GRID, 1)
            self.line([(at, plot.bottom), (at, plot.bottom + 5)], FRAME, 1)
            self.text((at, plot.bottom + PAD), tco.format_volume(value), TEXT_SIZE, INK, anchor="ma")
        for value in minor_ticks(x.low, x.high):
            at = round(x(value))
            self.line([(at, plot.bottom), (at, plot.bottom + 3)], FRAME, 1)
        self.rectangle(plot, FRAME)

    def legend(self, plot: Box) -> Box:
        """The approaches' colours, in the plot's top left corner; returns the box it covers."""
        row, sample = TEXT_SIZE + 6, 22
        width = 10 + sample + 6 + max(self.width(LABELS[a], TEXT_SIZE) for a in APPROACHES) + 10
        box = Box(plot.left + 8, plot.top + 8, plot.left + 8 + width, plot.top + 8 + 8 + row * len(APPROACHES))
        self.rectangle(box, EDGE, fill="white")
        for i, approach in enumerate(APPROACHES):
            mid = box.top + 4 + row * i + row / 2
            self.line([(box.left + 10, mid), (box.left + 10 + sample, mid)], COLORS[approach], 2)
            self.text((box.left + 10 + sample + 6, mid), LABELS[approach], TEXT_SIZE, INK, anchor="lm")
        return box

    def label(self, box: Box, text: str, fill: str) -> None:
        """`text` in `box` on a white ground (readable where it crosses a curve or a grid line)."""
        self.draw.rectangle([self._px((box.left - 2, box.top)), self._px((box.right + 2, box.bottom))], fill="white")
        self.text((box.left, box.top), text, TEXT_SIZE, fill)

    # Primitives in chart coordinates.

    def width(self, text: str, size: int) -> float:
        """How wide `text` is at `size`, in chart pixels."""
        return _label(text, size * self.s, "la")[0].width / self.s

    def text(self, xy: tuple[float, float], text: str, size: int, fill: str, anchor: str = "la") -> None:
        """`text` at `xy`, placed by a Pillow text anchor (la: left/ascender, rm: right/middle, …)."""
        mask, (dx, dy) = _label(text, size * self.s, anchor)
        x, y = self._px(xy)
        self.image.paste(fill, (round(x) + dx, round(y) + dy), mask)

    def vertical_text(self, center: tuple[float, float], text: str, size: int) -> None:
        """`text` turned to read upwards, centred on `center`."""
        mask = _turned(text, size * self.s)
        cx, cy = self._px(center)
        self.image.paste(INK, (round(cx - mask.width / 2), round(cy - mask.height / 2)), mask)

    def line(self, points: Sequence[tuple[float, float]], fill: str, width: float) -> None:
        """A polyline `width` chart pixels wide."""
        self.draw.line([self._px(p) for p in points], fill=fill, width=round(width * self.s), joint="curve")

    def dashed_vline(self, x: float, top: float, bottom: float, fill: str, dash: float = 5, gap: float = 4) -> None:
        """A vertical dashed line from `top` to `bottom`."""
        y = top
        while y < bottom:
            self.line([(x, y), (x, min(y + dash, bottom))], fill, 1)
            y += dash + gap

    def dot(self, center: tuple[float, float], radius: float, fill: str) -> None:
        """A filled circle."""
        cx, cy = center
        self.draw.ellipse(
            [self._px((cx - radius, cy - radius)), self._px((cx + radius, cy + radius))], fill=fill, outline="white"
        )

    def diamond(self, center: tuple[float, float], radius: float, fill: str) -> None:
        """A filled diamond (a square on its corner)."""
        cx, cy = center
        corners = [(cx, cy - radius), (cx + radius, cy), (cx, cy + radius), (cx - radius, cy)]
        self.draw.polygon([self._px(p) for p in corners], fill=fill)

    def rectangle(self, box: Box, outline: str, fill: str | None = None) -> None:
        """A rectangle's outline (one chart pixel), filled when `fill` is given."""
        corners = [self._px((box.left, box.top)), self._px((box.right, box.bottom))]
        self.draw.rectangle(corners, outline=outline, fill=fill, width=self.s)

    def _px(self, xy: tuple[float, float]) -> tuple[float, float]:
        return xy[0] * self.s, xy[1] * self.s


@lru_cache(maxsize=256)
def _label(text: str, size: int, anchor: str) -> tuple[Image.Image, tuple[int, int]]:
    """The coverage mask of `text` at `size` and its offset from the anchor point. Cached: rendering glyphs is most
    of a chart's drawing time, and the ticks, the legend and the axis labels come back on every chart."""
    from PIL import Image, ImageDraw

    font = _font(size)
    left, top, right, bottom = (
        math.floor(v) if i < 2 else math.ceil(v) for i, v in enumerate(font.getbbox(text, anchor=anchor))
    )
    mask = Image.new("L", (max(1, right - left), max(1, bottom - top)), 0)
    ImageDraw.Draw(mask).text((-left, -top), text, fill=255, font=font, anchor=anchor)
    return mask, (left, top)


@lru_cache(maxsize=8)
def _turned(text: str, size: int) -> Image.Image:
    """The mask of `text` at `size`, turned 90° to read upwards."""
    from PIL import Image

    return _label(text, size, "la")[0].transpose(Image.Transpose.ROTATE_90)


def palette(colors: Iterable[str], shades: int = SHADES) -> list[tuple[int, int, int]]:
    """White, then each colour blended with white in `shades` steps up to the colour itself: what anti-aliased
    lines and glyphs of those colours on a white background are made of. Blends within NEAR_WHITE of white are
    left out: Pillow matches colours to a palette in cells 4 levels wide per channel, where such a blend could take
    white's place."""
    from PIL import ImageColor

    out = [(255, 255, 255)]
    for color in colors:
        rgb = ImageColor.getrgb(color)[:3]
        for step in range(1, shades + 1):
            blend = tuple(round(255 + (c - 255) * step / shades) for c in rgb)
            if min(blend) > 255 - NEAR_WHITE:
                continue
            if blend not in out:
                out.append((blend[0], blend[1], blend[2]))
    return out


@cache
def _palette_image() -> Image.Image:
    from PIL import Image

    colors = palette([INK, MUTED, GRID, FRAME, EDGE, "black", *COLORS.values()])
    image = Image.new("P", (1, 1))
    image.putpalette([c for rgb in colors for c in rgb])
    return image


def _encode(image: Image.Image) -> bytes:
    """The image as a PNG with the chart's own palette: each of its colours and their blends with white (a fixed
    palette keeps a light grid line that an adaptive one may merge into the background). Half the bytes of an RGB
    PNG, and mapping to the palette and encoding it is faster than encoding RGB (no per-row filter search)."""
    from PIL import Image

    out = io.BytesIO()
    paletted = image.quantize(palette=_palette_image(), dither=Image.Dither.NONE)
    paletted.save(out, format="png", compress_level=PNG_COMPRESSION)
    return out.getvalue()
