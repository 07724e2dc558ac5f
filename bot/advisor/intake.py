"""The intake: the facts the advisor needs, grouped by the six steps, each with where it came from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.errors import InputError

Needs = Literal["deep_domain", "broad_flexibility"]
Priority = Literal["speed", "cost", "accuracy", "adaptability"]
DataQuality = Literal["high", "mixed", "poor"]
Expertise = Literal["none", "limited", "strong"]
Approach = Literal["prompt_engineering", "fine_tuning", "hybrid"]
APPROACHES: tuple[Approach, ...] = ("prompt_engineering", "fine_tuning", "hybrid")

# Upper bounds that keep absurd numbers ("10^30 requests") out of the arithmetic.
MAX_EXAMPLES = 10**10
MAX_REQUESTS = 10**11
MAX_BUDGET = 10**11
MAX_WEEKS = 520
MAX_LATENCY_MS = 7 * 24 * 3600 * 1000  # a week: beyond it, latency no longer constrains anything


class IntakeValues(BaseModel):
    """The intake's values. Every field may be unknown (None); names and value sets are a public contract."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    # Step 1: business objective
    use_case: str | None = Field(default=None, max_length=500)
    mission_critical: bool | None = None
    needs: Needs | None = None
    priority: Priority | None = None
    # Step 2: data availability and quality
    labeled_examples: int | None = Field(default=None, ge=0, le=MAX_EXAMPLES)
    data_quality: DataQuality | None = None
    # Step 3: budget and 3-year TCO
    monthly_requests: int | None = Field(default=None, ge=0, le=MAX_REQUESTS)
    budget_usd: float | None = Field(default=None, ge=0, le=MAX_BUDGET)
    # Step 4: time-to-value
    deadline_weeks: float | None = Field(default=None, ge=0, le=MAX_WEEKS)
    # Step 5: internal expertise
    ml_expertise: Expertise | None = None
    # Step 6: regulatory and ethical requirements
    regulated: bool | None = None
    industry: str | None = Field(default=None, max_length=100)
    sensitive_data: bool | None = None
    # Cross-cutting: how fast the task or its knowledge changes, and what kind of gap the model has.
    changes_often: bool | None = None
    knowledge_gap: bool | None = None
    behavior_gap: bool | None = None
    has_fine_tuned_model: bool | None = None
    # Step 1 (a requirement of the objective): the p95 response-time target, in milliseconds.
    latency_p95_ms: int | None = Field(default=None, ge=1, le=MAX_LATENCY_MS)
    # Today's options beyond the brief (issue 19); additive: older intakes simply leave them unknown.
    # Step 6: the data must stay on the team's own infrastructure (residency or a self-hosting rule).
    self_hosting: bool | None = None
    # Step 2: outputs of a model already in use that people reviewed or that are logged, and how many.
    reviewed_outputs: bool | None = None
    reviewed_output_count: int | None = Field(default=None, ge=0, le=MAX_EXAMPLES)
    # Step 6: personal data of people in the EU (GDPR applies, and the EU AI Act).
    eu_personal_data: bool | None = None
    # Step 1: a prompt already works in production (a baseline, a distillation teacher, a fallback for routing).
    prompt_in_production: bool | None = None
    # Step 3: the running bill is a pressure (not only a priority named for the project).
    cost_pressure: bool | None = None


FIELDS: tuple[str, ...] = tuple(IntakeValues.model_fields)

STEP_NAMES: dict[int, str] = {
    1: "Business objective",
    2: "Data availability and quality",
    3: "Budget and 3-year TCO",
    4: "Time-to-value",
    5: "Internal expertise",
    6: "Regulatory and ethical requirements",
}

FIELD_STEP: dict[str, int] = {
    "use_case": 1,
    "mission_critical": 1,
    "needs": 1,
    "priority": 1,
    "changes_often": 1,
    "knowledge_gap": 1,
    "behavior_gap": 1,
    "has_fine_tuned_model": 5,
    "latency_p95_ms": 1,
    "prompt_in_production": 1,
    "labeled_examples": 2,
    "reviewed_outputs": 2,
    "reviewed_output_count": 2,
    "data_quality": 2,
    "monthly_requests": 3,
    "budget_usd": 3,
    "cost_pressure": 3,
    "deadline_weeks": 4,
    "ml_expertise": 5,
    "regulated": 6,
    "industry": 6,
    "sensitive_data": 6,
    "self_hosting": 6,
    "eu_personal_data": 6,
}

FIELD_LABELS: dict[str, str] = {
    "use_case": "Use case",
    "mission_critical": "Mission-critical",
    "needs": "Needs",
    "priority": "Priority",
    "labeled_examples": "Labeled examples",
    "data_quality": "Data quality",
    "monthly_requests": "Requests per month",
    "budget_usd": "Budget (USD)",
    "deadline_weeks": "Deadline (weeks)",
    "ml_expertise": "ML expertise",
    "regulated": "Regulated",
    "industry": "Industry",
    "sensitive_data": "Sensitive data",
    "changes_often": "Changes often",
    "knowledge_gap": "Needs fresh or proprietary facts",
    "behavior_gap": "Needs consistent format or skill",
    "has_fine_tuned_model": "Already has a fine-tuned model",
    "latency_p95_ms": "p95 latency target (ms)",
    "self_hosting": "Must run on own infrastructure",
    "reviewed_outputs": "Has reviewed or logged model outputs",
    "reviewed_output_count": "Reviewed model outputs",
    "prompt_in_production": "A prompt already works in production",
    "cost_pressure": "Running cost is a pressure",
    "eu_personal_data": "Personal data of people in the EU",
}


class Provenance(BaseModel):
    """Where a fact came from: a message (turn number and the words that said it), a user edit, or a default."""

    model_config = ConfigDict(frozen=True)

    source: Literal["message", "edit", "llm", "default"]
    turn: int | None = None
    quote: str | None = Field(default=None, max_length=200)


@dataclass(frozen=True)
class Fact:
    """One extracted value with its provenance."""

    field: str
    value: Any
    provenance: Provenance


class Intake(BaseModel):
    """Values plus the provenance of each known value."""

    values: IntakeValues = Field(default_factory=IntakeValues)
    provenance: dict[str, Provenance] = Field(default_factory=dict)

    def known(self) -> dict[str, Any]:
        """The fields whose value is known."""
        return {k: v for k, v in self.values.model_dump().items() if v is not None}

    def missing(self) -> list[str]:
        """Names of fields still unknown."""
        return [k for k, v in self.values.model_dump().items() if v is None]

    def merged(self, facts: list[Fact]) -> Intake:
        """A new intake with `facts` applied in order; later facts override earlier ones."""
        data = self.values.model_dump()
        provenance = dict(self.provenance)
        for fact in facts:
            data[fact.field] = fact.value
            provenance[fact.field] = fact.provenance
        return Intake(values=validate_values(data), provenance=provenance)

    def with_values(self, **values: Any) -> Intake:
        """A copy with some values replaced (provenance: default); used for what-if analysis."""
        return self.model_copy(update={"values": self.values.model_copy(update=values)})


def validate_values(data: dict[str, Any]) -> IntakeValues:
    """Validate raw values, turning pydantic's error into a readable `InputError`."""
    try:
        return IntakeValues.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "intake"
            label = FIELD_LABELS.get(where, where)
            problems.append(f"{label}: {err['msg']}")
        raise InputError("; ".join(problems)) from None
