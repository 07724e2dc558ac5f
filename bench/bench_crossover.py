"""Crossover benchmark: how the volume from which tuning beats prompting moves with the model pair, self-hosting
and distillation, at the shipped default assumptions and the dated presets of bot/advisor/model_prices.yaml.

For every prompted model x tuned model pair: the fine-tuning crossover (requests/month, 3-year horizon, no labels
counted) and the 3-year totals at 3M requests/month. Then the self-hosted open-weight presets and distillation
(teacher = the prompted model, student = the tuned one), with and without logged outputs that replace teacher
calls. The anchor is the time one full `tco.estimate` takes (all approaches and shapes), so a slower cost model
shows up here.

    .venv/bin/python bench/bench_crossover.py [--write]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import harness as h
from bot.advisor import prices, tco

TITLE = "Cost crossover by model pair, self-hosting and distillation"
VOLUME = 3_000_000
REPS = 200


def _x(value: int | None) -> str:
    return "never" if value is None else tco.format_volume(value)


def pair_table() -> list[str]:
    """Fine-tuning crossover and 3-year totals at VOLUME for every prompt x tune preset pair."""
    book = prices.price_book()
    tunable = [n for n, m in book.api.items() if m.fine_tuning is not None]
    rows = [
        f"| prompted \\ tuned | {' | '.join(tunable)} |",
        "|---|" + "---|" * len(tunable),
    ]
    for prompt in book.api:
        cells = []
        for tune in tunable:
            a = tco.load_assumptions(overrides=prices.preset_values(prompt, tune))
            est = tco.estimate(VOLUME, assumptions=a)
            cells.append(_x(est.crossover_monthly_requests))
        rows.append(f"| {prompt} | {' | '.join(cells)} |")
    return rows


def shape_table() -> list[str]:
    """Self-hosted presets and distillation against prompting the default prompt model."""
    book = prices.price_book()
    rows = [
        "| cost shape | crossover vs prompting | 3-year total at 3M/month |",
        "|---|---|---|",
    ]
    base = tco.estimate(VOLUME)
    for name in ("prompt_engineering", "fine_tuning"):
        shown = "—" if name == "prompt_engineering" else _x(base.crossover_monthly_requests)
        rows.append(f"| {name} (API) | {shown} | {tco.format_usd(base.approaches[name].total_usd)} |")
    for host in book.open_weight:
        a = tco.load_assumptions(overrides=prices.preset_values(self_host=host))
        est = tco.estimate(VOLUME, assumptions=a)
        rows.append(
            f"| self-hosted {host}, fine-tuned | {_x(est.shape_crossovers['self_hosted'])} | "
            f"{tco.format_usd(est.shapes['self_hosted'].total_usd)} |"
        )
    a = tco.default_assumptions()
    for labeled, logged in ((0, None), (0, 5_000)):
        x = tco.shape_crossover(a, "distillation", labeled_examples=labeled, logged_outputs=logged)
        cost = tco.distillation_cost(a, VOLUME, logged_outputs=logged)
        label = "logged outputs reused" if logged else "all teacher calls"
        rows.append(f"| distillation ({label}) | {_x(x)} | {tco.format_usd(cost.total_usd)} |")
    labeled_x = tco.crossover_monthly_requests(a, "fine_tuning", labeled_examples=0)
    rows.append(f"| fine-tuning, 10K labels bought | {_x(labeled_x)} | — |")
    return rows


def anchor_seconds() -> float:
    """Median time of one default `tco.estimate` (three approaches, two shapes, crossovers, comparison)."""
    times = []
    for i in range(REPS):
        started = time.perf_counter()
        tco.estimate(VOLUME + i)
        times.append(time.perf_counter() - started)
    times.sort()
    return times[len(times) // 2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--write", action="store_true", help="rewrite this script's BENCHMARKS.md section")
    args = parser.parse_args()
    started = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    pairs, shapes = pair_table(), shape_table()
    anchor = anchor_seconds()
    body = "\n".join(
        [
            h.header(started, time.perf_counter() - t0),
            "",
            "Fine-tuning crossover (requests/month) by model pair, default assumptions, no labels counted:",
            "",
            *pairs,
            "",
            f"Cost shapes beside the API approaches (prompting {prices.price_book().default_prompt_model}, "
            f"tuning {prices.price_book().default_tune_model}):",
            "",
            *shapes,
            "",
            f"Anchor: one full `tco.estimate` takes {h.ms(anchor)} (median of {REPS}).",
        ]
    )
    print(body)
    if args.write:
        h.write_section("bench_crossover.py", TITLE, body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
