"""What supports a recommendation in the knowledge base: the queries for its citations, the case study that fits."""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bot.advisor import regulation
from bot.advisor.engine import CaseStudy as CaseStudyRef
from bot.advisor.engine import Citation, Recommendation
from bot.advisor.intake import Intake

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CaseFile:
    """A case-study file's front matter: its key, display name, takeaway and source."""

    key: str
    name: str
    takeaway: str
    source: str


def _case_name(meta: dict[str, Any], title: str) -> str:
    if meta.get("name"):
        return str(meta["name"])
    name = re.sub(r"^\s*case study\s*:\s*", "", title, flags=re.I)
    return name.split(",")[0].strip() or str(meta.get("case"))


def case_files(files: list[dict[str, Any]]) -> dict[str, CaseFile]:
    """The case studies among indexed files (those with `case:` in their front matter), by case key."""
    out: dict[str, CaseFile] = {}
    for row in files:
        meta = row["meta"]
        if row["error"] or not meta.get("case"):
            continue
        key = str(meta["case"]).lower()
        takeaway = str(meta.get("takeaway") or "")
        out.setdefault(key, CaseFile(key, _case_name(meta, row["title"]), takeaway, row["source"]))
    return out


_APPROACH_WORDS = {
    "fine_tuning": "when fine-tuning is the better fit",
    "prompt_engineering": "when prompt engineering is the better fit",
    "hybrid": "hybrid approach combining fine-tuning and prompting",
}
# What to look for when a step leans one way: the decision topic in the knowledge base's own terms.
_STEP_TOPICS: dict[tuple[int, str], str] = {
    (1, "fine_tuning"): "business objective long-term competitive advantage accuracy narrow domain expertise",
    (1, "prompt_engineering"): "business objective speed to market changing requirements broad flexibility",
    (1, "hybrid"): "fine-tune for the domain prompt for real-time adjustment changing content",
    (2, "fine_tuning"): "data requirements 10,000 clean labeled examples quality",
    (2, "prompt_engineering"): "little or no labeled data few dozen examples",
    (3, "fine_tuning"): "stable tasks at high volume cost crossover millions of requests",
    (3, "prompt_engineering"): "cost three-year total cost of ownership prompting cheaper low volume",
    (4, "fine_tuning"): "time-to-value months data preparation training evaluation",
    (4, "prompt_engineering"): "time-to-value prompting ships in weeks pilots",
    (5, "fine_tuning"): "talent ML engineers data scientists fine-tuning requires",
    (5, "prompt_engineering"): "small teams without ML engineers talent",
    (6, "fine_tuning"): "regulated validation fine-tuned model sensitive data leakage memorization",
    (6, "prompt_engineering"): "regulated audit prompts easier to audit versioning compliance",
}
_GAP_TOPICS = {
    "knowledge": "context gap fresh proprietary knowledge retrieval RAG",
    "behavior": "behaviour gap consistent format tone style fine-tuning",
    "both": "fine-tuning plus retrieval for fresh facts hybrid",
}
# The technique inside the approach, in the words of its knowledge article.
_TECHNIQUE_TOPICS = {
    "distillation": "distillation turning logged or reviewed outputs into training data teacher student",
    "peft_pilot": "how many examples does a LoRA pilot need parameter-efficient tuning",
    "routing": "routing and cascades small model first large model fallback for hard cases",
    "open_weight": "data must never leave our network open-weight models self-hosting",
    "retrieval": "adding fresh or proprietary knowledge with retrieval RAG",
}
MAX_CITATIONS = 5


def queries_for(rec: Recommendation, intake: Intake) -> list[str]:
    """Queries whose passages support the recommendation: the approach, each leaning factor, the gap."""
    v = intake.values
    queries = [_APPROACH_WORDS[rec.approach]] + [_TECHNIQUE_TOPICS[t] for t in rec.techniques[:2]]
    leaning = [f for f in rec.factors if f.leans != "neutral" and f.weight >= 0.2]
    # A regime that applies is always cited, however little step 6 leans: it goes first among the factors.
    leaning.sort(key=lambda f: (not (f.step == 6 and rec.regulations), -f.weight))
    for f in leaning:
        direction = "fine_tuning" if f.score > 0 else "prompt_engineering"
        topic = _STEP_TOPICS.get((f.step, f.leans)) or _STEP_TOPICS.get((f.step, direction), f.name)
        if f.step != 6:
            queries.append(f"{f.name}: {topic}")
            continue
        industry = f" {v.industry}" if v.industry else ""
        sensitive = " sensitive data" if v.sensitive_data else ""
        # One query per regime that applies: each gets its own citation (in one query, one regime's passage would
        # crowd out the others').
        for regime in [regulation.REGIMES[k].query for k in rec.regulations] or [""]:
            queries.append(f"{f.name}: {topic}{industry}{' ' + regime if regime else ''}{sensitive}")
    for g in rec.gates:
        queries.append(f"{g.name.replace('_', ' ')} {g.reason}")
    if rec.gap in _GAP_TOPICS:
        queries.append(_GAP_TOPICS[rec.gap])
    return list(dict.fromkeys(queries))


# Signals per case: (weight, hit, core?). A case fits when its approach matches and the weights add up.
_RUBRIC = re.compile(
    r"\b(?:rubrics?|scorecards?|scor(?:e|es|ed|ing)|checklists?|grad(?:e|es|ed|ing)|quality (?:review|assurance|"
    r"checks?)|qa|call[- ]quality)\b",
    re.I,
)
_SPECIALISED = re.compile(
    r"\b(?:speciali[sz]\w*|domain[- ]specific|expert\w*|niche|technical drawings?|plans|blueprints?|"
    r"takeoffs?|extraction|classif\w+|pars(?:e|ing)|images?|deep)\b",
    re.I,
)
CASE_THRESHOLD = 1.5


def _case_scores(rec: Recommendation, intake: Intake) -> dict[str, tuple[float, bool]]:
    """Per case key: (signal weight, whether a core signal is present)."""
    v = intake.values
    text = v.use_case or ""
    x = rec.tco.crossover_monthly_requests
    high_volume = v.monthly_requests is not None and v.monthly_requests >= (x or 1_000_000)
    togal = [
        (1.0, v.needs == "deep_domain", True),
        (1.0, bool(v.behavior_gap), True),
        (1.0, high_volume, True),
        (1.0, bool(_SPECIALISED.search(text)), True),
        (0.5, v.priority == "accuracy" or v.mission_critical is True, False),
        (0.5, v.changes_often is False, False),
        (0.5, (v.labeled_examples or 0) >= 50_000, False),
    ]
    goto = [
        (2.0, bool(_RUBRIC.search(text)), True),
        (1.0, v.priority == "speed" or (v.deadline_weeks is not None and v.deadline_weeks <= 8), True),
        (1.0, v.changes_often is True, True),
        (0.5, v.needs == "broad_flexibility" or v.priority == "adaptability", False),
        (0.5, v.ml_expertise in ("none", "limited"), False),
    ]
    out = {}
    for key, signals, approaches in (
        ("togal", togal, ("fine_tuning", "hybrid")),
        ("goto", goto, ("prompt_engineering", "hybrid")),
    ):
        if rec.approach not in approaches:
            continue
        out[key] = (sum(w for w, hit, _ in signals if hit), any(hit and core for _, hit, core in signals))
    return out


def match_case(rec: Recommendation, intake: Intake, cases: dict[str, CaseFile]) -> list[CaseStudyRef]:
    """The case study among `cases` that fits the recommendation (at most one), or none when neither fits."""
    scores = {k: s for k, (s, core) in _case_scores(rec, intake).items() if core and s >= CASE_THRESHOLD}
    if not scores:
        return []
    best = max(scores, key=lambda k: (scores[k], k == ("togal" if rec.approach == "fine_tuning" else "goto")))
    if list(scores.values()).count(scores[best]) > 1 and rec.approach == "hybrid":
        return []  # a hybrid that fits both profiles equally: neither story is the clear lesson
    case = cases.get(best)
    if case is None:
        return []  # the case file is not in the knowledge base
    return [CaseStudyRef(name=case.name, source=case.source, takeaway=case.takeaway)]


class Evidence(Protocol):
    """Where citations and case studies come from: the knowledge index, or its cache (evidence_cache.py)."""

    def case_files(self) -> dict[str, CaseFile]: ...

    def citations(
        self, queries: Sequence[str], skip: frozenset[str], regimes_out: frozenset[str] = frozenset()
    ) -> list[Citation]: ...


def enrich(rec: Recommendation, intake: Intake, index: Evidence) -> Recommendation:
    """A copy of `rec` with up to five supporting citations and the matching case study."""
    try:
        cases = index.case_files()
        case_studies = match_case(rec, intake, cases)
        matched = {c.source for c in case_studies}
        skip = frozenset(c.source for c in cases.values() if c.source not in matched)
        regimes_out = frozenset(regulation.REGIMES) - set(rec.regulations)
        citations = index.citations(queries_for(rec, intake), skip, regimes_out)
    except (sqlite3.Error, OSError) as exc:  # the recommendation stands without its sources
        log.warning("knowledge enrichment failed: %s", exc)
        return rec
    return rec.model_copy(update={"citations": citations, "case_studies": case_studies})
