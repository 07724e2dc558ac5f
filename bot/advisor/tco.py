"""3-year total cost of ownership: prompt engineering vs fine-tuning vs hybrid, and where they cross.

Every number the model uses is a field of `TcoAssumptions`. The defaults, each with its public source, live
in `tco_defaults.yaml` next to this module; a config file or flags override them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.advisor.prices import PriceBasis, price_basis, price_book
from bot.advisor.workloads import LabelTier
from bot.errors import InputError
from bot.resources import load_yaml

Approach = Literal["prompt_engineering", "fine_tuning", "hybrid"]
APPROACHES: tuple[Approach, ...] = ("prompt_engineering", "fine_tuning", "hybrid")
DEFAULTS_PATH = Path(__file__).with_name("tco_defaults.yaml")
TOKENS_PER_PRICE_UNIT = 1_000_000
MIN_RETRAIN_EVERY_MONTHS = 0.03
MIN_SAVING_USD = 1e-12  # a per-request saving below this (float dust) never pays for anything
HOURS_PER_MONTH = 730
SHAPES = ("self_hosted", "distillation")
Position = Literal["never", "unknown", "below", "near", "above"]
HybridShape = Literal["split", "cascade"]


class TcoAssumptions(BaseModel):
    """Every assumption of the TCO model. Prices are USD per million tokens; tokens are per request."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    # Prompting model, caching and batch pricing
    prompt_price_in_per_m: float = Field(ge=0, description="Prompting model: USD per million input tokens.")
    prompt_price_out_per_m: float = Field(ge=0, description="Prompting model: USD per million output tokens.")
    cached_input_discount: float = Field(ge=0, le=1, description="Discount on cached input tokens (0.75: a quarter).")
    cache_hit_rate: float = Field(ge=0, le=1, description="Share of the prompt prefix served from the cache (0-1).")
    batch_discount: float = Field(ge=0, le=1, description="Discount of batch pricing on every approach (0-1).")
    batch_min_latency_ms: float = Field(ge=0, description="Latency target from which batch pricing applies (ms).")
    # Tokens per request
    base_input_tokens: float = Field(ge=0, description="The request's own input tokens when the work is unknown.")
    output_tokens: float = Field(ge=0, description="Output tokens per request when the work is unknown.")
    few_shot_tokens: float = Field(ge=0, description="Instructions and examples prompting adds per request.")
    retrieval_context_tokens: float = Field(ge=0, description="Retrieved passages per request (knowledge gap).")
    hybrid_context_tokens: float = Field(ge=0, description="Dynamic context the hybrid adds without retrieval.")
    cascade_fallback_share: float = Field(
        ge=0, le=1, description="Share of requests a cascade hybrid sends on to the large prompted model (0-1)."
    )
    # Fine-tuned model and its training
    ft_base_price_in_per_m: float = Field(ge=0, description="Base model of the fine-tune: USD per M input tokens.")
    ft_base_price_out_per_m: float = Field(ge=0, description="Base model of the fine-tune: USD per M output tokens.")
    ft_price_premium: float = Field(ge=0, description="Price multiplier of the tuned model over its base (2.0).")
    ft_training_price_per_m: float = Field(ge=0, description="USD per million training tokens (hosted tuning).")
    training_epochs: float = Field(ge=0, description="Epochs per training run.")
    training_runs: float = Field(ge=0, description="Training runs to reach the first production model.")
    training_examples_cap: float = Field(ge=0, description="Largest training set counted per run.")
    # Labels
    labeling_cost_general: float = Field(ge=0, description="USD per simple label (categories, intents).")
    labeling_cost_skilled: float = Field(ge=0, description="USD per label from trained domain staff.")
    labeling_cost_expert: float = Field(ge=0, description="USD per label from lawyers, clinicians, coders.")
    min_training_examples: float = Field(ge=0, description="Labeled examples a fine-tune needs.")
    # One-time build
    prompt_engineering_usd: float = Field(ge=0, description="One-time prompt design and integration.")
    retrieval_build_usd: float = Field(ge=0, description="One-time production retrieval build (knowledge gap).")
    ft_engineering_usd: float = Field(ge=0, description="One-time ML engineering: pipeline, training, deployment.")
    hybrid_prompt_engineering_usd: float = Field(ge=0, description="One-time prompt layer of the hybrid.")
    evaluation_harness_usd: float = Field(ge=0, description="One-time evaluation harness, for every approach.")
    evaluation_examples: float = Field(ge=0, description="Gold examples an evaluation set needs.")
    model_validation_usd: float = Field(ge=0, description="Validation of a trained model when regulated.")
    prompt_validation_share: float = Field(ge=0, le=1, description="Share of it a prompted system costs.")
    # Running costs
    prompt_maintenance_monthly_usd: float = Field(ge=0, description="Monthly prompt upkeep.")
    retrieval_monthly_usd: float = Field(ge=0, description="Monthly retrieval running cost (knowledge gap).")
    monitoring_monthly_usd: float = Field(ge=0, description="Monthly monitoring and evaluation runs, every approach.")
    ft_hosting_monthly_usd: float = Field(ge=0, description="Provider hosting fee of a tuned model (0: per token).")
    dedicated_hosting_monthly_usd: float = Field(ge=0, description="Dedicated low-latency serving per month.")
    low_latency_ms: float = Field(ge=0, description="p95 target at or below which dedicated serving is needed.")
    ft_mlops_monthly_usd: float = Field(ge=0, description="Monthly MLOps share of a tuned model.")
    human_review_share: float = Field(ge=0, le=1, description="Share of outputs reviewed by a person.")
    human_review_share_critical: float = Field(ge=0, le=1, description="Share reviewed when critical or regulated.")
    human_review_cost_per_item: float = Field(ge=0, description="USD per reviewed output.")
    human_review_max_items_monthly: float = Field(ge=0, description="Most outputs reviewed in a month.")
    # Retraining
    retrain_every_months: float = Field(ge=0, description="Months between retrains, stable task (0: never).")
    retrain_every_months_when_changing: float = Field(
        ge=0, description="Months between retrains of a fine-tune when the task changes often (0: never)."
    )
    hybrid_retrain_every_months: float = Field(ge=0, description="Months between retrains of the hybrid's core.")
    retrain_engineering_usd: float = Field(ge=0, description="Data refresh, evaluation and sign-off per retrain.")
    revalidation_share: float = Field(ge=0, le=1, description="Share of the validation cost each retrain costs.")
    # Self-hosted open-weight model
    selfhost_gpu_hourly_usd: float = Field(ge=0, description="Self-hosting: USD per GPU-hour.")
    selfhost_gpu_tokens_per_second: float = Field(gt=0, description="Output tokens one GPU serves per second.")
    selfhost_utilisation: float = Field(gt=0, le=1, description="Average share of GPU capacity used (0-1).")
    selfhost_min_gpus: float = Field(ge=0, description="GPUs kept running whatever the volume.")
    selfhost_upkeep_monthly_usd: float = Field(ge=0, description="Monthly platform engineering of self-hosting.")
    selfhost_setup_usd: float = Field(ge=0, description="One-time serving stack for self-hosting.")
    selfhost_training_gpu_hours: float = Field(ge=0, description="GPU-hours per self-hosted training run.")
    # Distillation
    distillation_examples: float = Field(ge=0, description="Teacher outputs the student is trained on.")
    distillation_review_share: float = Field(ge=0, le=1, description="Share of teacher outputs a person checks.")
    horizon_months: float = Field(ge=1, description="Months the total cost of ownership covers.")

    @field_validator("*", mode="before")
    @classmethod
    def _no_booleans(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("must be a number, not true/false")
        return value

    @field_validator("retrain_every_months", "retrain_every_months_when_changing", "hybrid_retrain_every_months")
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


class CaseProfile(BaseModel):
    """What the intake says that changes the cost: the kind of work, its size and its constraints."""

    model_config = ConfigDict(frozen=True)

    workload: str = Field(default="unknown", description="Kind of work, from the use case (workloads.yaml).")
    input_tokens: float | None = Field(default=None, ge=0, description="Request input tokens; None: the default.")
    output_tokens: float | None = Field(default=None, ge=0, description="Output tokens; None: the default.")
    label_tier: LabelTier = "skilled"
    knowledge_gap: bool = False
    regulated: bool = False
    critical: bool = Field(default=False, description="Mission-critical or regulated: more outputs reviewed.")
    latency_p95_ms: int | None = Field(default=None, ge=0)
    hybrid_shape: HybridShape = Field(
        default="split",
        description=(
            "The hybrid priced: split (a tuned core plus a prompt or retrieval layer on every request) or cascade "
            "(a small tuned model answers most requests, the large prompted model the rest)."
        ),
    )
    distilled: bool = Field(default=False, description="The cascade's small model learns from the prompted model.")


class ApproachCost(BaseModel):
    """The cost of one approach at the estimate's volume."""

    model_config = ConfigDict(frozen=True)

    one_time_usd: float
    monthly_usd: float
    total_usd: float = Field(description="One-time cost plus the monthly cost over the horizon.")
    per_request_usd: float
    monthly_fixed_usd: float = Field(description="Hosting, MLOps, retraining, retrieval or prompt upkeep per month.")
    monthly_usage_usd: float = Field(description="Per-request cost times the monthly volume.")
    monthly_review_usd: float = Field(default=0.0, description="Human review of sampled outputs per month.")
    one_time_items: dict[str, float]
    monthly_items: dict[str, float] = Field(default_factory=dict)


class SameModelComparison(BaseModel):
    """Prompting the tune model itself vs fine-tuning it: the second comparison, shown when it differs."""

    model_config = ConfigDict(frozen=True)

    model: str
    prompt_total_usd: float
    tuned_total_usd: float
    prompt_per_request_usd: float
    tuned_per_request_usd: float


ASSUMED_VOLUME = 100_000  # requests a month an estimate assumes when the volume is unknown


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
    profile: CaseProfile = Field(default_factory=CaseProfile)
    rival: Literal["fine_tuning", "hybrid"] = Field(
        default="fine_tuning",
        description="The tuned approach the headline and its one crossover compare with prompting.",
    )
    prices: PriceBasis | None = Field(default=None, description="The models and price dates behind the figures.")
    same_model: SameModelComparison | None = Field(
        default=None, description="Prompting vs fine-tuning the tune model itself, when it differs from the headline."
    )
    shapes: dict[str, ApproachCost] = Field(
        default_factory=dict, description="Other cost shapes at the same volume: self_hosted, distillation."
    )
    shape_crossovers: dict[str, int | None] = Field(
        default_factory=dict, description="Monthly volume from which each shape costs no more than prompting."
    )


def _check_name(name: str) -> None:
    if name in TcoAssumptions.model_fields:
        return
    import difflib  # only for a misspelt name: not on every start

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


class AssumptionRow(BaseModel):
    """One assumption as `tco --explain` prints it: value in use, default, source, date, URL and note."""

    model_config = ConfigDict(defer_build=True)  # only `tco --explain` builds its validator (start-up, issue #17)

    name: str
    value: float
    default: float
    description: str
    source: str
    date: str
    url: str
    note: str


def explain(a: TcoAssumptions | None = None) -> list[AssumptionRow]:
    """Every assumption with the value in use, its default and where the default comes from."""
    used = (default_assumptions() if a is None else a).model_dump()
    rows = []
    for name, entry in _default_entries().items():
        rows.append(
            AssumptionRow(
                name=name,
                value=used[name],
                default=float(entry["value"]),
                description=TcoAssumptions.model_fields[name].description or "",
                source=str(entry["source"]),
                date=str(entry.get("date", "")),
                url=str(entry.get("url", "")),
                note=str(entry.get("note", "")),
            )
        )
    return rows


def dated(model: str, as_of: str) -> str:
    """A model with the date of its prices: "gpt-4.1 (2026-03 prices)", or "(prices set by you)" when custom."""
    return f"{model} ({as_of} prices)" if as_of else f"{model} (prices set by you)"


def basis_of(est: TcoEstimate) -> PriceBasis:
    """The models and price dates behind an estimate (read back from its prices when it predates the field)."""
    return est.prices if est.prices is not None else price_basis(assumptions_of(est))


def sources_summary(a: TcoAssumptions | None = None) -> str:
    """One line for cards: the models and prices in use, their dates, and how to see every assumption."""
    a = default_assumptions() if a is None else a
    basis = price_basis(a)
    tuned_in, tuned_out = a.ft_base_price_in_per_m * a.ft_price_premium, a.ft_base_price_out_per_m * a.ft_price_premium
    offer = price_book().api[basis.tune_model].fine_tuning if basis.tune_model in price_book().api else None
    status = ""
    if offer is not None and not offer.offered:
        closed = offer.offered_note.split(";")[0].rstrip(".")
        status = f" hosted tuning of {basis.tune_model}: {closed[:1].lower()}{closed[1:]} (as of {offer.as_of});"
    prompting = f"${a.prompt_price_in_per_m:g}/${a.prompt_price_out_per_m:g}"
    return (
        f"Cost assumptions: prompting {dated(basis.prompt_model, basis.prompt_as_of)} at {prompting} per M tokens"
        f" in/out, fine-tuned {dated(basis.tune_model, basis.tune_as_of)} at ${tuned_in:g}/${tuned_out:g} plus"
        f" ${a.ft_training_price_per_m:g}/M training tokens;{status} every assumption with its source and date:"
        " `ai-advisor tco --explain`."
    )


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


NO_PROFILE = CaseProfile()


def request_tokens(a: TcoAssumptions, p: CaseProfile = NO_PROFILE) -> tuple[float, float]:
    """Input and output tokens of one request before any approach adds context."""
    inp = a.base_input_tokens if p.input_tokens is None else p.input_tokens
    out = a.output_tokens if p.output_tokens is None else p.output_tokens
    return inp, out


def batched(a: TcoAssumptions, p: CaseProfile = NO_PROFILE) -> bool:
    """True when the latency target leaves time for batch pricing."""
    return p.latency_p95_ms is not None and p.latency_p95_ms >= a.batch_min_latency_ms


def low_latency(a: TcoAssumptions, p: CaseProfile = NO_PROFILE) -> bool:
    """True when the p95 target needs a small model on dedicated capacity."""
    return p.latency_p95_ms is not None and p.latency_p95_ms <= a.low_latency_ms


def per_request_cost(a: TcoAssumptions, approach: str, p: CaseProfile = NO_PROFILE) -> float:
    """Token cost of one request, in USD."""
    _check_approach(approach)
    if approach == "hybrid" and p.hybrid_shape == "cascade":
        # Every request goes to the small tuned model; the fallback share is paid a second time, prompted.
        return per_request_cost(a, "fine_tuning", p) + a.cascade_fallback_share * per_request_cost(
            a, "prompt_engineering", p
        )
    inp, out = request_tokens(a, p)
    retrieved = a.retrieval_context_tokens if p.knowledge_gap else 0.0
    if approach == "prompt_engineering":
        billed_prefix = a.few_shot_tokens * (1 - a.cache_hit_rate * a.cached_input_discount)
        # Under a tight p95 only a small model answers in time: prompting is priced on the fine-tune's base model.
        price_in, price_out = (
            (a.ft_base_price_in_per_m, a.ft_base_price_out_per_m)
            if low_latency(a, p)
            else (a.prompt_price_in_per_m, a.prompt_price_out_per_m)
        )
        cost = (inp + billed_prefix + retrieved) * price_in + out * price_out
    else:
        extra = (retrieved or a.hybrid_context_tokens) if approach == "hybrid" else 0.0
        cost = ((inp + extra) * a.ft_base_price_in_per_m + out * a.ft_base_price_out_per_m) * a.ft_price_premium
    discount = a.batch_discount if batched(a, p) else 0.0
    return cost * (1 - discount) / TOKENS_PER_PRICE_UNIT


def label_cost(a: TcoAssumptions, p: CaseProfile = NO_PROFILE) -> float:
    """USD per label at the profile's tier."""
    return {"general": a.labeling_cost_general, "skilled": a.labeling_cost_skilled, "expert": a.labeling_cost_expert}[
        p.label_tier
    ]


def training_run_cost(a: TcoAssumptions, examples: float, p: CaseProfile = NO_PROFILE) -> float:
    """Hosted training cost of one run: examples x tokens per example x epochs x price per training token."""
    inp, out = request_tokens(a, p)
    tokens = min(examples, a.training_examples_cap) * (inp + out) * a.training_epochs
    return tokens * a.ft_training_price_per_m / TOKENS_PER_PRICE_UNIT


def one_time_cost(
    a: TcoAssumptions, approach: str, labeled_examples: int | None = None, p: CaseProfile = NO_PROFILE
) -> dict[str, float]:
    """Itemised one-time cost in USD; an unknown `labeled_examples` counts no labeling."""
    _check_approach(approach)
    if labeled_examples is not None and labeled_examples < 0:
        raise InputError(f"labeled_examples must be 0 or more, got {labeled_examples}.")
    have = 0.0 if labeled_examples is None else float(labeled_examples)
    per_label = label_cost(a, p)
    eval_labels = 0.0 if labeled_examples is None else max(0.0, a.evaluation_examples - have)
    items: dict[str, float] = {"evaluation": a.evaluation_harness_usd + eval_labels * per_label}
    if approach == "prompt_engineering":
        items["prompt_engineering"] = a.prompt_engineering_usd
        if p.regulated:
            items["validation"] = a.model_validation_usd * a.prompt_validation_share
    else:
        missing = 0.0 if labeled_examples is None else max(0.0, a.min_training_examples - have)
        items["data_labeling"] = missing * per_label
        items["training_compute"] = a.training_runs * training_run_cost(a, max(have, a.min_training_examples), p)
        items["ml_engineering"] = a.ft_engineering_usd
        if p.regulated:
            items["validation"] = a.model_validation_usd
        if approach == "hybrid":
            items["prompt_engineering"] = a.hybrid_prompt_engineering_usd
        if approach == "hybrid" and p.distilled:
            # The student learns from the prompted model's logged outputs: a reviewed sample instead of labels.
            items.pop("data_labeling")
            items["output_review"] = a.distillation_examples * a.distillation_review_share * per_label
    if p.knowledge_gap and approach != "fine_tuning":
        items["retrieval"] = a.retrieval_build_usd
    return items


def retrain_every(a: TcoAssumptions, approach: str, changes_often: bool | None) -> float:
    """Months between retrains of a tuned approach (0: never); prompting never retrains."""
    if approach == "hybrid":
        return a.hybrid_retrain_every_months
    if approach == "fine_tuning":
        return a.retrain_every_months_when_changing if changes_often else a.retrain_every_months
    return 0.0


def monthly_items(
    a: TcoAssumptions,
    approach: str,
    changes_often: bool | None = None,
    p: CaseProfile = NO_PROFILE,
    labeled_examples: int | None = None,
) -> dict[str, float]:
    """Itemised monthly cost that does not depend on volume."""
    _check_approach(approach)
    items = {"monitoring": a.monitoring_monthly_usd}
    if approach == "prompt_engineering" and low_latency(a, p):
        items["hosting"] = a.dedicated_hosting_monthly_usd
    if approach != "fine_tuning":
        items["prompt_upkeep"] = a.prompt_maintenance_monthly_usd
        if p.knowledge_gap:
            items["retrieval"] = a.retrieval_monthly_usd
    if approach != "prompt_engineering":
        items["hosting"] = a.dedicated_hosting_monthly_usd if low_latency(a, p) else a.ft_hosting_monthly_usd
        items["mlops"] = a.ft_mlops_monthly_usd
        every = retrain_every(a, approach, changes_often)
        if every > 0:
            examples = max(a.min_training_examples, labeled_examples or 0)
            one = a.retrain_engineering_usd + training_run_cost(a, examples, p)
            if p.regulated:
                one += a.model_validation_usd * a.revalidation_share
            items["retraining"] = one / every
    return items


def monthly_fixed_cost(
    a: TcoAssumptions,
    approach: str,
    changes_often: bool | None = None,
    p: CaseProfile = NO_PROFILE,
    labeled_examples: int | None = None,
) -> float:
    """Monthly cost that does not depend on volume: upkeep, hosting, MLOps, retrieval and amortised retraining."""
    return sum(monthly_items(a, approach, changes_often, p, labeled_examples).values())


def review_cost(a: TcoAssumptions, volume: float, p: CaseProfile = NO_PROFILE) -> float:
    """Monthly human review of sampled outputs; the same for every approach, so it never moves the crossover."""
    share = a.human_review_share_critical if p.critical else a.human_review_share
    return min(volume * share, a.human_review_max_items_monthly) * a.human_review_cost_per_item


def crossover_monthly_requests(
    a: TcoAssumptions,
    approach: str = "fine_tuning",
    *,
    labeled_examples: int | None = None,
    changes_often: bool | None = None,
    profile: CaseProfile = NO_PROFILE,
) -> int | None:
    """The smallest monthly volume at which `approach` costs no more than prompting over the horizon.

    None when `approach` is not cheaper per request, so that no volume makes up for its fixed costs.
    """
    p = profile
    per_request_saving = per_request_cost(a, "prompt_engineering", p) - per_request_cost(a, approach, p)
    if per_request_saving <= MIN_SAVING_USD:
        return None
    extra_one_time = sum(one_time_cost(a, approach, labeled_examples, p).values()) - sum(
        one_time_cost(a, "prompt_engineering", labeled_examples, p).values()
    )
    extra_fixed = monthly_fixed_cost(a, approach, changes_often, p, labeled_examples) - monthly_fixed_cost(
        a, "prompt_engineering", changes_often, p, labeled_examples
    )
    volume = (extra_one_time + a.horizon_months * extra_fixed) / (a.horizon_months * per_request_saving)
    if not math.isfinite(volume):
        return None
    return max(0, math.ceil(round(volume, 6)))


def _approach_cost(
    a: TcoAssumptions,
    approach: str,
    volume: int,
    labeled_examples: int | None,
    changes_often: bool | None,
    p: CaseProfile,
) -> ApproachCost:
    items = one_time_cost(a, approach, labeled_examples, p)
    per_request = per_request_cost(a, approach, p)
    monthly = monthly_items(a, approach, changes_often, p, labeled_examples)
    return _assemble(a, items, monthly, per_request, per_request * volume, review_cost(a, volume, p))


def _gpu_hours_per_request(a: TcoAssumptions, p: CaseProfile) -> float:
    _, out = request_tokens(a, p)
    return out / (a.selfhost_gpu_tokens_per_second * a.selfhost_utilisation * 3600)


def self_hosted_cost(
    a: TcoAssumptions,
    approach: str,
    monthly_requests: int,
    *,
    labeled_examples: int | None = None,
    changes_often: bool | None = None,
    profile: CaseProfile = NO_PROFILE,
) -> ApproachCost:
    """An approach run on an open-weight model on your own GPUs: GPU-hours instead of tokens, plus upkeep.

    The GPUs cost `selfhost_min_gpus` around the clock whatever the volume, and more once the traffic needs them
    (output tokens / (tokens per GPU-second x utilisation)); training runs on the same GPUs.
    """
    _check_approach(approach)
    p = profile
    items = one_time_cost(a, approach, labeled_examples, p)
    if "training_compute" in items:
        items["training_compute"] = a.training_runs * a.selfhost_training_gpu_hours * a.selfhost_gpu_hourly_usd
    items["self_hosting_setup"] = a.selfhost_setup_usd
    monthly = monthly_items(a, approach, changes_often, p, labeled_examples)
    monthly.pop("hosting", None)
    if "retraining" in monthly:
        every = retrain_every(a, approach, changes_often)
        one = a.retrain_engineering_usd + a.selfhost_training_gpu_hours * a.selfhost_gpu_hourly_usd
        if p.regulated:
            one += a.model_validation_usd * a.revalidation_share
        monthly["retraining"] = one / every
    monthly["platform_upkeep"] = a.selfhost_upkeep_monthly_usd
    per_request = _gpu_hours_per_request(a, p) * a.selfhost_gpu_hourly_usd
    gpus = max(a.selfhost_min_gpus * HOURS_PER_MONTH * a.selfhost_gpu_hourly_usd, per_request * monthly_requests)
    return _assemble(a, items, monthly, per_request, gpus, review_cost(a, monthly_requests, p))


def distillation_cost(
    a: TcoAssumptions,
    monthly_requests: int,
    *,
    logged_outputs: int | None = None,
    changes_often: bool | None = None,
    profile: CaseProfile = NO_PROFILE,
) -> ApproachCost:
    """Fine-tuning the tune model (the student) on the prompting model's (the teacher's) outputs.

    Instead of labels: teacher calls for the `distillation_examples` that logged outputs do not cover, and a
    person checking `distillation_review_share` of them. The student is then priced like a fine-tune.
    """
    p = profile
    if logged_outputs is not None and logged_outputs < 0:
        raise InputError(f"logged_outputs must be 0 or more, got {logged_outputs}.")
    examples = int(a.distillation_examples)
    calls = max(0.0, a.distillation_examples - (logged_outputs or 0))
    items = one_time_cost(a, "fine_tuning", examples, p)
    items.pop("data_labeling", None)
    items["teacher_calls"] = calls * per_request_cost(a, "prompt_engineering", p)
    items["output_review"] = a.distillation_examples * a.distillation_review_share * label_cost(a, p)
    items["training_compute"] = a.training_runs * training_run_cost(a, a.distillation_examples, p)
    monthly = monthly_items(a, "fine_tuning", changes_often, p, examples)
    every = retrain_every(a, "fine_tuning", changes_often)
    if every > 0:
        one = a.retrain_engineering_usd + training_run_cost(a, a.distillation_examples, p)
        if p.regulated:
            one += a.model_validation_usd * a.revalidation_share
        monthly["retraining"] = one / every
    per_request = per_request_cost(a, "fine_tuning", p)
    return _assemble(
        a, items, monthly, per_request, per_request * monthly_requests, review_cost(a, monthly_requests, p)
    )


def _assemble(
    a: TcoAssumptions,
    items: dict[str, float],
    monthly: dict[str, float],
    per_request: float,
    usage: float,
    review: float,
) -> ApproachCost:
    fixed = sum(monthly.values())
    one_time = sum(items.values())
    return ApproachCost(
        one_time_usd=one_time,
        monthly_usd=fixed + usage + review,
        total_usd=one_time + a.horizon_months * (fixed + usage + review),
        per_request_usd=per_request,
        monthly_fixed_usd=fixed,
        monthly_usage_usd=usage,
        monthly_review_usd=review,
        one_time_items=items,
        monthly_items=monthly,
    )


def shape_crossover(
    a: TcoAssumptions,
    shape: str,
    *,
    labeled_examples: int | None = None,
    logged_outputs: int | None = None,
    changes_often: bool | None = None,
    profile: CaseProfile = NO_PROFILE,
) -> int | None:
    """The smallest monthly volume from which a cost shape (self_hosted, distillation) costs no more than prompting.

    Both totals are linear in volume except self-hosting's always-on GPUs (flat until the traffic needs more,
    then linear), so the difference is solved exactly on each of the two pieces; review costs the same for both
    and cancels. None if no volume gets there.
    """
    if shape not in SHAPES:
        raise InputError(f"Unknown cost shape {shape!r}; expected one of {', '.join(SHAPES)}.")
    p = profile
    if shape == "self_hosted":
        cost = self_hosted_cost(
            a, "fine_tuning", 0, labeled_examples=labeled_examples, changes_often=changes_often, profile=p
        )
    else:
        cost = distillation_cost(a, 0, logged_outputs=logged_outputs, changes_often=changes_often, profile=p)
    pe = _approach_cost(a, "prompt_engineering", 0, labeled_examples, changes_often, p)
    h = a.horizon_months
    # At volume 0 the shape's usage is its always-on floor (self-hosting's GPUs; 0 for distillation).
    floor, per, pe_per = cost.monthly_usage_usd, cost.per_request_usd, pe.per_request_usd
    fixed_gap = cost.one_time_usd - pe.one_time_usd + h * (cost.monthly_fixed_usd - pe.monthly_fixed_usd)
    if fixed_gap + h * floor <= 0:
        return 0
    room = math.inf if per == 0 else floor / per  # volume the floor already serves
    if pe_per > MIN_SAVING_USD:  # on the floor: only prompting's usage grows
        volume = (fixed_gap + h * floor) / (h * pe_per)
        if volume <= room:
            return max(0, math.ceil(round(volume, 6)))
    saving = pe_per - per
    if saving <= MIN_SAVING_USD or math.isinf(room):
        return None
    volume = max(room, fixed_gap / (h * saving))
    return max(0, math.ceil(round(volume, 6))) if math.isfinite(volume) else None


def same_model_comparison(
    a: TcoAssumptions,
    volume: int,
    labeled_examples: int | None,
    changes_often: bool | None,
    p: CaseProfile,
) -> SameModelComparison | None:
    """Prompting the tune model vs fine-tuning it at `volume`; None when the headline already compares them."""
    if low_latency(a, p) or price_basis(a).same_model:
        return None
    small = a.model_copy(
        update={"prompt_price_in_per_m": a.ft_base_price_in_per_m, "prompt_price_out_per_m": a.ft_base_price_out_per_m}
    )
    prompted = _approach_cost(small, "prompt_engineering", volume, labeled_examples, changes_often, p)
    tuned = _approach_cost(small, "fine_tuning", volume, labeled_examples, changes_often, p)
    return SameModelComparison(
        model=price_basis(a).tune_model,
        prompt_total_usd=prompted.total_usd,
        tuned_total_usd=tuned.total_usd,
        prompt_per_request_usd=prompted.per_request_usd,
        tuned_per_request_usd=tuned.per_request_usd,
    )


def horizon_label(months: float) -> str:
    """The cost horizon as an adjective: "3-year" for 36 months (whole years), otherwise "18-month"."""
    return f"{months / 12:g}-year" if months % 12 == 0 else f"{months:g}-month"


def _months(n: float) -> str:
    return f"{n:g} month" if n == 1 else f"{n:g} months"


def estimate(
    monthly_requests: int | None,
    *,
    labeled_examples: int | None = None,
    changes_often: bool | None = None,
    assumptions: TcoAssumptions | None = None,
    assumed_volume: int = ASSUMED_VOLUME,
    profile: CaseProfile | None = None,
) -> TcoEstimate:
    """Monthly and horizon cost of every approach, the crossover volumes and notes on what was assumed."""
    a = default_assumptions() if assumptions is None else assumptions
    p = NO_PROFILE if profile is None else profile
    volume_assumed = monthly_requests is None
    volume = assumed_volume if monthly_requests is None else monthly_requests
    approaches = approach_costs(a, volume, labeled_examples, changes_often, p)
    crossover = crossover_monthly_requests(
        a, "fine_tuning", labeled_examples=labeled_examples, changes_often=changes_often, profile=p
    )
    hybrid_crossover = crossover_monthly_requests(
        a, "hybrid", labeled_examples=labeled_examples, changes_often=changes_often, profile=p
    )
    shapes = {
        "self_hosted": self_hosted_cost(
            a, "fine_tuning", volume, labeled_examples=labeled_examples, changes_often=changes_often, profile=p
        ),
        "distillation": distillation_cost(a, volume, changes_often=changes_often, profile=p),
    }
    shape_crossovers = {
        shape: shape_crossover(a, shape, labeled_examples=labeled_examples, changes_often=changes_often, profile=p)
        for shape in SHAPES
    }
    if not all(_computable(cost) for cost in (*approaches.values(), *shapes.values())):
        raise InputError(
            "These assumptions make the costs too large to compute: check the token counts and prices set with "
            "--set or in the config file."
        )
    est = TcoEstimate(
        monthly_requests=volume,
        volume_assumed=volume_assumed,
        horizon_months=a.horizon_months,
        approaches=approaches,
        crossover_monthly_requests=crossover,
        hybrid_crossover_monthly_requests=hybrid_crossover,
        cheapest=min(APPROACHES, key=lambda approach: approaches[approach].total_usd),
        assumptions=a.model_dump(),
        notes=_notes(a, p, volume, volume_assumed, labeled_examples, changes_often),
        profile=p,
        rival=rival_of(changes_often, p),
        prices=price_basis(a),
        same_model=same_model_comparison(a, volume, labeled_examples, changes_often, p),
        shapes=shapes,
        shape_crossovers=shape_crossovers,
    )
    return est.model_copy(update={"notes": [*est.notes, crossover_statement(est)]})


def _computable(cost: ApproachCost) -> bool:
    # an assumption near float's limit ("1e308 tokens") overflows the sums to inf or nan
    return all(math.isfinite(v) for v in (cost.one_time_usd, cost.monthly_usd, cost.total_usd))


def approach_costs(
    a: TcoAssumptions, volume: int, labeled_examples: int | None, changes_often: bool | None, p: CaseProfile
) -> dict[str, ApproachCost]:
    """The cost of every approach at `volume` requests a month: what the decision weighs, without the crossovers,
    shapes and notes an estimate adds."""
    if volume < 0:
        raise InputError(f"The monthly request volume must be 0 or more, got {volume}.")
    return {
        approach: _approach_cost(a, approach, volume, labeled_examples, changes_often, p) for approach in APPROACHES
    }


def rival_of(changes_often: bool | None, p: CaseProfile) -> Literal["fine_tuning", "hybrid"]:
    """The tuned option prompting is compared with: the hybrid when part of the task changes (only its stable core
    is retrained) or needs fresh facts, or when a prompt in service would stay as a cascade's fallback;
    fine-tuning otherwise."""
    return "hybrid" if changes_often or p.knowledge_gap or p.hybrid_shape == "cascade" else "fine_tuning"


def _notes(
    a: TcoAssumptions,
    p: CaseProfile,
    volume: int,
    volume_assumed: bool,
    labeled_examples: int | None,
    changes_often: bool | None,
) -> list[str]:
    inp, out = request_tokens(a, p)
    notes: list[str] = []
    if volume_assumed:
        notes.append(f"Monthly volume unknown: assumed {format_volume(volume)} requests a month.")
    kind = f"{p.workload}, from the use case" if p.input_tokens is not None else "kind of work unknown"
    notes.append(
        f"Per request: ~{inp:,.0f} tokens in and {out:,.0f} out ({kind}); prompting adds "
        f"{a.few_shot_tokens:,.0f} tokens of instructions and examples, {a.cache_hit_rate:.0%} of them cached at "
        f"{a.cached_input_discount:.0%} off"
        + (f", and {a.retrieval_context_tokens:,.0f} retrieved tokens" if p.knowledge_gap else "")
        + "."
    )
    if batched(a, p):
        notes.append(f"Nobody waits for the answer: batch pricing ({a.batch_discount:.0%} off) on every approach.")
    if low_latency(a, p):
        notes.append(
            f"A p95 target of {p.latency_p95_ms:,} ms needs a small model on dedicated capacity "
            f"({format_usd(a.dedicated_hosting_monthly_usd)}/month): large prompted models do not answer that fast, so "
            "prompting is priced on the small base model, prompted, on the same dedicated capacity."
        )
    tier_price = format_usd(label_cost(a, p))
    if labeled_examples is None:
        full = a.min_training_examples * label_cost(a, p)
        notes.append(
            f"Labeled-data count unknown: no labeling cost included; labeling {format_volume(a.min_training_examples)} "
            f"examples from scratch at {tier_price} each ({p.label_tier} labels) would add {format_usd(full)}."
        )
    elif labeled_examples < a.min_training_examples:
        notes.append(f"Labels priced at {tier_price} each ({p.label_tier} tier).")
    ft_every = retrain_every(a, "fine_tuning", changes_often)
    cadence = f"every {_months(ft_every)}" if ft_every > 0 else "never"
    hybrid_every = retrain_every(a, "hybrid", changes_often)
    hybrid_cadence = f"every {_months(hybrid_every)}" if hybrid_every > 0 else "never"
    notes.append(f"Retraining: fine-tuning {cadence}, the hybrid's stable core {hybrid_cadence}.")
    if p.regulated:
        notes.append("Regulated: validation of the system (and re-validation at each retrain) included.")
    if p.hybrid_shape == "cascade":
        notes.append(
            f"The hybrid is priced as a cascade: every request goes to the small tuned model and "
            f"{a.cascade_fallback_share:.0%} go on to the large prompted model (paying for both calls)"
            + (
                f"; it learns from the prompted model's logged outputs, {a.distillation_review_share:.0%} of "
                f"{format_volume(a.distillation_examples)} checked by hand, instead of new labels."
                if p.distilled
                else "."
            )
        )
    notes.append(
        f"Self-hosting: {a.selfhost_min_gpus:g} GPUs always on at {format_usd(a.selfhost_gpu_hourly_usd)}/GPU-hour,"
        f" {a.selfhost_gpu_tokens_per_second:,.0f} output tokens/s per GPU at {a.selfhost_utilisation:.0%} busy,"
        f" {format_usd(a.selfhost_upkeep_monthly_usd)}/month platform upkeep; distillation: "
        f"{format_volume(a.distillation_examples)} teacher outputs, {a.distillation_review_share:.0%} checked by hand."
    )
    notes.append(
        "All figures are estimates from explicit, dated assumptions (`ai-advisor tco --explain`); "
        "a config file or flags override them."
    )
    return notes


def assumptions_of(est: TcoEstimate) -> TcoAssumptions:
    """The assumptions an estimate was computed with; names it predates (an older stored estimate) take the
    current defaults, and names since retired are dropped."""
    return _assumptions_from(tuple(est.assumptions.items()))


@lru_cache(maxsize=64)
def _assumptions_from(items: tuple[tuple[str, float], ...]) -> TcoAssumptions:
    # Memoised (the result is frozen): building the model is most of the cost, and a card reads the same
    # estimate's assumptions several times (its risks, next steps, cost lines and sources).
    names = _assumption_names()
    known = {k: v for k, v in items if k in names}
    return TcoAssumptions.model_construct(None, **{**_default_values(), **known})


@lru_cache(maxsize=1)
def _assumption_names() -> frozenset[str]:
    # `TcoAssumptions.model_fields` is a property that builds its answer on every access: once per key above, it
    # was most of what reading an estimate's assumptions cost (a card reads them several times).
    return frozenset(TcoAssumptions.model_fields)


@lru_cache(maxsize=1)
def _default_values() -> Mapping[str, Any]:
    """The defaults as plain values (read-only): a card reads an estimate's assumptions several times."""
    return MappingProxyType(default_assumptions().model_dump())


RIVAL_NAMES = {"fine_tuning": "fine-tuning", "hybrid": "the hybrid"}


class CrossoverView(BaseModel):
    """The one crossover a card states: which tuned approach, from what volume, and where the case sits."""

    model_config = ConfigDict(frozen=True)

    rival: Literal["fine_tuning", "hybrid"]
    volume: int | None
    monthly_requests: int
    position: Position


def crossover_view(est: TcoEstimate) -> CrossoverView:
    """The estimate's one crossover: prompting vs `est.rival`, and whether the volume is below, near or above it.

    "near" is below the crossover but at half of it or more; at or above it is always "above".
    """
    x = est.crossover_monthly_requests if est.rival == "fine_tuning" else est.hybrid_crossover_monthly_requests
    v = est.monthly_requests
    position: Position
    if x is None:
        position = "never"
    elif est.volume_assumed:
        position = "unknown"
    elif v >= x:
        position = "above"
    elif v >= x / 2:
        position = "near"
    else:
        position = "below"
    return CrossoverView(rival=est.rival, volume=x, monthly_requests=v, position=position)


def crossover_statement(est: TcoEstimate) -> str:
    """The card's one sentence about the crossover; every other mention of it uses `crossover_view`'s volume."""
    view = crossover_view(est)
    name = RIVAL_NAMES[view.rival]
    x = "" if view.volume is None else format_volume(view.volume)
    v = format_volume(view.monthly_requests)
    return {
        "never": f"Crossover: none, {name} never becomes cheaper than prompting per request at these prices.",
        "unknown": f"Crossover: {name} pays off above ~{x} requests/month (your volume is unknown).",
        "below": f"Crossover: {name} only pays off above ~{x} requests/month; {v} is well below it.",
        "near": f"Crossover: {name} only pays off above ~{x} requests/month; at {v} you are near it.",
        "above": f"Crossover: {name} is cheaper above ~{x} requests/month; at {v} you are above it.",
    }[view.position]


def models_line(est: TcoEstimate) -> str:
    """Which comparison the headline uses and why, and the second one (same model) when it differs."""
    basis = basis_of(est)
    if est.same_model is None:
        reason = (
            "a tight latency target leaves only the small model, prompted or tuned"
            if low_latency(assumptions_of(est), est.profile)
            else "both use the same model"
        )
        return f"The figures compare prompting and fine-tuning {basis.tune_model} ({reason})."
    same = est.same_model
    months = f"{est.horizon_months:g} months"
    if same.tuned_total_usd < same.prompt_total_usd:
        verdict = "fine-tuning it is still cheaper at your volume"
    elif same.tuned_per_request_usd >= same.prompt_per_request_usd:
        verdict = "fine-tuning the same model never saves money per request"
    else:
        verdict = "fine-tuning it costs more at your volume"
    a = assumptions_of(est)
    larger = a.prompt_price_in_per_m + a.prompt_price_out_per_m > a.ft_base_price_in_per_m + a.ft_base_price_out_per_m
    why = (
        "because a small model usually needs tuning to match a large one on a narrow task"
        if larger
        else "the models chosen for this estimate"
    )
    return (
        f"Headline: prompting {basis.prompt_model} vs a tuned {basis.tune_model}, {why}. "
        f"If {same.model} prompted already meets your quality "
        f"bar: {format_usd(same.prompt_total_usd)} prompted vs {format_usd(same.tuned_total_usd)} fine-tuned over "
        f"{months}; {verdict}."
    )


SHAPE_NAMES = {"self_hosted": "Self-hosted", "distillation": "Distillation"}


def shape_label(est: TcoEstimate, shape: str) -> str:
    """What a cost shape is, with its models: "self-hosted llama-3.1-8b, fine-tuned"."""
    b = basis_of(est)
    if shape == "self_hosted":
        return f"self-hosted {dated(b.self_host_model, b.self_host_as_of)}, fine-tuned on your GPUs"
    return f"distillation: {b.prompt_model} labels, fine-tuned {b.tune_model} serves"


def shapes_line(est: TcoEstimate) -> str:
    """The other cost shapes at the estimate's volume, each with its own crossover against prompting."""
    parts = []
    for shape, cost in est.shapes.items():
        x = est.shape_crossovers.get(shape)
        pays = f"below prompting from ~{format_volume(x)}/month" if x is not None else "never below prompting"
        parts.append(f"{shape_label(est, shape)}: {format_usd(cost.total_usd)} ({pays})")
    horizon = f"{est.horizon_months:g} months"
    return f"Other cost shapes over {horizon}: " + "; ".join(parts) + "." if parts else ""


def cost_sentence(est: TcoEstimate, rival: str = "fine_tuning") -> str:
    """Prompting vs `rival` in words, from the totals; it states the card's one crossover only for `est.rival`."""
    name = RIVAL_NAMES[rival]
    pe, ft = est.approaches["prompt_engineering"].total_usd, est.approaches[rival].total_usd
    volume = format_volume(est.monthly_requests) + (" (assumed)" if est.volume_assumed else "")
    months = f"{est.horizon_months:g} months"
    if ft < pe:
        compare = f"{name} costs {format_usd(ft)} over {months} vs {format_usd(pe)} for prompting"
    elif ft > pe:
        compare = f"prompting costs {format_usd(pe)} over {months} vs {format_usd(ft)} for {name}"
    else:
        compare = f"prompting and {name} both cost {format_usd(pe)} over {months}"
    if rival != est.rival:
        return f"At {volume} requests/month, {compare}."
    return f"At {volume} requests/month, {compare}; {crossover_statement(est).removeprefix('Crossover: ')}"


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
