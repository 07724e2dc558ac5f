"""Whole conversations where a specialist would name the technique (issues 13 and 19), through the conversation
core with the shipped knowledge base for citations. Messages written for these tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.advisor.engine import Recommendation
from bot.config import Settings
from bot.services import Services
from bot.workflows.conversation import Advisor, ConversationKey

pytestmark = pytest.mark.slow  # see `make test-fast` in the README


@pytest.fixture(scope="module")
def advisor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Advisor]:
    services = Services(Settings(advisor_data_dir=tmp_path_factory.mktemp("advisor")))
    yield services.advisor


def card(advisor: Advisor, key: str, *messages: str) -> Recommendation:
    """The recommendation after the messages, answering any question with "not sure"."""
    conv = ConversationKey("test", "T", "C", key)
    reply = advisor.handle(conv, "U", messages[0])
    for message in messages[1:]:
        reply = advisor.handle(conv, "U", message)
    while reply.kind == "questions":
        reply = advisor.handle(conv, "U", "not sure")
    assert reply.recommendation is not None
    return reply.recommendation


def words(rec: Recommendation) -> str:
    return "\n".join([rec.verdict, *rec.next_steps, *rec.risks, *(c.section + " " + c.quote for c in rec.citations)])


def test_a_costly_prompted_drafter_with_approved_outputs_is_distilled(advisor: Advisor) -> None:
    rec = card(
        advisor,
        "distil",
        "Our claims-letter writer runs on a frontier model with a lengthy prompt and the quality is great, but at "
        "around 20 million letters a month the bill is six figures. Nothing is hand-labeled, yet we log every "
        "output and our reviewers approve most of them. There are ML engineers on staff.",
    )
    assert (rec.approach, rec.hybrid_form) == ("hybrid", "cascade")  # the prompted writer stays as the fallback
    assert rec.techniques[0] == "distillation"
    text = words(rec)
    assert "distil" in rec.verdict.lower() and "teacher" in text
    assert any(c.source == "knowledge/techniques/distillation.md" for c in rec.citations)


def test_data_that_must_stay_inside_gets_open_weight_models(advisor: Advisor) -> None:
    rec = card(
        advisor,
        "self-host",
        "None of this data may leave our own data centre; we plan to serve the models on our GPU cluster to "
        "summarise maintenance logs for 40 engineers.",
    )
    assert "open_weight" in rec.techniques
    assert "open-weight models" in rec.verdict
    assert any(c.source == "knowledge/operations/open-weight-self-hosting.md" for c in rec.citations)


def test_hundreds_of_clean_examples_on_a_stable_narrow_task_get_a_lora_pilot(advisor: Advisor) -> None:
    rec = card(
        advisor,
        "pilot",
        "We hold roughly 400 clean examples for one narrow extraction task that never changes, we process "
        "several million documents a month, and bringing the cost down matters most.",
    )
    assert rec.approach == "fine_tuning" and rec.techniques[0] == "peft_pilot"
    assert "LoRA" in rec.verdict and "held-out" in rec.verdict
    assert "too few" not in rec.verdict
    assert any(c.source == "knowledge/techniques/parameter-efficient-tuning.md" for c in rec.citations)


def test_an_insurance_claims_card_never_cites_medical_device_rules(advisor: Advisor) -> None:
    rec = card(
        advisor,
        "claims",
        "We want to sort about 3 million insurance claims a month for a regulated insurer; 120k labeled claims "
        "and an ML team of 6.",
    )
    assert "naic" in rec.regulations and "fda" not in rec.regulations
    text = words(rec)
    assert "FDA" not in text and "Predetermined Change Control" not in text and "medical device" not in text


def test_drafting_replies_from_the_help_centre_mentions_retrieval(advisor: Advisor) -> None:
    rec = card(advisor, "help-centre", "We'd like to auto-draft agent replies using our help-center articles.")
    assert "retrieval" in rec.techniques
    assert "retrieval (RAG)" in rec.verdict and "help-center articles" in rec.verdict


def test_thin_input_stays_tentative(advisor: Advisor) -> None:
    rec = card(advisor, "thin", "Thinking about an AI helper for the marketing team.")
    assert rec.confidence < 0.6
