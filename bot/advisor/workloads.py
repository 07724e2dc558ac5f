"""Per-request token profiles: what kind of work the use case describes, and how many tokens it moves."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.resources import load_yaml

LabelTier = Literal["general", "skilled", "expert"]
WORKLOADS_PATH = Path(__file__).with_name("workloads.yaml")


class Workload(BaseModel):
    """A kind of work: the cue words that name it, its tokens per request and who labels it."""

    model_config = ConfigDict(frozen=True)

    name: str
    cues: tuple[str, ...] = ()
    input: float = Field(ge=0, description="Input tokens the request itself carries.")
    output: float = Field(ge=0, description="Output tokens per request.")
    label_tier: LabelTier = "skilled"


@lru_cache(maxsize=1)
def workloads() -> tuple[Workload, ...]:
    """The profiles from workloads.yaml, in file order."""
    raw = load_yaml(WORKLOADS_PATH.read_text(encoding="utf-8"))
    return tuple(Workload.model_validate(item) for item in raw)


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[Workload, re.Pattern[str]], ...]:
    return tuple(
        (w, re.compile(r"\b(?:" + "|".join(re.escape(c) for c in w.cues) + ")", re.IGNORECASE)) for w in workloads()
    )


@lru_cache(maxsize=1024)
def classify(use_case: str | None) -> Workload | None:
    """The profile whose cue appears earliest in `use_case` (ties: the first listed); None when none matches."""
    if not use_case:
        return None
    best: tuple[int, int, Workload] | None = None
    for order, (workload, pattern) in enumerate(_patterns()):
        found = pattern.search(use_case)
        if found and (best is None or (found.start(), order) < best[:2]):
            best = (found.start(), order, workload)
    return best[2] if best else None
