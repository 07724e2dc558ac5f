"""The cost chart: curves that agree with the estimate, alt text that states the numbers, a small real PNG."""

from __future__ import annotations

import gc
import struct

import pytest

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


@pytest.mark.slow
def test_png_is_a_small_image() -> None:
    png = chart.render_png(tco.estimate(300_000))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (800, 450)
    assert len(png) < chart.MAX_BYTES


@pytest.mark.slow
def test_a_redrawn_figure_shows_what_a_fresh_one_does() -> None:
    # The figure is reused from chart to chart: nothing of an earlier chart (its crossover, its volume mark, its
    # scale) may stay on the next one.
    with_crossover = tco.estimate(2_000_000, labeled_examples=50_000)
    without = tco.estimate(1000, assumptions=tco.load_assumptions(overrides={"ft_price_premium": 50}))
    no_volume = tco.estimate(0)
    assert with_crossover.crossover_monthly_requests is not None and without.crossover_monthly_requests is None
    shared = chart._Figure()
    fresh = {id(with_crossover): shared.draw(chart.curves(with_crossover))}  # a new figure's first chart is fresh
    fresh |= {id(est): chart._Figure().draw(chart.curves(est)) for est in (without, no_volume)}
    for est in (without, no_volume, with_crossover, no_volume, without, with_crossover):
        assert shared.draw(chart.curves(est)) == fresh[id(est)]
    assert fresh[id(with_crossover)] != fresh[id(without)]


@pytest.mark.slow
def test_drawing_a_chart_leaves_nothing_for_the_cyclic_gc() -> None:
    # A serving process draws a chart per card: a figure left for the cyclic GC (a web of reference cycles around
    # its pixel buffer) would pile up between full collections. The one figure is redrawn: nothing is left.
    charts = [tco.estimate(2_000_000, labeled_examples=50_000), tco.estimate(0), tco.estimate(40_000)]
    # What the run made before this test is frozen out of the collections below (a full collection over every
    # module and earlier test takes most of a second); what the charts make, warm-up included, is still examined.
    # It stays frozen, as what collection made is (tests/conftest.py): `gc.unfreeze` would thaw that too.
    gc.freeze()
    for est in charts:  # matplotlib imported, its caches filled, the axes' ticks made
        chart.render_png(est)
    gc.collect()
    gc.disable()
    try:
        for est in charts:
            chart.render_png(est)
        assert gc.collect() == 0
    finally:
        gc.enable()
