"""The cost chart: curves that agree with the estimate, alt text that states the numbers, a small real PNG."""

from __future__ import annotations

import gc
import io
import math
import struct

import pytest
from PIL import Image, ImageColor

from bot import metrics
from bot.advisor import tco
from bot.workflows import chart


@pytest.mark.parametrize(
    ("volume", "examples"), [(2_000_000, 50_000), (40_000, None), (0, None), (150_000_000, 200_000)]
)
def test_curves_pass_through_the_estimates_totals(volume: int, examples: int | None) -> None:
    est = tco.estimate(volume, labeled_examples=examples)
    for approach in chart.APPROACHES:
        assert chart.total_at(est, approach, volume) == pytest.approx(est.approaches[approach].total_usd)
    data = chart.curves(est)
    assert data.volumes == sorted(data.volumes)
    for mark in (volume, est.crossover_monthly_requests):
        if mark:
            assert data.volumes[0] < mark < data.volumes[-1]


def test_crossover_is_where_the_curves_meet() -> None:
    est = tco.estimate(2_000_000, labeled_examples=50_000)
    x = est.crossover_monthly_requests
    assert x is not None
    assert chart.total_at(est, "fine_tuning", x * 1.2) < chart.total_at(est, "prompt_engineering", x * 1.2)
    assert chart.total_at(est, "fine_tuning", x / 1.2) > chart.total_at(est, "prompt_engineering", x / 1.2)


def test_alt_text_states_the_numbers() -> None:
    est = tco.estimate(2_000_000, labeled_examples=50_000)
    alt = chart.alt_text(est)
    for approach in chart.APPROACHES:
        assert tco.format_usd(est.approaches[approach].total_usd) in alt
    assert "2M requests/month" in alt
    assert tco.format_volume(est.crossover_monthly_requests or 0) in alt
    never = tco.estimate(1000, assumptions=tco.load_assumptions(overrides={"ft_price_premium": 50}))
    assert never.crossover_monthly_requests is None
    assert "never becomes cheaper" in chart.alt_text(never)


# --- The axes' arithmetic ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("high", "ticks"),
    [
        (3_100_000, [0, 500_000, 1_000_000, 1_500_000, 2_000_000, 2_500_000, 3_000_000, 3_500_000]),
        (1_600_000, [0, 500_000, 1_000_000, 1_500_000, 2_000_000]),  # not 2.5 × 10^5 steps: $1.75M would read $1.8M
        (9_000, [0, 2_000, 4_000, 6_000, 8_000, 10_000]),
        (200_000_000, [0, 50_000_000, 100_000_000, 150_000_000, 200_000_000]),  # a tick exactly at the top
        (650, [0, 100, 200, 300, 400, 500, 600, 700]),
        (1, [0, 0.2, 0.4, 0.6, 0.8, 1.0]),
        (0, [0, 1]),  # nothing to show: still an axis
    ],
)
def test_value_ticks_are_nice_steps_from_zero_past_the_top(high: float, ticks: list[float]) -> None:
    assert chart.value_ticks(high) == pytest.approx(ticks)


def test_a_two_and_a_half_step_only_where_its_ticks_read_exactly() -> None:
    assert chart.value_ticks(9_000, intervals=4) == [0, 2_500, 5_000, 7_500, 10_000]
    assert chart.value_ticks(11_000, intervals=5) == [0, 5_000, 10_000, 15_000]  # not 2.5K steps: 12.5K, 15K


@pytest.mark.parametrize("high", [0.37, 12.0, 999.0, 12_345.0, 7.7e5, 4.2e6, 9.99e7, 3.3e9])
def test_value_ticks_cover_the_top_with_few_distinct_labels(high: float) -> None:
    ticks = chart.value_ticks(high)
    step = ticks[1]
    assert ticks[0] == 0 and ticks[-1] >= high > ticks[-2]
    assert 2 <= len(ticks) <= chart.Y_INTERVALS + 1
    assert round(step / 10 ** math.floor(math.log10(step)), 6) in (1, 2, 2.5, 5)
    labels = [tco.format_usd(t) for t in ticks]
    assert len(set(labels)) == len(labels)


def test_decade_and_minor_ticks_of_a_log_axis() -> None:
    assert chart.decade_ticks(250, 2_000_000) == [1_000, 10_000, 100_000, 1_000_000]
    assert chart.decade_ticks(100, 1000) == [100, 1000]  # the ends count
    assert chart.minor_ticks(250, 2_000) == pytest.approx([300, 400, 500, 600, 700, 800, 900, 2_000])


def test_scales_map_values_to_pixels() -> None:
    linear = chart.Scale(0, 100, 50, 250)
    assert [linear(v) for v in (0, 25, 100, 150)] == pytest.approx([50, 100, 250, 350])
    upwards = chart.Scale(0, 1_000, 400, 40)  # a y axis: larger values higher up
    assert [upwards(v) for v in (0, 500, 1_000)] == pytest.approx([400, 220, 40])
    log = chart.Scale(100, 1_000_000, 0, 400, log=True)  # four decades over 400 pixels
    assert [log(v) for v in (100, 1_000, 10_000, 1_000_000)] == pytest.approx([0, 100, 200, 400])
    assert log(0) < -1000  # zero is far off the left of a log axis, not an error


def test_clamp_and_beside_keep_a_label_in_its_room() -> None:
    assert chart.clamp(90, 20, 0, 100) == 80  # would run past the end
    assert chart.clamp(-5, 20, 0, 100) == 0
    assert chart.clamp(30, 20, 0, 100) == 30
    assert chart.clamp(30, 200, 0, 100) == 0  # longer than the room: from its start
    assert chart.beside(10, 30, 5, 0, 100) == 15  # after the mark
    assert chart.beside(90, 30, 5, 0, 100) == 55  # no room after it: before
    assert chart.beside(20, 30, 5, 0, 40) == 0  # no room either side: clamped


def test_place_picks_the_first_spot_that_covers_nothing() -> None:
    room = chart.Box(0, 0, 400, 300)
    legend = chart.Box(0, 0, 100, 60)
    curve = [(float(x), 150.0) for x in range(0, 401, 8)]  # a flat line across the middle
    spot = chart.place([(10, 10), (10, 140), (10, 200)], (80, 16), room, [legend], [curve])
    assert spot == chart.Box(10, 200, 90, 216)
    # nothing free: the legend weighs more than any number of curves
    spot = chart.place([(10, 10), (10, 140)], (80, 16), room, [legend], [curve, curve, curve])
    assert spot.top == 140
    # clamped inside the room
    assert chart.place([(390, 295)], (80, 16), room) == chart.Box(320, 284, 400, 300)


def test_crossings_counts_segments_through_a_box() -> None:
    box = chart.Box(10, 10, 20, 20)
    assert chart.crossings(box, [(0, 15), (30, 15)], samples=8) == 1
    assert chart.crossings(box, [(0, 0), (0, 40), (40, 40)]) == 0
    assert chart.crossings(box, [(12, 0), (12, 12), (18, 12), (18, 0)]) == 3


def test_the_palette_holds_each_colour_and_its_blends_with_white() -> None:
    colors = chart.palette(["#000000", "#ff0000"], shades=4)
    assert colors[0] == (255, 255, 255)
    assert (0, 0, 0) in colors and (255, 0, 0) in colors and (128, 128, 128) in colors and (255, 128, 128) in colors
    assert len(colors) == len(set(colors)) == 9


# --- The picture ------------------------------------------------------------------------------------------------


def picture(est: tco.TcoEstimate) -> Image.Image:
    png = chart.render_png(est)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) < chart.MAX_BYTES
    return Image.open(io.BytesIO(png)).convert("RGB")


def count(image: Image.Image, color: str) -> int:
    rgb = ImageColor.getrgb(color)
    return sum(1 for px in image.get_flattened_data() if px == rgb)


WITH_CROSSOVER = tco.estimate(2_000_000, labeled_examples=50_000)
NEVER = tco.estimate(1000, assumptions=tco.load_assumptions(overrides={"ft_price_premium": 50}))
EXTREMES = [WITH_CROSSOVER, NEVER, tco.estimate(0), tco.estimate(150_000_000, labeled_examples=200_000)]


def test_png_is_a_small_image() -> None:
    png = chart.render_png(tco.estimate(300_000))
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (chart.WIDTH, chart.HEIGHT) == (800, 450)
    assert len(png) < chart.MAX_BYTES


@pytest.mark.parametrize("est", EXTREMES, ids=["crossover", "never", "no-volume", "huge"])
def test_the_picture_shows_the_three_curves_and_stays_inside_its_frame(est: tco.TcoEstimate) -> None:
    image = picture(est)
    for approach in chart.APPROACHES:
        assert count(image, chart.COLORS[approach]) > 300, approach  # a curve, not just its legend sample
    edge = [image.getpixel((x, y)) for x in range(image.width) for y in (0, 1, image.height - 2, image.height - 1)]
    edge += [image.getpixel((x, y)) for y in range(image.height) for x in (0, 1, image.width - 2, image.width - 1)]
    assert set(edge) == {(255, 255, 255)}  # every label clamped inside: nothing touches the image's edge


def test_the_crossover_is_marked_only_when_there_is_one() -> None:
    assert count(picture(WITH_CROSSOVER), "black") > 40  # the diamond
    assert count(picture(NEVER), "black") == 0


def drawn(est: tco.TcoEstimate) -> bytes:
    """The chart drawn afresh (render_png may answer from its cache)."""
    return chart.draw_png(chart.curves(est))


def test_the_same_estimate_draws_the_same_picture_whatever_came_before() -> None:
    # Text masks and fonts are cached between charts: nothing of one chart may show on the next.
    first = {id(est): drawn(est) for est in EXTREMES}
    for est in [*reversed(EXTREMES), *EXTREMES]:
        assert drawn(est) == first[id(est)]
    assert len(set(first.values())) == len(EXTREMES)


def charts_counted(source: str) -> float:
    return metrics.REGISTRY.get_sample_value("advisor_charts_total", {"source": source}) or 0.0


def test_a_chart_drawn_again_comes_from_the_cache_with_the_bytes_a_fresh_drawing_gives() -> None:
    chart.DRAWN.clear()
    cached_before = charts_counted("cached")
    first = [chart.render_png(est) for est in EXTREMES]
    assert (chart.DRAWN.hits, chart.DRAWN.misses) == (0, len(EXTREMES))
    # The same numbers in another estimate object (as a stored card's estimate is read back) hit the cache.
    again = [chart.render_png(chart.stored_estimate(est.model_dump_json())) for est in EXTREMES]
    assert (chart.DRAWN.hits, chart.DRAWN.misses) == (len(EXTREMES), len(EXTREMES))
    assert charts_counted("cached") - cached_before == len(EXTREMES)
    assert again == first == [drawn(est) for est in EXTREMES]


def test_charts_of_different_numbers_are_different_cache_entries() -> None:
    chart.DRAWN.clear()
    base = tco.estimate(300_000)
    near = [
        base,
        tco.estimate(300_001),
        tco.estimate(300_000, labeled_examples=50_000),
        tco.estimate(300_000, changes_often=True),
    ]
    keys = {chart.chart_key(chart.curves(est)) for est in near}
    assert len(keys) == len(near)
    pngs = [chart.render_png(est) for est in near]
    assert chart.DRAWN.hits == 0
    assert pngs == [drawn(est) for est in near]
    assert pngs[0] != pngs[2]  # other costs: another picture, not the cached one


def test_the_cache_keeps_the_most_recently_used_charts_only() -> None:
    cache = chart.PngCache(2)
    cache.put(b"a", b"A")
    cache.put(b"b", b"B")
    assert cache.get(b"a") == b"A"  # now the most recent: b goes first
    cache.put(b"c", b"C")
    assert (cache.get(b"b"), cache.get(b"a"), cache.get(b"c"), len(cache)) == (None, b"A", b"C", 2)
    assert (cache.hits, cache.misses) == (3, 1)


def test_drawing_a_chart_leaves_nothing_for_the_cyclic_gc() -> None:
    # A serving process draws a chart per card: garbage only the cyclic GC frees would pile up between its full
    # collections. What the run made before this test stays frozen out of the collections below (as tests/conftest.py
    # leaves it); `gc.unfreeze` would thaw that too.
    gc.freeze()
    for est in EXTREMES:  # fonts loaded, text masks cached
        drawn(est)
    gc.collect()
    gc.disable()
    try:
        for est in EXTREMES:
            drawn(est)
            chart.render_png(est)
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_a_stored_estimate_is_read_back_or_refused_as_a_chart_error() -> None:
    est = tco.estimate(300_000)
    assert chart.stored_estimate(est.model_dump_json()) == est
    assert chart.stored_estimate(est.model_dump(mode="json")) == est
    infinite = est.model_dump(mode="json")
    infinite["approaches"]["hybrid"]["one_time_usd"] = float("inf")
    stored = tco.TcoEstimate.model_validate(infinite).model_dump_json()  # pydantic writes the infinity as null
    for broken in (stored, {"horizon_months": "soon"}, None, "not json"):
        with pytest.raises(chart.ChartError, match="not a valid estimate"):
            chart.stored_estimate(broken)
