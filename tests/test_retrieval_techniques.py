"""Citations that fit the case: the technique's own article, and only the regulation that applies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.advisor import engine, regulation
from bot.advisor.intake import Intake, IntakeValues
from bot.knowledge.evidence import enrich
from bot.knowledge.query import KnowledgeIndex
from bot.resources import knowledge_dir


@pytest.fixture(scope="module")
def index(shipped_index: KnowledgeIndex) -> KnowledgeIndex:
    return shipped_index


def cited(index: KnowledgeIndex, **values: Any) -> tuple[engine.Recommendation, list[str]]:
    intake = Intake(values=IntakeValues(**values))
    rec = enrich(engine.recommend(intake), intake, index)
    return rec, [f"{c.source} § {c.section}" for c in rec.citations]


TUNED: dict[str, Any] = {
    "labeled_examples": 90_000,
    "data_quality": "high",
    "monthly_requests": 5_000_000,
    "ml_expertise": "strong",
    "changes_often": False,
    "regulated": True,
}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("values", "regime"),
    [
        ({"use_case": "triage insurance claims for adjusters", "industry": "insurance"}, "naic"),
        ({"use_case": "classify complaints at a retail bank", "industry": "financial services"}, "sr_11_7"),
        ({"use_case": "flag findings for our FDA-cleared diagnostic device", "industry": "healthcare"}, "fda"),
        ({"use_case": "route complaints from customers in the EU", "sensitive_data": True}, "gdpr"),
    ],
)
def test_a_regulated_card_cites_its_own_sector_and_no_other(
    index: KnowledgeIndex, values: dict[str, Any], regime: str
) -> None:
    rec, sections = cited(index, **(TUNED | values))
    assert regime in rec.regulations
    others = [r for k, r in regulation.REGIMES.items() if k not in rec.regulations]
    assert any(regulation.REGIMES[regime].section.search(s) for s in sections), sections
    for r in others:
        assert not any(r.section.search(s) for s in sections), (r.key, sections)
        assert not any(r.section.search(c.quote) for c in rec.citations), r.key


def test_an_unregulated_card_cites_no_regulation(index: KnowledgeIndex) -> None:
    rec, sections = cited(index, **(TUNED | {"regulated": False, "use_case": "tag support tickets by product"}))
    assert rec.regulations == []
    for r in regulation.REGIMES.values():
        assert not any(r.section.search(s) for s in sections)


@pytest.mark.parametrize(
    ("values", "article"),
    [
        (
            {
                "labeled_examples": 0,
                "reviewed_outputs": True,
                "prompt_in_production": True,
                "monthly_requests": 12_000_000,
                "ml_expertise": "strong",
            },
            "knowledge/techniques/distillation.md",
        ),
        (
            {
                "labeled_examples": 500,
                "data_quality": "high",
                "changes_often": False,
                "needs": "deep_domain",
                "monthly_requests": 4_000_000,
                "ml_expertise": "strong",
            },
            "knowledge/techniques/parameter-efficient-tuning.md",
        ),
        (
            {"use_case": "summarise shift handovers", "self_hosting": True, "ml_expertise": "limited"},
            "knowledge/operations/open-weight-self-hosting.md",
        ),
        (
            {"use_case": "Auto-draft replies using our help-center articles"},
            "knowledge/framework/when-to-prompt.md § Adding fresh or proprietary knowledge with retrieval (RAG)",
        ),
    ],
)
def test_the_technique_is_cited_from_its_own_article(
    index: KnowledgeIndex, values: dict[str, Any], article: str
) -> None:
    _, sections = cited(index, **values)
    assert any(s.startswith(article) for s in sections), sections


def test_the_knowledge_names_each_regime_with_sources() -> None:
    text = (Path(knowledge_dir()) / "risk" / "regulated-industries.md").read_text(encoding="utf-8")
    for heading in ("NAIC model bulletin", "GDPR", "EU AI Act", "SR 11-7", "FDA guidance"):
        assert heading in text
    assert "2024/1689" in text and "2016/679" in text and "December 2023" in text
