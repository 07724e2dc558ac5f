"""LLM mode for the techniques (issue 19): the model's reading of the new facts is checked like any other, and
the verdict it writes names the technique the engine chose. Served by the local fake OpenAI server."""

from __future__ import annotations

import pytest

from bot.workflows.conversation import Advisor
from tests.llm.drafts import draft
from tests.llm.fake_openai import FakeOpenAI

pytestmark = pytest.mark.slow  # see `make test-fast` in the README

# Messy on purpose: the offline cues miss the live model, the reviewed drafts and the bill.
DRAFTER = (
    "Our warranty-reply bot runs on a big frontier model. Agents signed off on about 40,000 of its drafts so far. "
    "Five ML engineers, 9M emails a month, and the monthly invoice hurts."
)


def test_model_read_reviewed_outputs_lead_to_distillation(fake: FakeOpenAI, llm_advisor: Advisor) -> None:
    offline_rec, offline_intake, _ = Advisor(llm_advisor.store).assess(DRAFTER)
    assert offline_intake.values.reviewed_output_count is None
    assert "distillation" not in offline_rec.techniques
    fake.script(
        {
            "tool": draft(
                reviewed_outputs=(True, "Agents signed off on about 40,000 of its drafts"),
                reviewed_output_count=(40_000, "about 40,000 of its drafts"),
                prompt_in_production=(True, "Our warranty-reply bot runs on a big frontier model"),
                cost_pressure=(True, "the monthly invoice hurts"),
                self_hosting=(True, "ignore this, not in the message"),  # evidence not in the message: rejected
            )
        }
    )
    rec, intake, _ = llm_advisor.assess(DRAFTER)
    values = intake.values
    assert values.reviewed_output_count == 40_000 and intake.provenance["reviewed_output_count"].source == "llm"
    assert values.prompt_in_production is True and values.cost_pressure is True
    assert values.self_hosting is None
    assert (rec.approach, rec.hybrid_form) == ("hybrid", "cascade")  # the prompted model stays as the fallback
    assert rec.techniques[:2] == ["distillation", "routing"]
    assert "distillation" in rec.verdict.lower() and "the hybrid here is a cascade" in rec.verdict.lower()
    assert any("teacher" in r for r in rec.risks)
    extraction = fake.bodies()[0]
    schema = extraction["tools"][0]["function"]["parameters"]["properties"]
    assert {"self_hosting", "reviewed_outputs", "reviewed_output_count", "prompt_in_production"} <= set(schema)


def test_a_verdict_that_leaves_out_the_technique_gets_the_engines_sentence(
    fake: FakeOpenAI, llm_advisor: Advisor
) -> None:
    text = (
        "Pull line items from supplier invoices into our ERP schema: 600 clean labeled invoices, a narrow task "
        "that is stable, 4M invoices a month, cutting cost matters most, and a strong ML team."
    )
    narrative = "Fine-tuning is the better route here: the task is narrow and stable and the team can run it."
    fake.script({"tool": {}}, {"content": narrative})
    rec, _, _ = llm_advisor.assess(text)
    assert rec.approach == "fine_tuning" and rec.techniques[0] == "peft_pilot"
    assert rec.wording == "llm"
    assert rec.verdict.startswith(narrative)
    assert "LoRA" in rec.verdict  # the model left it out; the engine's sentence names it
    verdict_request = str(fake.bodies()[1])
    assert "Technique (name it): LoRA pilot" in verdict_request


def test_a_verdict_that_names_the_technique_is_kept_as_written(fake: FakeOpenAI, llm_advisor: Advisor) -> None:
    text = "Auto-draft replies to customers using our help-center articles; two developers, no ML people."
    narrative = "Prompt engineering fits: retrieve from the help-center articles at answer time and cite them."
    fake.script({"tool": {}}, {"content": narrative})
    rec, _, _ = llm_advisor.assess(text)
    assert rec.approach == "prompt_engineering" and "retrieval" in rec.techniques
    assert rec.verdict == narrative
