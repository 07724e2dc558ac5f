"""Adaptive intake: which question to ask next, and when to stop asking."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict

from bot.advisor.engine import MIN_FT_EXAMPLES, MIN_PILOT_EXAMPLES, ByValues, decide, decide_changed, plan
from bot.advisor.intake import FIELD_STEP, Approach, Intake
from bot.advisor.techniques import CORE_TECHNIQUES
from bot.resources import load_yaml, prompts_dir

MAX_PER_ROUND = 3
# Facts beyond the brief's six steps (issue 19): asked only where they are relevant, and only when an answer could
# change the approach or the technique that gets built (distillation, a LoRA pilot, open-weight hosting).
TECHNIQUE_FIELDS = ("reviewed_output_count", "self_hosting", "prompt_in_production", "cost_pressure")


class QuickAnswer(BaseModel):
    """A one-click answer: the button label and the value it sets."""

    model_config = ConfigDict(frozen=True, defer_build=True)  # built on first use: `assess` asks no questions

    label: str
    value: Any


class Question(BaseModel):
    """One intake question about one field."""

    model_config = ConfigDict(frozen=True, defer_build=True)  # built on first use (serve's warm-up asks a round)

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
        if q.field == "data_quality" and (values.labeled_examples or 0) < 10_000 and not _pilot_size(intake):
            continue  # quality only matters once there is enough data to train on (or to pilot on)
        if q.field in TECHNIQUE_FIELDS and not _relevant(intake, q.field):
            continue
        out.append(q)
    return out


def _pilot_size(intake: Intake) -> bool:
    """Enough clean examples for a LoRA pilot, and a team and a task it could suit: then label quality matters."""
    v = intake.values
    return (
        MIN_PILOT_EXAMPLES <= (v.labeled_examples or 0) < MIN_FT_EXAMPLES
        and v.ml_expertise in ("strong", "limited")
        and not v.changes_often
        and not v.knowledge_gap
    )


def _relevant(intake: Intake, name: str) -> bool:
    """Whether a technique fact is worth a question for this case at all."""
    v = intake.values
    if name == "self_hosting":  # residency rules are about personal or regulated data
        return bool(v.sensitive_data) and bool(v.regulated or v.eu_personal_data)
    if name == "reviewed_output_count":  # outputs to distil matter when labels are short and someone can train
        running = v.prompt_in_production or v.reviewed_outputs or v.cost_pressure  # a live system to learn from
        return (
            bool(running)
            and (v.labeled_examples or 0) < MIN_FT_EXAMPLES
            and v.ml_expertise in ("strong", "limited")
            and v.reviewed_outputs is not False
        )
    if name == "prompt_in_production":  # decides whether the logs hold a month of volume
        return bool(v.reviewed_outputs) and v.reviewed_output_count is None
    return v.monthly_requests is not None and v.priority is None  # cost_pressure


def core_plan(intake: Intake) -> tuple[Approach, tuple[str, ...]]:
    """The approach and the techniques that change what gets built."""
    approach, techniques = plan(intake)
    return approach, tuple(t for t in techniques if t in CORE_TECHNIQUES)


def recommend_approach(intake: Intake) -> Approach:
    """Just the approach the engine picks (used for what-if analysis)."""
    return decide(intake)


def reachable(intake: Intake, asked: Iterable[str] = ()) -> set[Approach]:
    """Approaches the open questions could still lead to (single answers, and joint extremes)."""
    return set(_approaches(intake, _askable(intake, asked)))


def _approaches(intake: Intake, open_qs: list[Question]) -> Iterator[Approach]:
    """The approach now, then the ones the joint extremes and every single answer lead to (repeats included),
    the extremes first: they are the likeliest to differ, and `is_settled` stops at the first that does."""
    yield recommend_approach(intake)
    ft = _ft_extreme(open_qs)
    yield decide_changed(intake, ft)
    if "changes_often" in ft:
        yield decide_changed(intake, {**ft, "changes_often": True})
    for q in open_qs:
        for a in q.quick_answers:
            yield decide_changed(intake, {q.field: a.value})


def _ft_extreme(questions: list[Question]) -> dict[str, Any]:
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
    return {q.field: best[q.field] for q in questions if q.field in best}


def is_settled(intake: Intake, asked: Iterable[str] = ()) -> bool:
    """True when no plausible answer to the remaining questions would flip the approach."""
    approaches = _approaches(intake, _askable(intake, asked))
    current = next(approaches)
    return all(a == current for a in approaches)


def _flips(intake: Intake, q: Question, current: Approach) -> float:
    """The share of the question's answers that change the approach on their own."""
    return sum(decide_changed(intake, {q.field: a.value}) != current for a in q.quick_answers) / len(q.quick_answers)


def _settles(intake: Intake, q: Question, asked: set[str]) -> float:
    """The share of the question's answers after which nothing left to ask could change the approach."""
    settled = (is_settled(intake.with_values(**{q.field: a.value}), asked | {q.field}) for a in q.quick_answers)
    return sum(settled) / len(q.quick_answers)


def next_questions(intake: Intake, asked: Iterable[str] = (), asked_steps: Iterable[int] = ()) -> list[Question]:
    """The next decisive question(s), most decisive first; empty when the recommendation is settled.

    A question is decisive if one of its plausible answers flips the approach on its own, or settles it.
    At most one question per step per conversation, and at most MAX_PER_ROUND per round, from different steps.
    Memoised on the intake's values and what was asked (the plan reads nothing else); each call gets its own list.
    """
    return list(_next_questions(ByValues(intake), frozenset(asked), frozenset(asked_steps)))


@lru_cache(maxsize=256)
def _next_questions(case: ByValues, asked: frozenset[str], asked_steps: frozenset[int]) -> tuple[Question, ...]:
    intake = case.intake
    asked_set, steps_done = set(asked), set(asked_steps)
    if is_settled(intake, asked_set):
        return ()  # a settled approach gets its card; technique facts never cost a round of their own
    current = recommend_approach(intake)
    open_qs = [
        (order, q)
        for order, q in enumerate(_askable(intake, asked_set))
        if q.step not in steps_done or q.field in TECHNIQUE_FIELDS
    ]
    flips_of = {q.field: _flips(intake, q, current) for _, q in open_qs}
    any_flips = any(flips_of.values())
    scored = []
    for order, q in open_qs:
        flips = flips_of[q.field]
        if any_flips and not flips:
            continue  # never chosen: the first pick flips the approach, and every later pick must too
        settles = _settles(intake, q, asked_set)  # the costly part: a whole planning pass per answer
        if flips or settles:
            scored.append(((flips, settles, -order), q))
    scored.sort(key=lambda item: item[0], reverse=True)
    chosen: list[Question] = []
    if not scored:
        return ()
    scored = [item for item in scored if item[1].field not in TECHNIQUE_FIELDS or item[0][0] > 0]
    for (flips, _, _), q in scored:
        if len(chosen) == MAX_PER_ROUND:
            break
        if all(c.step != q.step for c in chosen) and (not chosen or flips > 0):
            chosen.append(q)
    if len(chosen) < MAX_PER_ROUND:  # a technique fact rides along rather than costing a round of its own
        extra = _technique_question(intake, asked_set | {c.field for c in chosen}, {c.step for c in chosen})
        chosen += [q for q in extra if q not in chosen]
    return tuple(chosen)


def _technique_question(intake: Intake, asked: set[str], round_steps: set[int]) -> list[Question]:
    """The one technique fact (if any) whose answer changes what gets built, from a step not already in this
    round. It may share a step with an earlier round: "how many labeled examples?" did not ask about a model's
    reviewed outputs."""
    current = core_plan(intake)
    for q in _askable(intake, asked):
        if q.field not in TECHNIQUE_FIELDS or q.step in round_steps:
            continue
        if any(core_plan(intake.with_values(**{q.field: a.value})) != current for a in q.quick_answers):
            return [q]
    return []
