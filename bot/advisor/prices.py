"""Model price presets (`model_prices.yaml`): dated list prices of API and open-weight models, as TCO assumptions.

A preset is a named set of TCO assumption values: `--prompt-model` sets the prompting (and distillation teacher)
prices, `--tune-model` the tuned model's and its training price, `--self-host-model` the GPU hosting figures.
`price_basis` reads the names back from the assumptions, so a card can say which models its figures are for.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from bot.errors import InputError
from bot.resources import load_yaml

if TYPE_CHECKING:
    from bot.advisor.tco import TcoAssumptions

PRICES_PATH = Path(__file__).with_name("model_prices.yaml")
CUSTOM = "a custom model"  # prices that match no preset (set with --set or a config file)
REDUNDANT_REPLICAS = 2  # one replica down for patching or failure must not stop the service


class FineTuningOffer(BaseModel):
    """Hosted fine-tuning of an API model: its prices and whether new tuning jobs are still offered."""

    model_config = ConfigDict(frozen=True)

    training_per_m: float = Field(ge=0)
    tuned_input_per_m: float = Field(ge=0)
    tuned_output_per_m: float = Field(ge=0)
    price_as_of: str
    price_source: str
    price_url: str = ""
    offered: bool
    offered_note: str
    as_of: str
    source: str
    url: str = ""


class ApiModel(BaseModel):
    """A model called through a provider's API, priced per token."""

    model_config = ConfigDict(frozen=True)

    name: str
    provider: str
    input_per_m: float = Field(ge=0)
    output_per_m: float = Field(ge=0)
    as_of: str
    source: str
    url: str = ""
    note: str = ""
    fine_tuning: FineTuningOffer | None = None


class OpenWeightModel(BaseModel):
    """An open-weight model served on your own (or rented) GPUs."""

    model_config = ConfigDict(frozen=True)

    name: str
    provider: str
    gpu: str
    gpus_per_replica: int = Field(ge=1)
    output_tokens_per_second: float = Field(gt=0, description="Per replica, at full load.")
    gpu_hourly_usd: float = Field(ge=0)
    as_of: str
    source: str
    url: str = ""
    throughput_url: str = ""
    note: str = ""


class PriceBook(BaseModel):
    """Every preset, and which ones the defaults use."""

    model_config = ConfigDict(frozen=True)

    api: dict[str, ApiModel]
    open_weight: dict[str, OpenWeightModel]
    default_prompt_model: str
    default_tune_model: str
    default_self_host_model: str


class PriceBasis(BaseModel):
    """The models behind an estimate's figures and the dates of their prices (CUSTOM and "" when overridden)."""

    model_config = ConfigDict(frozen=True)

    prompt_model: str
    prompt_as_of: str
    tune_model: str
    tune_as_of: str
    self_host_model: str
    self_host_as_of: str
    same_model: bool = Field(description="True when prompting and fine-tuning use the same base model.")


@lru_cache(maxsize=1)
def price_book() -> PriceBook:
    """The presets shipped in model_prices.yaml."""
    raw = load_yaml(PRICES_PATH.read_text(encoding="utf-8"))
    book = PriceBook(
        api={name: ApiModel(name=name, **entry) for name, entry in raw["api_models"].items()},
        open_weight={name: OpenWeightModel(name=name, **entry) for name, entry in raw["open_weight_models"].items()},
        default_prompt_model=raw["defaults"]["prompt_model"],
        default_tune_model=raw["defaults"]["tune_model"],
        default_self_host_model=raw["defaults"]["self_host_model"],
    )
    if book.api[book.default_tune_model].fine_tuning is None:
        raise RuntimeError(f"{PRICES_PATH.name}: the default tune model must offer fine-tuning")
    if book.default_self_host_model not in book.open_weight:
        raise RuntimeError(f"{PRICES_PATH.name}: unknown default self-host model")
    return book


def _unknown(kind: str, name: str, valid: list[str]) -> InputError:
    return InputError(f"Unknown {kind} {name!r}. Valid: {', '.join(valid)} (see `ai-advisor tco --list-models`).")


def prompt_model(name: str) -> ApiModel:
    """An API model to prompt (or to use as a distillation teacher); InputError lists the valid names."""
    book = price_book()
    if name not in book.api:
        raise _unknown("prompt model", name, sorted(book.api))
    return book.api[name]


def tune_model(name: str) -> ApiModel:
    """An API model with hosted fine-tuning; InputError lists the valid names."""
    book = price_book()
    tunable = sorted(n for n, m in book.api.items() if m.fine_tuning is not None)
    if name not in tunable:
        raise _unknown("tune model", name, tunable)
    return book.api[name]


def self_host_model(name: str) -> OpenWeightModel:
    """An open-weight model to self-host; InputError lists the valid names."""
    book = price_book()
    if name not in book.open_weight:
        raise _unknown("self-host model", name, sorted(book.open_weight))
    return book.open_weight[name]


def preset_values(prompt: str | None = None, tune: str | None = None, self_host: str | None = None) -> dict[str, float]:
    """The TCO assumption values the named presets set (none for a name not given)."""
    values: dict[str, float] = {}
    if prompt is not None:
        m = prompt_model(prompt)
        values |= {"prompt_price_in_per_m": m.input_per_m, "prompt_price_out_per_m": m.output_per_m}
    if tune is not None:
        m = tune_model(tune)
        ft = m.fine_tuning
        assert ft is not None  # tune_model() only returns tunable models
        values |= {
            "ft_base_price_in_per_m": m.input_per_m,
            "ft_base_price_out_per_m": m.output_per_m,
            "ft_price_premium": ft.tuned_input_per_m / m.input_per_m if m.input_per_m else 1.0,
            "ft_training_price_per_m": ft.training_per_m,
        }
    if self_host is not None:
        o = self_host_model(self_host)
        values |= {
            "selfhost_gpu_hourly_usd": o.gpu_hourly_usd,
            "selfhost_gpu_tokens_per_second": o.output_tokens_per_second / o.gpus_per_replica,
            "selfhost_min_gpus": float(REDUNDANT_REPLICAS * o.gpus_per_replica),
        }
    return values


def _close(x: float, y: float) -> bool:
    return abs(x - y) <= 1e-9 * max(1.0, abs(x), abs(y))


def _matches(a: TcoAssumptions, values: dict[str, float]) -> bool:
    used = a.model_dump()
    return all(_close(used[name], value) for name, value in values.items())


@lru_cache(maxsize=256)
def price_basis(a: TcoAssumptions) -> PriceBasis:
    """Which presets the assumptions' prices are (defaults first), or CUSTOM with no date where they match none."""
    book = price_book()
    custom = (CUSTOM, "")

    def find(kind: str, names: list[str], default: str) -> tuple[str, str]:
        for name in [default, *(n for n in names if n != default)]:
            if _matches(a, preset_values(**{kind: name})):
                if kind == "self_host":
                    return name, book.open_weight[name].as_of
                model = book.api[name]
                as_of = model.fine_tuning.price_as_of if kind == "tune" and model.fine_tuning else model.as_of
                return name, as_of
        return custom

    tunable = [n for n, m in book.api.items() if m.fine_tuning is not None]
    prompt, prompt_date = find("prompt", list(book.api), book.default_prompt_model)
    tune, tune_date = find("tune", tunable, book.default_tune_model)
    host, host_date = find("self_host", list(book.open_weight), book.default_self_host_model)
    same = _close(a.prompt_price_in_per_m, a.ft_base_price_in_per_m) and _close(
        a.prompt_price_out_per_m, a.ft_base_price_out_per_m
    )
    return PriceBasis(
        prompt_model=prompt,
        prompt_as_of=prompt_date,
        tune_model=tune,
        tune_as_of=tune_date,
        self_host_model=host,
        self_host_as_of=host_date,
        same_model=same,
    )


class ModelRow(BaseModel):
    """One line of `tco --list-models`."""

    model_config = ConfigDict(defer_build=True)  # only `tco --list-models` builds its validator (issue #17)

    name: str
    kind: str
    provider: str
    prices: str
    fine_tuning: str
    as_of: str
    source: str
    url: str


def model_rows() -> list[ModelRow]:
    """Every preset as a table row: prices, whether fine-tuning is offered (and as of when), date and source."""
    book = price_book()
    rows = []
    for m in book.api.values():
        ft = m.fine_tuning
        tuning = "not offered"
        if ft is not None:
            closed = ft.offered_note.split(";")[0].rstrip(".")
            status = "offered" if ft.offered else f"winding down: {closed[:1].lower()}{closed[1:]}"
            tuning = (
                f"train ${ft.training_per_m:g}/M, tuned ${ft.tuned_input_per_m:g}/${ft.tuned_output_per_m:g} "
                f"({ft.price_as_of}); {status}, as of {ft.as_of}"
            )
        rows.append(
            ModelRow(
                name=m.name,
                kind="api",
                provider=m.provider,
                prices=f"${m.input_per_m:g}/${m.output_per_m:g} per M in/out",
                fine_tuning=tuning,
                as_of=m.as_of,
                source=m.source + (f" {m.note}" if m.note else ""),
                url=m.url,
            )
        )
    for o in book.open_weight.values():
        rows.append(
            ModelRow(
                name=o.name,
                kind="open-weight",
                provider=o.provider,
                prices=(
                    f"{o.gpus_per_replica}x {o.gpu} at ${o.gpu_hourly_usd:g}/GPU-hour, "
                    f"~{o.output_tokens_per_second:,.0f} output tokens/s per replica"
                ),
                fine_tuning="self-hosted (LoRA or full tuning on your GPUs)",
                as_of=o.as_of,
                source=" ".join(o.source.split()),
                url=o.url,
            )
        )
    return rows
