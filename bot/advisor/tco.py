"""3-year total cost of ownership: prompt engineering vs fine-tuning vs hybrid, and where they cross.

Every number the model uses is a field of `TcoAssumptions`. The defaults, each with its public source, live
in `tco_defaults.yaml` next to this module; a config file or flags override them.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.errors import InputError
from bot.resources import load_yaml

Approach = Literal["prompt_engineering", "fine_tuning", "hybrid"]
APPROACHES: tuple[Approach, ...] = ("prompt_engineering", "fine_tuning", "hybrid")
DEFAULTS_PATH = Path(__file__).with_name("tco_defaults.yaml")
TOKENS_PER_PRICE_UNIT = 1_000_000
MIN_RETRAIN_EVERY_MONTHS = 0.03


class TcoAssumptions(BaseModel):
    """Every assumption of the TCO model. Prices are USD per million tokens; tokens are per request."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    prompt_price_in_per_m: float = Field(ge=0, description="Prompting model: USD per million input tokens.")
    prompt_price_out_per_m: float = Field(ge=0, description="Prompting model: USD per million output tokens.")
    base_input_tokens: float = Field(ge=0, description="Instruction and user-input tokens per request.")
    few_shot_tokens: float = Field(
        ge=0, description="Few-shot examples or retrieved context that prompting adds per request."
    )
    output_tokens: float = Field(ge=0, description="Output tokens per request, for every approach.")
    cache_hit_rate: float = Field(
        ge=0, le=1, description="Share of the few-shot prefix served from the prompt cache (0-1)."
    )
    cached_input_discount: float = Field(
        ge=0, le=1, description="Discount on cached input tokens (0.5: billed at half price)."
    )
    ft_base_price_in_per_m: float = Field(
        ge=0, description="Base model of the fine-tune: USD per million input tokens."
    )
    ft_base_price_out_per_m: float = Field(
        ge=0, description="Base model of the fine-tune: USD per million output tokens."
    )
    ft_price_premium: float = Field(
        ge=0, description="Price multiplier of the fine-tuned model over its base model (2.0: twice)."
    )
    ft_input_tokens: float = Field(ge=0, description="Input tokens per request to the fine-tuned model.")
    prompt_engineering_usd: float = Field(
        ge=0, description="One-time prompt design, evaluation set and integration."
    )
    labeling_cost_per_example: float = Field(ge=0, description="USD to label one training example.")
    min_training_examples: float = Field(ge=0, description="Labeled examples a fine-tune needs.")
    training_compute_usd: float = Field(ge=0, description="One-time experiments and training runs.")
    ft_engineering_usd: float = Field(
        ge=0, description="One-time ML engineering: data pipeline, training, evaluation, deployment."
    )
    prompt_maintenance_monthly_usd: float = Field(ge=0, description="Monthly prompt and evaluation upkeep.")
    ft_hosting_monthly_usd: float = Field(
        ge=0, description="Monthly hosting of the fine-tuned model (0 for per-token serverless)."
    )
    ft_mlops_monthly_usd: float = Field(ge=0, description="Monthly monitoring, evaluation and MLOps share.")
    retrain_every_months: float = Field(ge=0, description="Months between retrains (0: never retrain).")
    retrain_every_months_when_changing: float = Field(
        ge=0, description="Months between retrains when the task changes often (0: never retrain)."
    )
    retrain_cost_usd: float = Field(ge=0, description="Cost of one retrain: compute, labels, evaluation.")
    hybrid_context_tokens: float = Field(
        ge=0, description="Dynamic context tokens the hybrid adds to each fine-tuned request."
    )
    hybrid_prompt_engineering_usd: float = Field(
        ge=0, description="One-time prompt and retrieval work the hybrid adds to fine-tuning."
    )
    horizon_months: float = Field(ge=1, description="Months the total cost of ownership covers.")

    @field_validator("*", mode="before")
    @classmethod
    def _no_booleans(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("must be a number, not true/false")
        return value

    @field_validator("retrain_every_months", "retrain_every_months_when_changing")
    @classmethod
    def _plausible_cadence(cls, value: float) -> float:
        if 0 < value < MIN_RETRAIN_EVERY_MONTHS:
            raise ValueError(f"must be 0 (never) or at least {MIN_RETRAIN_EVERY_MONTHS} months (about daily)")
        return value

    def with_overrides(self, **overrides: Any) -> TcoAssumptions:
        """A copy with some assumptions replaced; unknown names or invalid values raise InputError."""
        for name in overrides:
            _check_name(name)
        return _validated({**self.model_dump(), **overrides})


class ApproachCost(BaseModel):
    """The cost of one approach at the estimate's volume."""

    model_config = ConfigDict(frozen=True)

    one_time_usd: float
    monthly_usd: float
    total_usd: float = Field(description="One-time cost plus the monthly cost over the horizon.")
    per_request_usd: float
    monthly_fixed_usd: float = Field(description="Hosting, MLOps, retraining or prompt upkeep per month.")
    monthly_usage_usd: float = Field(description="Per-request cost times the monthly volume.")
    one_time_items: dict[str, float]


class TcoEstimate(BaseModel):
    """The TCO of every approach at one monthly volume, the crossover volumes and how they were reached."""

    model_config = ConfigDict(frozen=True)

    monthly_requests: int
    volume_assumed: bool = Field(description="True when the volume was unknown and a default was used.")
    horizon_months: float
    approaches: dict[str, ApproachCost]
    crossover_monthly_requests: int | None = Field(
        description="Monthly volume from which fine-tuning costs no more than prompting; None if never."
    )
    hybrid_crossover_monthly_requests: int | None = Field(
        description="Monthly volume from which the hybrid costs no more than prompting; None if never."
    )
    cheapest: str
    assumptions: dict[str, float]
    notes: list[str]


def _check_name(name: str) -> None:
    if name in TcoAssumptions.model_fields:
        return
    close = difflib.get_close_matches(name, TcoAssumptions.model_fields, n=1)
    hint = f"Did you mean {close[0]!r}?" if close else f"Known: {', '.join(TcoAssumptions.model_fields)}."
    raise InputError(f"Unknown TCO assumption {name!r}. {hint}")


def _validated(data: Mapping[str, Any]) -> TcoAssumptions:
    try:
        return TcoAssumptions.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"]) or "assumptions"
            message = str(error["ctx"]["error"]) if error["type"] == "value_error" else error["msg"]
            problems.append(f"{name}: {message[:1].lower()}{message[1:]} (got {error.get('input')!r})")
        raise InputError("Invalid TCO assumption: " + "; ".join(problems) + ".") from None


@lru_cache(maxsize=1)
def _default_entries() -> dict[str, dict[str, Any]]:
    raw = load_yaml(DEFAULTS_PATH.read_text(encoding="utf-8"))
    fields = set(TcoAssumptions.model_fields)
    if not isinstance(raw, dict) or set(raw) != fields:
        found = set(raw) if isinstance(raw, dict) else set()
        raise RuntimeError(
            f"{DEFAULTS_PATH.name} must define exactly the TCO assumptions; "
            f"missing {sorted(fields - found)}, unknown {sorted(found - fields)}"
        )
    for name, entry in raw.items():
        if not isinstance(entry, dict) or "value" not in entry or not entry.get("source"):
            raise RuntimeError(f"{DEFAULTS_PATH.name}: {name} needs a value and a source")
    return raw


@lru_cache(maxsize=1)
def default_assumptions() -> TcoAssumptions:
    """The sourced defaults from tco_defaults.yaml."""
    return TcoAssumptions.model_validate({name: entry["value"] for name, entry in _default_entries().items()})


def assumption_sources() -> dict[str, str]:
    """Where each default comes from, by assumption name."""
    return {name: str(entry["source"]) for name, entry in _default_entries().items()}


def assumption_notes() -> dict[str, str]:
    """What each default means and why it was chosen, by assumption name."""
    return {name: str(entry.get("note", "")) for name, entry in _default_entries().items()}


def _read_config(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"Cannot read the TCO config file {path}: {exc}") from None
    try:
        raw = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise InputError(f"The TCO config file {path} is not valid YAML or JSON: {exc}") from None
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise InputError(f"The TCO config file {path} must map assumption names to values.")
    values: dict[str, Any] = {}
    for name, value in raw.items():
        if not isinstance(name, str):
            raise InputError(f"The TCO config file {path} has a key that is not a name: {name!r}.")
        values[name] = value["value"] if isinstance(value, dict) and "value" in value else value
    return values


def load_assumptions(path: Path | None = None, overrides: Mapping[str, Any] | None = None) -> TcoAssumptions:
    """Defaults, then the `{name: value}` YAML or JSON file at `path`, then `overrides` (e.g. flags)."""
    assumptions = default_assumptions()
    if path is not None:
        assumptions = assumptions.with_overrides(**_read_config(Path(path)))
    if overrides:
        assumptions = assumptions.with_overrides(**overrides)
    return assumptions


def _check_approach(approach: str) -> None:
    if approach not in APPROACHES:
        raise InputError(f"Unknown approach {approach!r}; expected one of {', '.join(APPROACHES)}.")


def per_request_cost(a: TcoAssumptions, approach: str) -> float:
    """Token cost of one request, in USD."""
    _check_approach(approach)
    if approach == "prompt_engineering":
        billed_few_shot = a.few_shot_tokens * (1 - a.cache_hit_rate * a.cached_input_discount)
        return (
            (a.base_input_tokens + billed_few_shot) * a.prompt_price_in_per_m
            + a.output_tokens * a.prompt_price_out_per_m
        ) / TOKENS_PER_PRICE_UNIT
    input_tokens = a.ft_input_tokens + (a.hybrid_context_tokens if approach == "hybrid" else 0)
    return (
        (input_tokens * a.ft_base_price_in_per_m + a.output_tokens * a.ft_base_price_out_per_m)
        * a.ft_price_premium
        / TOKENS_PER_PRICE_UNIT
    )


def one_time_cost(a: TcoAssumptions, approach: str, labeled_examples: int | None = None) -> dict[str, float]:
    """Itemised one-time cost in USD; an unknown `labeled_examples` counts no labeling."""
    _check_approach(approach)
    if labeled_examples is not None and labeled_examples < 0:
        raise InputError(f"labeled_examples must be 0 or more, got {labeled_examples}.")
    if approach == "prompt_engineering":
        return {"prompt_engineering": a.prompt_engineering_usd}
    missing = 0.0 if labeled_examples is None else max(0.0, a.min_training_examples - labeled_examples)
    items = {
        "data_labeling": missing * a.labeling_cost_per_example,
        "training_compute": a.training_compute_usd,
        "ml_engineering": a.ft_engineering_usd,
    }
    if approach == "hybrid":
        items["prompt_engineering"] = a.hybrid_prompt_engineering_usd
    return items


def _retrain_every(a: TcoAssumptions, changes_often: bool | None) -> float:
    return a.retrain_every_months_when_changing if changes_often else a.retrain_every_months


def monthly_fixed_cost(a: TcoAssumptions, approach: str, changes_often: bool | None = None) -> float:
    """Monthly cost that does not depend on volume: upkeep, hosting, MLOps and amortised retraining."""
    _check_approach(approach)
    if approach == "prompt_engineering":
        return a.prompt_maintenance_monthly_usd
    every = _retrain_every(a, changes_often)
    retraining = a.retrain_cost_usd / every if every > 0 else 0.0
    return a.ft_hosting_monthly_usd + a.ft_mlops_monthly_usd + retraining


def crossover_monthly_requests(
    a: TcoAssumptions,
    approach: str = "fine_tuning",
    *,
    labeled_examples: int | None = None,
    changes_often: bool | None = None,
) -> int | None:
    """The smallest monthly volume at which `approach` costs no more than prompting over the horizon.

    None when `approach` is not cheaper per request, so that no volume makes up for its fixed costs.
    """
    per_request_saving = per_request_cost(a, "prompt_engineering") - per_request_cost(a, approach)
    if per_request_saving <= 0:
        return None
    extra_one_time = sum(one_time_cost(a, approach, labeled_examples).values()) - sum(
        one_time_cost(a, "prompt_engineering").values()
    )
    extra_fixed = monthly_fixed_cost(a, approach, changes_often) - monthly_fixed_cost(
        a, "prompt_engineering", changes_often
    )
    volume = (extra_one_time + a.horizon_months * extra_fixed) / (a.horizon_months * per_request_saving)
    if not math.isfinite(volume):
        return None
    return max(0, math.ceil(round(volume, 6)))


def _approach_cost(
    a: TcoAssumptions, approach: str, volume: int, labeled_examples: int | None, changes_often: bool | None
) -> ApproachCost:
    items = one_time_cost(a, approach, labeled_examples)
    per_request = per_request_cost(a, approach)
    fixed = monthly_fixed_cost(a, approach, changes_often)
    usage = per_request * volume
    one_time = sum(items.values())
    return ApproachCost(
        one_time_usd=one_time,
        monthly_usd=fixed + usage,
        total_usd=one_time + a.horizon_months * (fixed + usage),
        per_request_usd=per_request,
        monthly_fixed_usd=fixed,
        monthly_usage_usd=usage,
        one_time_items=items,
    )


def _months(n: float) -> str:
    return f"{n:g} month" if n == 1 else f"{n:g} months"


def estimate(
    monthly_requests: int | None,
    *,
    labeled_examples: int | None = None,
    changes_often: bool | None = None,
    assumptions: TcoAssumptions | None = None,
    assumed_volume: int = 100_000,
) -> TcoEstimate:
    """Monthly and horizon cost of every approach, the crossover volumes and notes on what was assumed."""
    a = default_assumptions() if assumptions is None else assumptions
    volume_assumed = monthly_requests is None
    volume = assumed_volume if monthly_requests is None else monthly_requests
    if volume < 0:
        raise InputError(f"The monthly request volume must be 0 or more, got {volume}.")
    approaches: dict[str, ApproachCost] = {
        approach: _approach_cost(a, approach, volume, labeled_examples, changes_often)
        for approach in APPROACHES
    }
    crossover = crossover_monthly_requests(
        a, "fine_tuning", labeled_examples=labeled_examples, changes_often=changes_often
    )
    hybrid_crossover = crossover_monthly_requests(
        a, "hybrid", labeled_examples=labeled_examples, changes_often=changes_often
    )
    horizon = _months(a.horizon_months)

    notes: list[str] = []
    if volume_assumed:
        notes.append(f"Monthly volume unknown: assumed {format_volume(volume)} requests a month.")
    if labeled_examples is None:
        full_labeling = a.min_training_examples * a.labeling_cost_per_example
        notes.append(
            "Labeled-data count unknown: no labeling cost included; labeling "
            f"{format_volume(a.min_training_examples)} examples from scratch would add "
            f"{format_usd(full_labeling)}."
        )
    every = _retrain_every(a, changes_often)
    cadence = f"every {_months(every)}" if every > 0 else "never"
    if changes_often is None:
        notes.append(f"Unknown how often the task changes: fine-tuned models retrained {cadence}.")
    elif changes_often:
        notes.append(f"The task changes often: fine-tuned models retrained {cadence}.")
    if crossover is None:
        notes.append("Fine-tuning never becomes cheaper: it does not cost less per request than prompting.")
    else:
        notes.append(
            f"Fine-tuning costs no more than prompting over {horizon} from "
            f"{format_volume(crossover)} requests a month."
        )
    notes.append("All figures are estimates from explicit assumptions; a config file or flags override them.")

    return TcoEstimate(
        monthly_requests=volume,
        volume_assumed=volume_assumed,
        horizon_months=a.horizon_months,
        approaches=approaches,
        crossover_monthly_requests=crossover,
        hybrid_crossover_monthly_requests=hybrid_crossover,
        cheapest=min(APPROACHES, key=lambda approach: approaches[approach].total_usd),
        assumptions=a.model_dump(),
        notes=notes,
    )


def _compact(value: float) -> str:
    scaled, suffix = value, ""
    for divisor, name in ((1e3, "K"), (1e6, "M"), (1e9, "B"), (1e12, "T")):
        scaled, suffix = value / divisor, name
        if scaled < 999.5:
            break
    text = f"{scaled:.1f}" if scaled < 99.95 else f"{scaled:,.0f}"
    return text.removesuffix(".0") + suffix


def format_usd(amount: float) -> str:
    """Short USD for cards: "$1.2M", "$350K", "$4,200", "$12.50", "$0.0061"."""
    if not math.isfinite(amount):
        return "n/a"
    if amount < 0:
        return "-" + format_usd(-amount)
    if amount >= 10_000:
        return "$" + _compact(amount)
    if amount >= 100:
        return f"${amount:,.0f}"
    if amount >= 1:
        return f"${amount:,.2f}"
    if amount == 0:
        return "$0"
    decimals = min(8, max(2, 1 - math.floor(math.log10(amount))))
    return f"${amount:.{decimals}f}"


def format_volume(n: float) -> str:
    """Short request count for cards: "1.9M", "350K", "4,200"."""
    if not math.isfinite(n):
        return "n/a"
    if n < 0:
        return "-" + format_volume(-n)
    return _compact(n) if n >= 10_000 else f"{n:,.0f}"
