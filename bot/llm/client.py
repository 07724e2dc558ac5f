"""Optional LLM mode: structured extraction and grounded wording through LangChain, falling back to offline.

The model never decides the approach: it only proposes intake facts (merged by explicit rules with the offline
extractor's) and rewords text produced from the engine's result. Every failure answers offline.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
import json
import logging
import math
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, Field, ValidationError

from bot import metrics
from bot.advisor import engine, tco, techniques
from bot.advisor.extract import Extraction
from bot.advisor.intake import FIELD_LABELS, Fact, Intake, IntakeValues, Provenance
from bot.config import Settings
from bot.errors import InputError
from bot.llm.grounding import UserText, numbers_in, stated_number, ungrounded_numbers
from bot.llm.templates import Template, load_all
from bot.redact import KINDS, parse_kinds, redact

if TYPE_CHECKING:  # LangChain loads with the first template (bot.llm.templates), not with this module
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage
    from langchain_core.runnables import Runnable

log = logging.getLogger(__name__)

MAX_CALLS_PER_TURN = 2  # extraction + one piece of wording per user message
MAX_QUESTION = 2000  # characters of a knowledge question sent to the model
NUMERIC_FIELDS = ("labeled_examples", "monthly_requests", "budget_usd", "deadline_weeks", "reviewed_output_count")
ALLOWED_VALUES = {
    "needs": ["deep_domain", "broad_flexibility"],
    "priority": ["speed", "cost", "accuracy", "adaptability"],
    "data_quality": ["high", "mixed", "poor"],
    "ml_expertise": ["none", "limited", "strong"],
}
_DELIMITED = re.compile(r"<(/?)\s*(user_message|facts|question|offline_verdict)\b", re.I)


class IntakeDraft(BaseModel):
    """Intake fields as the model proposes them, with the user's words behind each; each is checked before use."""

    use_case: str | None = Field(default=None, description="What the AI feature does, in a short phrase.")
    mission_critical: bool | None = None
    needs: str | None = Field(default=None, description="deep_domain or broad_flexibility")
    priority: str | None = Field(default=None, description="speed, cost, accuracy or adaptability")
    labeled_examples: int | None = Field(default=None, description="Labeled examples the team has, as stated.")
    data_quality: str | None = Field(default=None, description="high, mixed or poor")
    monthly_requests: int | None = Field(default=None, description="Requests per month once live, as stated.")
    budget_usd: float | None = Field(default=None, description="Budget in US dollars, as stated.")
    deadline_weeks: float | None = Field(default=None, description="Weeks until it must be live, as stated.")
    ml_expertise: str | None = Field(default=None, description="none, limited or strong")
    regulated: bool | None = None
    industry: str | None = None
    sensitive_data: bool | None = None
    changes_often: bool | None = None
    knowledge_gap: bool | None = None
    behavior_gap: bool | None = None
    has_fine_tuned_model: bool | None = None
    self_hosting: bool | None = Field(
        default=None, description="True if data must stay on their own infrastructure (on-prem, own GPUs, residency)."
    )
    reviewed_outputs: bool | None = Field(
        default=None, description="True if outputs of a model they already use are logged or reviewed by people."
    )
    reviewed_output_count: int | None = Field(
        default=None, description="How many reviewed or logged model outputs they have, as stated (not labels)."
    )
    prompt_in_production: bool | None = Field(
        default=None, description="True if a prompted model already does this task in production."
    )
    cost_pressure: bool | None = Field(
        default=None, description="True if the running bill or per-request cost is a stated pressure."
    )
    eu_personal_data: bool | None = Field(
        default=None, description="True if it handles personal data of people in the EU."
    )
    # One map rather than a {value, evidence} object per field: the tool schema stays a third of the size.
    evidence: dict[str, str] = Field(
        default_factory=dict,
        description=("For every field filled above, its name -> the user's words that state it, copied exactly."),
    )


@functools.cache
def _schema_tokens() -> int:
    """Estimated tokens of the extraction tool's schema as it is sent (LangChain's OpenAI tool form)."""
    from langchain_core.utils.function_calling import convert_to_openai_tool

    return estimate_tokens(json.dumps(convert_to_openai_tool(IntakeDraft)))


class LlmUnavailable(Exception):
    """The model was not called or did not give a usable answer; the caller answers offline."""


@dataclass
class TurnUsage:
    """Model calls, estimated tokens and templates used while handling one user message."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    failures: int = 0
    templates: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, int]:
        """The counts recorded on a recommendation."""
        return {
            "calls": self.calls,
            "prompt_tokens_est": self.prompt_tokens,
            "completion_tokens_est": self.completion_tokens,
            "failures": self.failures,
        }


_TURN: contextvars.ContextVar[TurnUsage | None] = contextvars.ContextVar("llm_turn", default=None)


def estimate_tokens(text: str) -> int:
    """Tokens estimated as characters / 4 (no tokenizer files, nothing downloaded)."""
    return math.ceil(len(text) / 4)


class CircuitBreaker:
    """Stops calling a failing provider: opens after `failures` in a row, retries after `cooldown` seconds."""

    def __init__(self, failures: int = 3, cooldown: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.threshold = failures
        self.cooldown = cooldown
        self.clock = clock
        self.failures = 0
        self.opened_at: float | None = None
        self._lock = threading.Lock()

    def allow(self) -> bool:
        """Whether a call may be made now (an open breaker lets one trial call through after the cooldown)."""
        with self._lock:
            return self.opened_at is None or self.clock() - self.opened_at >= self.cooldown

    def success(self) -> None:
        """Record a good call; closes the breaker."""
        with self._lock:
            self.failures, self.opened_at = 0, None

    def failure(self) -> None:
        """Record a failed call; opens (or re-opens) the breaker at the threshold."""
        with self._lock:
            self.failures += 1
            if self.failures >= self.threshold:
                self.opened_at = self.clock()


class BudgetStore(Protocol):
    """Where the daily budget is counted (`bot.storage.store.Store`), so restarts and other processes share it."""

    def take_llm_call(self, day: str, limit: int) -> bool: ...

    def add_llm_tokens(self, day: str, tokens: int) -> None: ...

    def llm_calls(self, day: str) -> dict[str, int]: ...


def utc_today() -> dt.date:
    """Today's date in UTC (the budget's day)."""
    return dt.datetime.now(dt.UTC).date()


class DailyBudget:
    """Caps model calls per UTC day: counted in the store when one is given, otherwise in this process only."""

    def __init__(self, limit: int, today: Callable[[], dt.date] = utc_today, store: BudgetStore | None = None) -> None:
        self.limit = limit
        self.today = today
        self.store = store
        self.day: dt.date | None = None
        self.calls = 0
        self.tokens = 0
        self._lock = threading.Lock()

    def _roll(self) -> dt.date:
        day = self.today()
        if day != self.day:
            self.day, self.calls, self.tokens = day, 0, 0
        return day

    def take(self) -> bool:
        """Use one call from today's budget; False when it is spent (or cannot be counted)."""
        with self._lock:
            day = self._roll()
            if self.store is not None:
                try:
                    return self.store.take_llm_call(day.isoformat(), self.limit)
                except sqlite3.Error as exc:
                    # Fail closed: a call we cannot count could break the cap.
                    log.warning("LLM budget not counted (%s); answering offline", exc)
                    return False
            if self.calls >= self.limit:
                return False
            self.calls += 1
            return True

    def add_tokens(self, tokens: int) -> None:
        """Add estimated tokens to today's count."""
        with self._lock:
            day = self._roll()
            if self.store is None:
                self.tokens += tokens
                return
            try:
                self.store.add_llm_tokens(day.isoformat(), tokens)
            except sqlite3.Error as exc:
                log.warning("LLM tokens not counted: %s", exc)

    def used(self) -> dict[str, int]:
        """Today's calls and estimated tokens."""
        with self._lock:
            day = self._roll()
            if self.store is not None:
                return self.store.llm_calls(day.isoformat())
            return {"calls": self.calls, "tokens": self.tokens}


# --- output checks --------------------------------------------------------------------------------------------


def _shingles(text: str, n: int = 8) -> set[str]:
    words = re.findall(r"[a-z0-9']+", text.lower())
    return {" ".join(words[i : i + n]) for i in range(max(0, len(words) - n + 1))}


def leaks_template(output: str, template: Template) -> bool:
    """Whether `output` repeats a run of 8 words from the template's system message."""
    return bool(_shingles(output) & _shingles(template.system))


def data(text: str) -> str:
    """User text made safe to place between delimiters: any delimiter tag inside it is neutralised."""
    return _DELIMITED.sub(lambda m: f"‹{m.group(1)}{m.group(2)}", text)


# --- the client -----------------------------------------------------------------------------------------------


@dataclass
class Written:
    """Text for the user, whether the model wrote it, and the templates it used (name -> sha256)."""

    text: str
    wording: str
    templates: dict[str, str]


class LlmClient:
    """Calls a LangChain chat model with redaction, a per-turn cap, a daily budget and a circuit breaker."""

    def __init__(
        self,
        model: BaseChatModel,
        *,
        redact_kinds: tuple[str, ...] = KINDS,
        daily_calls: int = 2000,
        retries: int = 0,
        breaker: CircuitBreaker | None = None,
        templates: dict[str, Template] | None = None,
        store: BudgetStore | None = None,
    ) -> None:
        self.model = model
        self.redact_kinds = redact_kinds
        self.budget = DailyBudget(daily_calls, store=store)
        self.retries = retries
        self.breaker = breaker or CircuitBreaker()
        self.templates = templates or load_all()
        self._structured: Runnable[Any, Any] | None = None

    @classmethod
    def from_settings(cls, settings: Settings, store: BudgetStore | None = None) -> LlmClient | None:
        """The client the settings describe, or None (offline mode) when no model is configured.

        With a `store`, the daily call budget is counted in its database and so survives restarts.
        """
        if not settings.llm_enabled:
            return None
        try:
            redact_kinds = parse_kinds(settings.advisor_llm_redact)
        except ValueError as exc:
            raise InputError(f"invalid setting: ADVISOR_LLM_REDACT: {exc}") from None
        model: BaseChatModel
        if settings.azure_enabled:
            from langchain_openai import AzureChatOpenAI

            model = AzureChatOpenAI(
                azure_endpoint=settings.azure_openai_endpoint,
                api_key=settings.azure_openai_api_key,
                azure_deployment=settings.azure_openai_deployment or settings.advisor_llm_model,
                api_version=settings.openai_api_version,
                timeout=settings.advisor_llm_timeout,
                max_retries=0,
            )
        else:
            from langchain_openai import ChatOpenAI
            from pydantic import SecretStr

            # A local OpenAI-compatible server usually needs no key, but the client insists on one.
            key = settings.openai_api_key or SecretStr("not-needed")
            model = ChatOpenAI(
                model=settings.advisor_llm_model,
                api_key=key,
                base_url=settings.openai_base_url,
                timeout=settings.advisor_llm_timeout,
                max_retries=0,  # our own retries, so the breaker and the per-turn cap see every attempt
            )
        return cls(
            model,
            redact_kinds=redact_kinds,
            daily_calls=settings.advisor_llm_daily_calls,
            retries=settings.advisor_llm_retries,
            breaker=CircuitBreaker(settings.advisor_llm_breaker_failures, settings.advisor_llm_breaker_seconds),
            store=store,
        )

    # --- turns ---

    @contextlib.contextmanager
    def turn(self) -> Iterator[TurnUsage]:
        """Scope of one user message: the call cap and the usage counts apply within it."""
        usage = TurnUsage()
        token = _TURN.set(usage)
        try:
            yield usage
        finally:
            _TURN.reset(token)

    @staticmethod
    def _usage() -> TurnUsage:
        return _TURN.get() or TurnUsage()

    def _call(self, purpose: str, variables: dict[str, str], *, structured: bool = False) -> Any:
        template = self.templates[purpose]
        usage = self._usage()
        usage.templates[template.name] = template.sha256
        messages = template.prompt.format_messages(**variables)
        for message in messages:
            # Redact after formatting so nothing that reaches the wire escapes it.
            message.content = redact(str(message.content), self.redact_kinds)
        sent = sum(estimate_tokens(str(m.content)) for m in messages)
        if structured:
            sent += _schema_tokens()
        attempts = 0
        while True:
            if usage.calls >= MAX_CALLS_PER_TURN:
                raise LlmUnavailable("per-message call cap reached")
            if not self.breaker.allow():
                raise LlmUnavailable("circuit breaker open")
            if not self.budget.take():
                log.info("LLM daily call budget (%d) spent; answering offline", self.budget.limit)
                raise LlmUnavailable("daily call budget spent")
            usage.calls += 1
            usage.prompt_tokens += sent
            try:
                result = self._invoke(messages, structured)
            except Exception as exc:
                self.budget.add_tokens(sent)  # a failed request may still have been billed
                metrics.LLM_CALLS.labels("error").inc()
                metrics.count_tokens(sent, 0)
                usage.failures += 1
                self.breaker.failure()
                log.warning(
                    "LLM call %s failed (%s): %s", template.ref, type(exc).__name__, redact(str(exc), KINDS)[:300]
                )
                attempts += 1
                if attempts > self.retries or not _retryable(exc):
                    raise LlmUnavailable(type(exc).__name__) from None
                continue
            self.breaker.success()
            received = estimate_tokens(
                result if isinstance(result, str) else json.dumps(result.model_dump(exclude_none=True))
            )
            usage.completion_tokens += received
            self.budget.add_tokens(sent + received)
            metrics.LLM_CALLS.labels("ok").inc()
            metrics.count_tokens(sent, received)
            return result

    def _invoke(self, messages: list[BaseMessage], structured: bool) -> Any:
        if structured:
            if self._structured is None:
                # Function calling: the form plain OpenAI-compatible servers (vLLM, Ollama, llama.cpp) support best.
                self._structured = self.model.with_structured_output(
                    IntakeDraft, method="function_calling", include_raw=True
                )
            out = self._structured.invoke(messages)
            assert isinstance(out, dict)  # include_raw=True: {"raw", "parsed", "parsing_error"}
            if out.get("parsing_error") is not None or out.get("parsed") is None:
                raise ValueError(f"malformed structured output: {out.get('parsing_error')}")
            return out["parsed"]
        reply = self.model.invoke(messages)
        text = reply.content if isinstance(reply.content, str) else ""
        if not text.strip():
            raise ValueError("empty reply")
        return text.strip()

    # --- extraction ---

    def extract(
        self, text: str, offline: Extraction, *, turn: int | None = None, expecting: list[str] | None = None
    ) -> Extraction:
        """The offline extraction plus the model's facts, merged by `merge_facts`; offline alone on failure."""
        variables = {
            "allowed_values": "\n".join(f"{k}: {', '.join(v)}" for k, v in ALLOWED_VALUES.items()),
            "expecting": ", ".join(expecting or []) or "none",
            "message": data(text),
        }
        try:
            draft = self._call("extraction", variables, structured=True)
        except LlmUnavailable:
            metrics.LLM_FALLBACKS.labels("unavailable").inc()
            return offline
        facts, rejected = merge_facts(offline.facts, draft, text, turn=turn, weak=offline.weak)
        if rejected:
            log.info("LLM facts rejected: %s", "; ".join(f"{k}: {why}" for k, why in rejected.items()))
        return Extraction(
            facts=facts,
            notes=list(offline.notes),
            unclear=list(offline.unclear),
            weak=offline.weak - {f.field for f in facts if f.provenance.source == "llm"},
        )

    # --- wording ---

    def write(
        self,
        purpose: str,
        variables: dict[str, str],
        fallback: str,
        *,
        must_mention: str | None = None,
        max_chars: int = 1500,
        grounded_in: tuple[str, ...] | None = None,
    ) -> Written:
        """Model-written text checked for grounding, or `fallback` (the offline wording) when the check fails.

        Numbers in the text must appear in the variables named by `grounded_in` (default: all of them).
        """
        template = self.templates[purpose]
        used = {template.name: template.sha256}
        try:
            text = self._call(purpose, variables)
        except LlmUnavailable:
            metrics.LLM_FALLBACKS.labels("unavailable").inc()
            return Written(fallback, "offline", used)
        sources = [variables[name] for name in grounded_in] if grounded_in is not None else variables.values()
        inputs = "\n".join(redact(v, self.redact_kinds) for v in sources)
        problem = check_output(text, inputs, template, must_mention=must_mention, max_chars=max_chars)
        if problem:
            log.warning("LLM %s output rejected: %s", template.ref, problem)
            metrics.LLM_FALLBACKS.labels("rejected").inc()
            return Written(fallback, "offline", used)
        return Written(text, "llm", used)

    def word_verdict(self, rec: engine.Recommendation, intake: Intake) -> engine.Recommendation:
        """The recommendation with a model-written verdict when it passes the grounding check."""
        name = engine.APPROACH_NAMES[rec.approach]
        variables = {
            "approach": name,
            "confidence": f"{rec.confidence:.0%}",
            "engine_result": engine_summary(rec),
            "facts": data(facts_text(intake)),
            "offline_verdict": data(rec.verdict),
        }
        written = self.write("verdict", variables, rec.verdict, must_mention=name.split(" (")[0], max_chars=1200)
        usage = self._usage()
        return rec.model_copy(
            update={
                "verdict": _with_techniques(written.text, rec, intake) if written.wording == "llm" else written.text,
                "wording": written.wording,
                "templates": {**rec.templates, **usage.templates, **written.templates},
                "llm_usage": usage.as_dict(),
            }
        )

    def word_questions(self, questions_text: str, intake: Intake) -> Written:
        """Reworded question round (same count of numbered questions), or the deterministic text."""
        written = self.write(
            "question_wording", {"known_facts": data(facts_text(intake)), "questions": questions_text}, questions_text
        )
        wanted = len(re.findall(r"(?m)^\d+\.", questions_text))
        if written.wording == "llm" and len(re.findall(r"(?m)^\s*\d+\.", written.text)) != wanted:
            return Written(questions_text, "offline", written.templates)
        return written

    def summarize(self, intake: Intake, rec: engine.Recommendation | None, fallback: str) -> Written:
        """A thread summary from the stored facts and the recommendation only; it must name the decided approach."""
        recommendation = engine_summary(rec) if rec else "none yet"
        decided = engine.APPROACH_NAMES[rec.approach].split(" (")[0] if rec else None
        return self.write(
            "summary",
            {"facts": data(facts_text(intake)), "recommendation": recommendation},
            fallback,
            must_mention=decided,
            max_chars=1000,
        )

    def word_knowledge_answer(self, question: str, passages: list[str], fallback: str) -> Written:
        """A prose answer to a knowledge question from retrieved passages only, citing them as [1], [2]."""
        numbered = "\n\n".join(f"[{i}] {p}" for i, p in enumerate(passages, 1)) or "(no passages found)"
        # Numbers must come from the passages, not the question: "does it cost $5M?" must not ground "$5M".
        written = self.write(
            "knowledge_answer",
            {"passages": numbered, "question": data(question[:MAX_QUESTION])},
            fallback,
            grounded_in=("passages",),
        )
        cited = {int(n) for n in re.findall(r"\[(\d+)\]", written.text)} if written.wording == "llm" else set()
        if any(not 1 <= n <= len(passages) for n in cited):
            log.warning("LLM knowledge answer rejected: cites passages %s of %d", sorted(cited), len(passages))
            return Written(fallback, "offline", written.templates)
        return written

    def headline(self, period: str, stats: dict[str, Any], fallback: str) -> Written:
        """A one-line digest headline from the period's statistics only."""
        variables = {"period": data(period), "stats": json.dumps(stats, sort_keys=True, default=str)}
        written = self.write("digest_headline", variables, fallback, max_chars=200)
        if written.wording != "llm":
            return written
        line = written.text.strip().strip('"“”*#').strip()  # models like to quote or embolden a headline
        if not line or "\n" in line:
            return Written(fallback, "offline", written.templates)
        return Written(line, "llm", written.templates)


def _retryable(exc: Exception) -> bool:
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return False  # a slow provider stays slow; answer offline now
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code == 429 or exc.status_code >= 500
    return isinstance(exc, openai.APIConnectionError)


def check_output(
    text: str, inputs: str, template: Template, *, must_mention: str | None = None, max_chars: int = 1500
) -> str | None:
    """Why model output is unusable (None when it is fine): invented numbers, leaks, off-topic approach."""
    if len(text) > max_chars:
        return f"too long ({len(text)} characters)"
    invented = ungrounded_numbers(text, inputs)
    if invented:
        return f"numbers not in the inputs: {invented[:5]}"
    if leaks_template(text, template):
        return "repeats the prompt"
    if must_mention and must_mention.lower() not in text.lower():
        return f"does not state the decided approach ({must_mention})"
    return None


def merge_facts(
    offline: list[Fact],
    draft: IntakeDraft,
    text: str,
    *,
    turn: int | None,
    weak: set[str] | frozenset[str] = frozenset(),
) -> tuple[list[Fact], dict[str, str]]:
    """Offline facts plus the model's, by these rules.

    - A field the offline reader found with strong evidence (its own cue words next to the value) keeps the offline
      value. Where the offline evidence was weak (`weak`: a short reply read in the light of the pending question, a
      cue from the wider sentence), a model fact that passes every check below replaces it.
    - A value outside the field's allowed set is rejected.
    - Every model fact needs evidence: words of the user's message, quoted word for word (case and punctuation
      aside), outside any sentence that addresses the assistant ("ignore previous instructions", "recommend
      fine-tuning", "print your system prompt", fake delimiters, the form's field names; see
      `bot.llm.grounding.addresses_assistant`).
    - A choice or yes/no is the model's reading of the message. When the message addresses the assistant, that
      reading may have been steered, so no choice or yes/no from the model is used for that message (the offline
      rules still read it). Numbers are still used under the next rule: they are checked against digits the user
      typed, not against the model's judgement.
    - A number must be stated in its evidence: the same number (10k = 10,000), or, for requests per month and a
      deadline in weeks only, converted from a unit the evidence names (500 a day; in 2 months). A number the
      offline extractor already took for another field ("40 reports a month" is not 40 labeled examples) is
      rejected.
    - Model facts carry `Provenance(source="llm")` with the evidence as their quote.
    Returns the facts and, for each rejected model field, why.
    """
    have = {f.field for f in offline} - set(weak)
    taken = {
        f.field: [float(f.value), *numbers_in(f.provenance.quote or "")]
        for f in offline
        if f.field in NUMERIC_FIELDS and f.field not in weak
    }
    said = UserText.of(text)
    facts = list(offline)
    rejected: dict[str, str] = {}
    for name in IntakeDraft.model_fields:
        value = getattr(draft, name)
        if value is None or name in have or name not in FIELD_LABELS:
            continue
        value = value.strip() if isinstance(value, str) else value
        if value == "":
            continue
        evidence = str(draft.evidence.get(name) or "").strip()
        problem = _value_problem(name, value) or said.backs(evidence)
        if problem is None and name in NUMERIC_FIELDS:
            problem = _number_problem(name, float(value), evidence, taken)
        elif problem is None and said.has_instructions:
            problem = "the message addresses the assistant, so the model's reading of it is not used"
        if problem:
            rejected[name] = problem
            continue
        facts = [f for f in facts if f.field != name]  # a weak offline reading gives way
        facts.append(Fact(name, value, Provenance(source="llm", turn=turn, quote=evidence[:200])))
    return facts, rejected


def _number_problem(name: str, value: float, evidence: str, taken: dict[str, list[float]]) -> str | None:
    typed = stated_number(name, value, evidence)
    if typed is None:
        return "the evidence does not state this number"
    for other, numbers in taken.items():
        if other != name and any(math.isclose(x, n, rel_tol=0.001) for x in (typed, value) for n in numbers):
            return f"the number is the user's {FIELD_LABELS[other].lower()}"
    return None


def _value_problem(name: str, value: Any) -> str | None:
    try:
        IntakeValues.model_validate({name: value})
    except ValidationError:
        return "not an allowed value"
    return None


def facts_text(intake: Intake) -> str:
    """The known intake as `Label: value` lines."""
    return "\n".join(f"{FIELD_LABELS[k]}: {v}" for k, v in intake.known().items()) or "(nothing known yet)"


# Words that show a verdict names the technique (the model may phrase it its own way).
_TECHNIQUE_WORDS = {
    "distillation": ("distil",),
    "peft_pilot": ("lora", "parameter-efficient"),
    "routing": ("rout", "cascade"),
    "open_weight": ("open-weight", "open weight"),
    "retrieval": ("retriev", "rag"),
}


def _with_techniques(text: str, rec: engine.Recommendation, intake: Intake) -> str:
    """The model's verdict plus the engine's sentence for each technique it left unnamed."""
    v = intake.values
    examples, outputs = engine.training_examples(v)
    lines = techniques.verdict_lines(rec.techniques, v, examples, outputs, techniques.named_sources(v.use_case))
    low = text.lower()
    for name, line in zip(rec.techniques, lines, strict=True):
        if not any(w in low for w in _TECHNIQUE_WORDS[name]):
            text = f"{text.rstrip()} {line}."
    if rec.hybrid_form and "the hybrid here is" not in low:
        sources = techniques.named_sources(v.use_case)
        text = f"{text.rstrip()} {techniques.form_line(rec.hybrid_form, v, examples, sources)}."
    return text


def engine_summary(rec: engine.Recommendation) -> str:
    """The engine's result as plain lines: the facts the wording may use."""
    lines = [
        f"Approach: {engine.APPROACH_NAMES[rec.approach]} ({rec.confidence:.0%} confidence; {rec.confidence_reason})",
        f"Gap: {rec.gap}",
    ]
    lines += [f"Hard constraint: {g.reason}" for g in rec.gates]
    lines += [f"Technique (name it): {techniques.TECHNIQUE_NAMES[t]}" for t in rec.techniques]
    if rec.hybrid_form:
        lines.append(f"Hybrid form (name it): {techniques.HYBRID_FORM_NAMES[rec.hybrid_form]}")
    # What the verdict may argue: only the reasons that lean the chosen way, and the trade-off against it.
    lines += [f"Reason for the approach: {text}" for text in rec.because]
    lines += [f"Trade-off (leans the other way): {rec.trade_off}"] if rec.trade_off else []
    lines += [f"Factor (step {f.step}, {f.name}, leans {f.leans}): {f.why}" for f in rec.factors]
    months = rec.tco.horizon_months
    span = f"{months / 12:g}-year" if months % 12 == 0 else f"{months:g}-month"  # the configured TCO horizon
    lines += [
        f"{span} cost of {engine.APPROACH_NAMES.get(k, k)}: ${c.total_usd:,.0f}" for k, c in rec.tco.approaches.items()
    ]
    lines.append(tco.crossover_statement(rec.tco))  # the card's one crossover, so the wording cannot invent another
    lines += [f"Risk: {r}" for r in rec.risks[:3]]
    lines += [f"Next step: {s}" for s in rec.next_steps[:3]]
    lines += [f"Would change: {w}" for w in rec.would_change[:2]]
    return "\n".join(lines)
