"""Adaptive intake: which question to ask next, and when to stop asking."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict

from bot.advisor.engine import decide
from bot.advisor.intake import FIELD_STEP, Approach, Intake
from bot.resources import load_yaml, prompts_dir

MAX_PER_ROUND = 3


class QuickAnswer(BaseModel):
    """A one-click answer: the button label and the value it sets."""

    model_config = ConfigDict(frozen=True)

    label: str
    value: Any


class Question(BaseModel):
    """One intake question about one field."""

    model_config = ConfigDict(frozen=True)

    field: str
    step: int
    text: str
    hint: str = ""
    quick_answers: tuple[QuickAnswer, ...]


@lru_cache(maxsize=1)
def question_bank() -> dict[str, Question]:
    """The questions from `prompts/questions.yaml`, keyed by field; invalid templates fail loudly."""
    raw = load_yaml((prompts_dir() / "questions.yaml").read_text(encoding="utf-8"))
    bank = {name: Question(field=name, **spec) for name, spec in raw.items()}
    for q in bank.values():
        if FIELD_STEP.get(q.field) != q.step and q.field != "changes_often":
            raise ValueError(f"question {q.field!r} is filed under step {q.step}, expected {FIELD_STEP.get(q.field)}")
    return bank


def _askable(intake: Intake, asked: Iterable[str]) -> list[Question]:
    asked_set = set(asked)
    values = intake.values
    out = []
    for q in question_bank().values():
        if q.field in asked_set or getattr(values, q.field) is not None:
            continue
        if q.field == "data_quality" and (values.labeled_examples or 0) < 10_000:
            continue  # quality only matters once there is enough data to train on
        out.append(q)
    return out


def recommend_approach(intake: Intake) -> Approach:
    """Just the approach the engine picks (used for what-if analysis)."""
    return decide(intake)


def reachable(intake: Intake, asked: Iterable[str] = ()) -> set[Approach]:
    """Approaches the open questions could still lead to (single answers, and joint extremes)."""
    open_qs = _askable(intake, asked)
    found = {recommend_approach(intake)}
    for q in open_qs:
        for a in q.quick_answers:
            found.add(recommend_approach(intake.with_values(**{q.field: a.value})))
    ft = _ft_extreme(intake, open_qs)
    found.add(recommend_approach(ft))
    if "changes_often" in {q.field for q in open_qs}:
        found.add(recommend_approach(ft.with_values(changes_often=True)))
    return found


def _ft_extreme(intake: Intake, questions: list[Question]) -> Intake:
    # Most FT-leaning plausible answer per field; the bank lists quick answers from prompt-leaning to FT-leaning
    # for numbers, so the last is the FT extreme, except where a "false"/"none" value favours tuning.
    best = {
        "labeled_examples": 150000,
        "ml_expertise": "strong",
        "monthly_requests": 5000000,
        "changes_often": False,
        "deadline_weeks": 40,
        "budget_usd": 750000,
        "regulated": False,
        "data_quality": "high",
        "needs": "deep_domain",
        "latency_p95_ms": 200,
    }
    return intake.with_values(**{q.field: best[q.field] for q in questions if q.field in best})


def is_settled(intake: Intake, asked: Iterable[str] = ()) -> bool:
    """True when no plausible answer to the remaining questions would flip the approach."""
    return len(reachable(intake, asked)) == 1


def _influence(intake: Intake, q: Question, asked: set[str]) -> tuple[float, float]:
    current = recommend_approach(intake)
    flips = sum(recommend_approach(intake.with_values(**{q.field: a.value})) != current for a in q.quick_answers)
    settles = sum(is_settled(intake.with_values(**{q.field: a.value}), asked | {q.field}) for a in q.quick_answers)
    n = len(q.quick_answers)
    return flips / n, settles / n


def next_questions(intake: Intake, asked: Iterable[str] = (), asked_steps: Iterable[int] = ()) -> list[Question]:
    """The next decisive question(s), most decisive first; empty when the recommendation is settled.

    A question is decisive if one of its plausible answers flips the approach on its own, or settles it.
    At most one question per step per conversation, and at most two per round, from different steps.
    """
    asked_set, steps_done = set(asked), set(asked_steps)
    if is_settled(intake, asked_set):
        return []
    scored = []
    for order, q in enumerate(_askable(intake, asked_set)):
        if q.step in steps_done:
            continue
        flips, settles = _influence(intake, q, asked_set)
        if flips or settles:
            scored.append(((flips, settles, -order), q))
    scored.sort(key=lambda item: item[0], reverse=True)
    chosen: list[Question] = []
    for _, q in scored:
        if len(chosen) == MAX_PER_ROUND:
            break
        if all(c.step != q.step for c in chosen) and (not chosen or _influence(intake, q, asked_set)[0] > 0):
            chosen.append(q)
    return chosen
