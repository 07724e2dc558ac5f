"""Thread summaries for leads, built from the stored facts of one assessment (and worded by a model if any)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from bot.advisor import engine
from bot.advisor.intake import FIELD_LABELS, FIELD_STEP, STEP_NAMES, Approach, Intake
from bot.advisor.questions import question_bank
from bot.advisor.report import tco_headline
from bot.storage.store import Store

if TYPE_CHECKING:
    from bot.llm.client import LlmClient

MAX_OPEN_QUESTIONS = 5
MAX_RISKS = 5
STATUS_LABELS = {"approved": "Approved", "needs_info": "Needs info", "rejected": "Rejected"}
NEEDS_REVIEW = "Needs re-review"


def needs_review(decided_version: Any, version: Any) -> bool:
    """Whether a decision was made on other answers than the assessment has now (the facts changed after it).
    Decisions recorded before versions were kept (None) are taken as they are."""
    return decided_version is not None and int(decided_version) != int(version or 0)


def stale_decision(store: Store, conversation_id: str) -> dict[str, Any] | None:
    """The lead's decision when the answers changed after it, once per decision (None otherwise, and the next
    time): what the adapters tell the lead in the thread (Slack with a mention, Teams by name)."""
    decided = store.decision(conversation_id)
    if not decided:
        return None
    if not needs_review(decided.get("intake_version"), store.get_conversation(conversation_id).version):
        return None
    return decided if store.mark_seen(f"rereview:{conversation_id}:{decided['updated_at']}") else None


def status_label(decision: str | None, recommended: bool, stale: bool = False) -> str:
    """Where an assessment stands: the lead's decision (or that it needs re-review, when the answers changed after
    it), or whether it still awaits one or is in intake."""
    if decision and stale:
        return NEEDS_REVIEW
    if decision:
        return STATUS_LABELS.get(decision, decision)
    return "Awaiting decision" if recommended else "Intake in progress"


class StepSummary(BaseModel):
    """What was said for one of the six steps, and what is still unknown."""

    step: int
    name: str
    said: list[str] = Field(default_factory=list)
    unknown: list[str] = Field(default_factory=list)


class Decision(BaseModel):
    """A lead's decision on an assessment."""

    status: str
    note: str = ""
    user: str
    updated_at: str
    intake_version: int | None = None
    stale: bool = False  # made on other answers than the assessment has now: needs re-review

    @property
    def label(self) -> str:
        """The status as people read it."""
        return STATUS_LABELS.get(self.status, self.status)


class ThreadSummary(BaseModel):
    """Everything a lead needs about one assessment, from stored facts only."""

    conversation_id: str
    platform: str
    team: str
    channel: str
    thread: str
    requester: str
    created_at: str
    use_case: str | None
    steps: list[StepSummary]
    approach: Approach | None = None
    confidence: float | None = None
    confidence_reason: str = ""
    tco_headline: str | None = None
    crossover: int | None = None
    risks: list[str] = Field(default_factory=list)
    open_questions: list[str] = Field(default_factory=list)
    decision: Decision | None = None
    feedback: dict[str, int] = Field(default_factory=dict)
    feedback_reasons: list[str] = Field(default_factory=list, description="latest reasons given, newest first")
    prose: str
    wording: str = "offline"
    templates: dict[str, str] = Field(default_factory=dict)

    @property
    def status(self) -> str:
        """Decision status, or where the assessment stands without one."""
        decision = self.decision
        return status_label(
            decision.status if decision else None, self.approach is not None, bool(decision and decision.stale)
        )


def display(value: Any) -> str:
    """A stored value as a person would write it."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}"
    return str(value).replace("_", " ")


def step_summaries(intake: Intake) -> list[StepSummary]:
    """The intake grouped by the six steps: known values and unknown fields."""
    values = intake.values.model_dump()
    steps = {n: StepSummary(step=n, name=name) for n, name in STEP_NAMES.items()}
    for name, step in FIELD_STEP.items():
        value = values.get(name)
        if value is None:
            steps[step].unknown.append(FIELD_LABELS[name])
        elif name != "use_case":
            steps[step].said.append(f"{FIELD_LABELS[name]}: {display(value)}")
    return list(steps.values())


def open_questions(intake: Intake, rec: engine.Recommendation | None) -> list[str]:
    """The questions whose answers could still change the recommendation (or, before one, the next ones)."""
    bank = question_bank()
    wanted = rec.missing if rec else intake.missing()
    return [bank[f].text for f in wanted if f in bank][:MAX_OPEN_QUESTIONS]


def offline_prose(requester: str, intake: Intake, rec: engine.Recommendation | None) -> str:
    """The summary's narrative without a model: a templated sentence or three from the stored facts."""
    known = len(intake.known())
    use = intake.values.use_case or "an AI feature (no description yet)"
    text = f"{requester} asked about {use}. {known} of {len(FIELD_STEP)} intake facts are known."
    if rec is None:
        return text + " No recommendation yet: the intake is still in progress."
    return (
        text + f" The advisor recommended {engine.APPROACH_NAMES[rec.approach]} with "
        f"{rec.confidence:.0%} confidence ({rec.confidence_reason})."
    )


def build_summary(
    store: Store, conversation_id: str, *, llm: LlmClient | None = None, requester_name: str | None = None
) -> ThreadSummary:
    """The summary of one stored assessment (NotFoundError for an unknown id)."""
    conv = store.get_conversation(conversation_id)
    intake = store.latest_intake(conversation_id)
    rec = store.latest_recommendation(conversation_id)
    decided = store.decision(conversation_id)
    votes = [f["value"] for f in store.feedback(conversation_id)]
    requester = requester_name or conv.user
    prose, wording, templates = offline_prose(requester, intake, rec), "offline", {}
    if llm is not None:
        written = llm.summarize(intake, rec, prose)
        prose, wording, templates = written.text, written.wording, dict(written.templates)
    return ThreadSummary(
        conversation_id=conversation_id,
        platform=conv.platform,
        team=conv.team,
        channel=conv.channel,
        thread=conv.thread,
        requester=conv.user,
        created_at=conv.created_at,
        use_case=intake.values.use_case,
        steps=step_summaries(intake),
        approach=rec.approach if rec else None,
        confidence=rec.confidence if rec else None,
        confidence_reason=rec.confidence_reason if rec else "",
        tco_headline=tco_headline(rec) if rec else None,
        crossover=rec.tco.crossover_monthly_requests if rec else None,
        risks=rec.risks[:MAX_RISKS] if rec else [],
        open_questions=open_questions(intake, rec),
        decision=_decision(decided, conv.version),
        feedback={"up": votes.count("up"), "down": votes.count("down")},
        feedback_reasons=store.feedback_reasons(conversation_id),
        prose=prose,
        wording=wording,
        templates=templates,
    )


def _decision(row: dict[str, Any] | None, version: Any) -> Decision | None:
    if not row:
        return None
    decided_version = row.get("intake_version")
    return Decision(
        **{k: row[k] or "" for k in ("status", "note", "user", "updated_at")},
        intake_version=decided_version,
        stale=needs_review(decided_version, version),
    )


def summary_text(summary: ThreadSummary) -> str:
    """The summary as plain text (terminal, notification fallback, and the source of platform renderings)."""
    lines = [
        f"Assessment {summary.conversation_id} · requested by {summary.requester} · {summary.created_at[:10]}",
        summary.prose,
        "",
    ]
    if summary.approach:
        lines.append(
            f"Recommendation: {engine.APPROACH_NAMES[summary.approach]} ({(summary.confidence or 0):.0%} confidence)"
        )
    if summary.tco_headline:
        lines.append(summary.tco_headline)
    for step in summary.steps:
        said = "; ".join(step.said) or "nothing yet"
        unknown = f" (unknown: {', '.join(step.unknown)})" if step.unknown else ""
        lines.append(f"{step.step}. {step.name}: {said}{unknown}")
    lines += [f"Risk: {r}" for r in summary.risks]
    lines += [f"Open question: {q}" for q in summary.open_questions]
    lines.append(
        f"Feedback: {summary.feedback.get('up', 0)} up, {summary.feedback.get('down', 0)} down"
        + "".join(f'; "{r}"' for r in summary.feedback_reasons)
    )
    decision = summary.decision
    if decision and decision.stale:
        lines.append(
            f"Status: {NEEDS_REVIEW} (marked {decision.label} by {decision.user} on "
            f"{decision.updated_at[:10]}, before the answers changed)"
        )
    else:
        lines.append(f"Status: {summary.status}" + (f" ({decision.note})" if decision and decision.note else ""))
    return "\n".join(lines)
