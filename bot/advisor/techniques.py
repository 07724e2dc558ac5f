"""The technique inside an approach, as a specialist would name it: a LoRA pilot, distillation, routing (a
cascade), open-weight self-hosting, retrieval. The approach stays one of the three public values; these words go
into the verdict, the next steps and the risks. Pure: the engine decides which apply and passes the facts in.
"""

from __future__ import annotations

import re
from typing import Literal

from bot.advisor.intake import IntakeValues

Technique = Literal["peft_pilot", "distillation", "routing", "open_weight", "retrieval"]
# Which hybrid: a tuned core with a prompt layer for the rules that change, a tuned core for the stable format and
# voice with retrieval for changing content, or a cascade (a small tuned model answers the bulk, the large prompted
# model the hard or rare cases).
HybridForm = Literal["prompt_layer", "retrieval", "cascade"]
HYBRID_FORM_NAMES: dict[str, str] = {
    "prompt_layer": "a tuned core with a prompt layer for what changes",
    "retrieval": "a tuned core with retrieval for changing content",
    "cascade": "a cascade: a small tuned model for the bulk, the large prompted model for the rest",
}
TECHNIQUES: tuple[Technique, ...] = ("distillation", "peft_pilot", "routing", "open_weight", "retrieval")
# The ones that change what gets built (and so are worth a question); routing and retrieval refine it.
CORE_TECHNIQUES: frozenset[str] = frozenset({"distillation", "peft_pilot", "open_weight"})
TECHNIQUE_NAMES: dict[str, str] = {
    "peft_pilot": "LoRA pilot (parameter-efficient fine-tuning)",
    "distillation": "distillation (large model → small tuned model)",
    "routing": "routing / cascade (small tuned model first, large prompted model for hard cases)",
    "open_weight": "open-weight models on your own infrastructure",
    "retrieval": "retrieval (RAG) over your documents",
}

# Knowledge sources people name for answers ("using our help-center articles", "from the Confluence wiki"). The
# documents a task works on (a contract to summarise, claims to classify) are inputs, not sources, so only
# nouns that hold reference knowledge count, after a word that points at the team's own content.
_SOURCES = re.compile(
    r"\b(?:our|the|internal|company|existing|from|using|over|in)\s+"
    r"((?:[\w'-]+\s+){0,2}?(?:help[- ]?cent(?:er|re)s?(?:\s+articles)?|helpcent(?:er|re)|knowledge[- ]?base|kb|"
    r"wikis?|confluence(?:\s+pages)?|sharepoint|notion(?:\s+pages)?|intranet|policies|policy (?:docs|documents)|"
    r"manuals?|catalog(?:ue)?s?|handbooks?|faqs?|documentation|docs|runbooks|playbooks|sops|support articles|"
    r"guidelines))\b",
    re.I,
)


_LEADING = re.compile(r"^(?:(?:our|the|internal|company|existing)\s+)+", re.I)


def named_sources(text: str | None) -> str | None:
    """The documents the user named as where answers come from ("help-center articles"), or None."""
    if not text:
        return None
    found = [_LEADING.sub("", m.group(1).strip()) for m in _SOURCES.finditer(text)]
    if not found:
        return None
    unique = list(dict.fromkeys(found))
    return unique[0] if len(unique) == 1 else ", ".join(unique[:-1]) + " and " + unique[-1]


def _n(x: float) -> str:
    return f"{x:,.0f}"


def verdict_lines(
    techniques: list[Technique], v: IntakeValues, examples: int | None, outputs: int | None, sources: str | None
) -> list[str]:
    """The sentences of the verdict that name the technique, in the order of `techniques`."""
    lines: list[str] = []
    for t in techniques:
        if t == "distillation":
            have = f"your ~{_n(outputs)} reviewed or logged outputs" if outputs else "your reviewed or logged outputs"
            lines.append(
                f"Technique: distillation. {have[0].upper() + have[1:]} of the current prompted model are training "
                f"data: fine-tune a small model on the approved ones and keep it only if it matches the current "
                f"prompt on a held-out evaluation"
            )
        elif t == "peft_pilot":
            n = f"{_n(examples)} clean examples" if examples else "the clean examples you have"
            lines.append(
                f"Technique: a LoRA pilot. {n[0].upper() + n[1:]} is below the ~10,000 a robust full fine-tune "
                f"needs, but enough for a parameter-efficient (LoRA) pilot on a small model, judged on a held-out "
                f"set against the prompted baseline before any rollout"
            )
        elif t == "routing":
            lines.append(
                "Serve it as a cascade (routing): the small tuned model answers the easy bulk, and the large "
                "prompted model takes the hard or low-confidence cases"
            )
        elif t == "open_weight":
            lines.append(
                "Data must stay on your own infrastructure, so every option here means open-weight models (e.g. "
                "Llama, Mistral, Qwen or Gemma families) served on your own GPUs, not a hosted API"
            )
        elif t == "retrieval":
            where = f"your {sources}" if sources else "your own content"
            lines.append(
                f"Answers must come from {where}: use retrieval (RAG) over them at answer time and cite the passage, "
                f"rather than training the facts into a model"
            )
    return lines


def next_steps(techniques: list[Technique], v: IntakeValues, examples: int | None, sources: str | None) -> list[str]:
    """Technique-specific next steps, to go before the approach's general ones."""
    steps: list[str] = []
    if "distillation" in techniques:
        steps.append(
            "Distil: export input/output pairs for this one task from the logs, keep reviewer-approved (or "
            "corrected) outputs, drop rejected ones and near-duplicates, and check the teacher's terms allow "
            "training on its outputs."
        )
        steps.append(
            "Freeze a held-out set checked by experts (never trained on) and compare three things on it: the "
            "current prompt on the large model, the distilled student, and the small base model with a short prompt."
        )
    if "peft_pilot" in techniques:
        n = examples or 0
        held = max(50, n // 5) if n else 0
        split = f"hold out ~{_n(held)} of your {_n(n)} examples" if n else "hold out a fifth of your examples"
        steps.append(
            f"LoRA pilot: {split} as the test set, measure the prompted baseline on it, then train a LoRA adapter "
            f"on a small model with the rest; go on only if it beats the baseline by the margin you set up front."
        )
        steps.append(
            "Check whether more data would help: train on half the examples and on all of them; if the held-out "
            "score still climbs, label more before a full fine-tune."
        )
    if "routing" in techniques:
        steps.append(
            "Route: send each request to the small tuned model first and fall back to the large prompted model "
            "when its confidence is low or the input is unlike the training data; calibrate the threshold on the "
            "held-out set and log which path answered."
        )
    if "open_weight" in techniques:
        steps.append(
            "Shortlist two or three open-weight models whose licence fits your use, measure them on your evaluation "
            "set on your own GPUs, and size serving (throughput per GPU, utilisation, who runs it)."
        )
    if "retrieval" in techniques:
        where = f"your {sources}" if sources else "the source documents"
        steps.append(
            f"Index {where} for retrieval (RAG): chunk by section, keep it refreshed as they change, and have "
            f"every answer cite the passage it used."
        )
    return steps


def risks(techniques: list[Technique], v: IntakeValues) -> list[str]:
    """Technique-specific risks, each with what to do about it."""
    out: list[str] = []
    if "distillation" in techniques:
        out.append(
            "Distillation copies the teacher: the student learns the large model's mistakes as well as its "
            "successes, and reviewers tend to approve plausible answers; re-check a sample of approved outputs, "
            "evaluate against the current prompt, and keep the large model as the fallback."
        )
    if "peft_pilot" in techniques:
        out.append(
            "Small-data overfitting: a LoRA adapter trained on a few hundred examples can memorise them; judge it "
            "only on the held-out set, and stop if it does not beat the prompted baseline."
        )
    if "routing" in techniques:
        out.append(
            "Routing errors: a hard case sent to the small model fails quietly; audit a sample of its answers and "
            "re-calibrate the fallback threshold when inputs change."
        )
    if "open_weight" in techniques:
        out.append(
            "Self-hosting: you own serving, scaling, patching and GPU capacity, and open-weight licences differ "
            "(some restrict commercial use or use of outputs); budget the engineering upkeep."
        )
    return out


def form_line(form: HybridForm, v: IntakeValues, examples: int | None, sources: str | None) -> str:
    """The verdict's sentence naming which hybrid it is and why that split (no final full stop)."""
    data = f"your {_n(examples)} examples" if examples else "your examples"
    if form == "cascade":
        bill = " (the volume the bill comes from)" if v.cost_pressure or v.monthly_requests else ""
        return (
            f"The hybrid here is a cascade: a small model tuned on {data} answers the bulk of the requests{bill}, "
            f"and the prompted large model you run today stays in service for the hard, rare or low-confidence "
            f"ones, so quality on the long tail does not depend on the small model"
        )
    if form == "retrieval":
        where = f"your {sources}" if sources else "your current content"
        line = (
            f"The hybrid here is a tuned core with retrieval: fine-tune on {data} for what stays stable (the "
            f"format, the voice, the domain skill), and retrieve the changing content from {where} at answer time, "
            f"so an update is a re-index, not a retrain"
        )
    else:
        line = (
            f"The hybrid here is a tuned core with a prompt layer: fine-tune on {data} for the stable skill (the "
            f"classification, extraction, format or voice), and keep the rules that change in a versioned prompt "
            f"(or a prompted step that takes the tuned model's output), so a change is a prompt edit, not a retrain"
        )
    if v.regulated:
        line += (
            "; in a regulated setting the tuned core is validated once as a fixed model and the prompted layer, "
            "which states the current rules, is versioned and logged for audit"
        )
    return line


def form_steps(form: HybridForm, v: IntakeValues, examples: int | None, sources: str | None) -> list[str]:
    """The first next steps of a hybrid of this form: how to split the work."""
    if form == "cascade":
        return [
            "Start the cascade in shadow mode (the small model answers, the large prompted one still replies), "
            "then raise the share the small model keeps as its measured accuracy on the held-out set allows."
        ]
    changing = f"your {sources}" if sources and form == "retrieval" else "the changing content"
    split = (
        f"Split the work: fine-tune on the stable core; serve {changing} through retrieval at answer time."
        if form == "retrieval"
        else "Split the work: fine-tune on the stable core (what the labels teach); keep the rules, templates and "
        "per-client or per-market variations in a versioned prompt, or a prompted step after the tuned model."
    )
    return [split]
