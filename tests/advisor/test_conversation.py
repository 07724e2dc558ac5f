"""The conversation core: turns, questions, commands, persistence."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from bot.errors import InputError
from bot.storage.store import Store
from bot.workflows.conversation import Advisor, ConversationKey
from bot.workflows.interaction import quick_answer
from tests.conftest import TODAY

KEY = ConversationKey("test", "T1", "C1", "100.1")
FULL = (
    "Payments: we classify 10M merchant descriptors a month, 300k clean labeled examples, an ML team of 7, "
    "the code list is stable, budget $2M, no hard deadline, not regulated."
)


def test_full_description_goes_straight_to_a_recommendation(advisor: Advisor) -> None:
    reply = advisor.handle(KEY, "U1", FULL)
    assert reply.kind == "recommendation"
    assert reply.recommendation and reply.recommendation.approach == "fine_tuning"
    assert reply.recommendation_id is not None


@pytest.mark.slow
def test_thin_description_asks_then_recommends(advisor: Advisor) -> None:
    first = advisor.handle(KEY, "U1", "We want an assistant for our support team")
    assert first.kind == "questions" and first.questions
    second = advisor.handle(KEY, "U1", "no ML people, and we have no labeled data")
    assert second.kind == "recommendation"
    assert second.recommendation and second.recommendation.approach == "prompt_engineering"


@pytest.mark.slow
def test_unsure_answers_still_end_in_a_card(advisor: Advisor) -> None:
    reply = advisor.handle(KEY, "U1", "Should we fine-tune?")
    for _ in range(6):
        if reply.kind == "recommendation":
            break
        reply = advisor.handle(KEY, "U1", "not sure")
    assert reply.kind == "recommendation"
    assert reply.recommendation and reply.recommendation.confidence < 0.6


@pytest.mark.slow
def test_quick_answer_applies_a_value(advisor: Advisor) -> None:
    reply = advisor.handle(KEY, "U1", "Should we fine-tune our ticket router?")
    field = reply.questions[0].field
    value = reply.questions[0].quick_answers[0].value
    after = advisor.take_quick_answer(reply.conversation_id, "U1", quick_answer(field, value))
    assert after.intake.get(field) == value or after.kind == "recommendation"
    with pytest.raises(InputError):
        quick_answer(field, "not-an-option")


@pytest.mark.slow
def test_commands(advisor: Advisor) -> None:
    advisor.handle(KEY, "U1", "Should we fine-tune our ticket router?")
    now = advisor.handle(KEY, "U1", "recommend now")
    assert now.kind == "recommendation"
    why = advisor.handle(KEY, "U1", "why?")
    assert "Step 1" in why.text and "Step 6" in why.text
    restart = advisor.handle(KEY, "U1", "restart")
    assert restart.kind == "message" and "Starting over" in restart.text
    assert advisor.store.latest_intake(restart.conversation_id).known() == {}


def test_correcting_an_earlier_answer_recomputes(advisor: Advisor) -> None:
    first = advisor.handle(KEY, "U1", FULL)
    assert first.recommendation and first.recommendation.approach == "fine_tuning"
    fixed = advisor.handle(KEY, "U1", "actually we only have 150 examples")
    assert fixed.kind == "recommendation"
    assert fixed.recommendation and fixed.recommendation.approach == "prompt_engineering"
    versions = advisor.store.intake_versions(first.conversation_id)
    assert len(versions) == 2


def test_adjust_validates_and_keeps_store_intact(advisor: Advisor) -> None:
    first = advisor.handle(KEY, "U1", FULL)
    with pytest.raises(InputError, match="Labeled examples"):
        advisor.adjust(first.conversation_id, "U1", {"labeled_examples": -5})
    assert len(advisor.store.intake_versions(first.conversation_id)) == 1
    changed = advisor.adjust(first.conversation_id, "U1", {"changes_often": True})
    assert changed.recommendation and changed.recommendation.approach == "hybrid"
    assert advisor.store.latest_intake(first.conversation_id).provenance["changes_often"].source == "edit"


def test_empty_and_help_messages_change_nothing(advisor: Advisor) -> None:
    reply = advisor.handle(KEY, "U1", "   ")
    assert reply.kind == "message"
    assert advisor.store.turns(reply.conversation_id) == []
    with pytest.raises(InputError):
        advisor.assess("\x00\x01")


@pytest.mark.slow
def test_conversation_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    first = Advisor(Store(path), today=TODAY)
    asked = first.handle(KEY, "U1", "We want a contract review assistant")
    assert asked.kind == "questions"
    first.store.close()
    second = Advisor(Store(path), today=TODAY)
    reply = second.handle(KEY, "U1", "we have 80k labeled contracts, an ML team of 6, 3M requests a month")
    assert reply.conversation_id == asked.conversation_id
    intake = second.store.latest_intake(reply.conversation_id)
    assert intake.values.labeled_examples == 80_000
    assert intake.values.use_case and "contract review" in intake.values.use_case


@pytest.mark.slow
def test_concurrent_conversations_stay_separate(tmp_path: Path) -> None:
    advisor = Advisor(Store(tmp_path / "db.sqlite"), today=TODAY)
    errors: list[BaseException] = []

    def talk(i: int) -> None:
        key = ConversationKey("test", "T1", "C1", f"t{i}")
        try:
            advisor.handle(key, f"U{i}", f"We have {i + 1}0k labeled examples and an ML team of 5")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=talk, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for i in range(20):
        conv = advisor.store.find_conversation(str(ConversationKey("test", "T1", "C1", f"t{i}")))
        assert conv is not None
        assert advisor.store.latest_intake(conv.id).values.labeled_examples == (i + 1) * 10_000


@pytest.mark.slow
def test_the_reader_in_the_conversation_core(advisor: Advisor) -> None:
    """A complete description with "we can take 5 months" gets a card; a team size is never a count of examples."""
    full = (
        "Claims triage for our insurance ops: 80k labeled claims reviewed by adjusters, an ML team of 6, "
        "about 3M claims a month, the categories are stable, not regulated, budget $400k, "
        "we can take 5 months"
    )
    reply = advisor.handle(ConversationKey("cli", "t", "c", "reader-1"), "u", full)
    assert reply.kind == "recommendation" and reply.intake["deadline_weeks"] == pytest.approx(21.7, abs=0.1)
    key = ConversationKey("cli", "t", "c", "reader-2")
    first = advisor.handle(key, "u", "We want to draft replies to support emails.")
    assert first.kind == "questions"
    reply = advisor.handle(key, "u", "we have a data science team of 4. budget is roughly 300k")
    assert reply.intake.get("labeled_examples") is None
    assert reply.intake["ml_expertise"] == "strong" and reply.intake["budget_usd"] == 300_000


@pytest.mark.slow
def test_an_unowned_number_is_confirmed_before_it_is_used(advisor: Advisor) -> None:
    key = ConversationKey("cli", "t", "c", "reader-3")
    reply = advisor.handle(key, "u", "Routing for IT requests. We have 9,000 tickets and a budget of $90k.")
    assert reply.kind == "questions" and len(reply.questions) == 1 and "9,000" in reply.text
    assert reply.questions[0].quick_answers == ()
    after = advisor.handle(key, "u", "per month")
    assert after.intake["monthly_requests"] == 9000 and "labeled_examples" not in after.intake
    key = ConversationKey("cli", "t", "c", "reader-4")
    advisor.handle(key, "u", "Routing for IT requests. We have 9,000 tickets and a budget of $90k.")
    dropped = advisor.handle(key, "u", "neither")
    assert "monthly_requests" not in dropped.intake and "labeled_examples" not in dropped.intake


@pytest.mark.slow
def test_a_topic_question_is_answered_from_knowledge_without_starting_an_intake(fresh_store: Store) -> None:
    asked: list[str] = []

    def answer_topic(question: str) -> str:
        asked.append(question)
        return "From the knowledge base."

    advisor = Advisor(fresh_store, today=TODAY, answer_topic=answer_topic)
    key = ConversationKey("cli", "t", "c", "topic-1")
    reply = advisor.handle(key, "u", "what's the difference between RAG and fine-tuning?")
    assert reply.kind == "message" and reply.text == "From the knowledge base."
    assert asked == ["what's the difference between RAG and fine-tuning?"]
    conv = fresh_store.find_conversation(str(key))
    assert conv is not None and not fresh_store.latest_intake(conv.id).known() and conv.expecting == []
    # During an intake, a question is answered and the pending question stays where it was.
    questions = advisor.handle(key, "u", "Should we fine-tune our ticket classifier?")
    assert questions.kind == "questions"
    pending = fresh_store.get_conversation(conv.id).expecting
    advisor.handle(key, "u", "how often do fine-tuned models need retraining?")
    assert fresh_store.get_conversation(conv.id).expecting == pending
    thanks = advisor.handle(key, "u", "thanks!")
    assert thanks.kind == "message" and "recommend now" in thanks.text


def test_why_not_answers_with_the_comparison(advisor: Advisor) -> None:
    key = ConversationKey("cli", "t", "c", "why-not-1")
    text = (
        "An internal HR policy Q&A bot. No labeled data, two web developers and no ML people, policies change "
        "every month, we need it in 2 weeks, not regulated"
    )
    card = advisor.handle(key, "u", text)
    assert card.kind == "recommendation" and card.recommendation is not None
    assert card.recommendation.approach == "prompt_engineering"
    reply = advisor.handle(key, "u", "why not fine-tuning?")
    assert reply.kind == "message" and reply.text.startswith("Why not fine-tuning")
    assert "Rules it out" in reply.text and "•" in reply.text
    same = advisor.handle(key, "u", "why not prompting")
    assert "is what I recommend" in same.text


HR_BOT = "An HR benefits chatbot for our 800 employees, no labeled data, no ML team, needed in 6 weeks"
CLAIMS = (
    "different project: we want to classify 3 million insurance claims a month, we have 120k labeled claims "
    "and an ML team of 6"
)


@pytest.mark.slow
def test_a_new_project_starts_a_new_assessment_and_keeps_the_old_one(advisor: Advisor, fresh_store: Store) -> None:
    key = ConversationKey("slack", "T1", "D1", "dm")
    first = advisor.handle(key, "u", HR_BOT)
    old_id = first.conversation_id
    reply = advisor.handle(key, "u", CLAIMS)
    assert reply.conversation_id != old_id and any(old_id in n for n in reply.notes)
    intake = reply.intake
    assert intake["labeled_examples"] == 120_000 and intake["monthly_requests"] == 3_000_000
    assert "deadline_weeks" not in intake and "HR" not in str(intake.get("use_case"))
    old = fresh_store.latest_intake(old_id).known()
    assert old["deadline_weeks"] == pytest.approx(6) and "monthly_requests" not in old
    ids = {row["id"] for row in fresh_store.assessments()}
    assert {old_id, reply.conversation_id} <= ids  # both stay in summaries, digests and export


def test_restart_keeps_the_previous_assessment(advisor: Advisor, fresh_store: Store) -> None:
    key = ConversationKey("cli", "t", "c", "restart-1")
    first = advisor.handle(key, "u", HR_BOT)
    reply = advisor.handle(key, "u", "restart")
    assert reply.conversation_id != first.conversation_id and first.conversation_id in reply.text
    assert fresh_store.latest_intake(first.conversation_id).known()  # nothing deleted
    assert not fresh_store.latest_intake(reply.conversation_id).known()
    again = advisor.handle(key, "u", "new")
    assert again.conversation_id == reply.conversation_id  # nothing said yet: nothing to keep


def test_a_turn_undone_after_it_started_a_new_project_puts_the_old_assessment_back(
    advisor: Advisor, fresh_store: Store
) -> None:
    """The inbox undoes a turn that failed part-way (storage/inbox.py): if that turn had archived the conversation and
    started a new one under its key, the new one goes and the old one takes its key back."""
    from bot.storage.inbox import _restore, _snapshot

    key = ConversationKey("cli", "t", "c", "undo-1")
    old_id = advisor.handle(key, "u", HR_BOT).conversation_id
    with fresh_store.transaction() as db:
        before = _snapshot(db, str(key))
    new_id = advisor.handle(key, "u", CLAIMS).conversation_id
    with fresh_store.transaction() as db:
        _restore(db, before)
    conv = fresh_store.find_conversation(str(key))
    assert conv is not None and conv.id == old_id
    assert not any(row["id"] == new_id for row in fresh_store.assessments())


def test_what_if_shows_the_changed_recommendation_and_keeps_the_answers_until_told(
    advisor: Advisor, fresh_store: Store
) -> None:
    key = ConversationKey("cli", "t", "c", "what-if-1")
    text = (
        "Ticket tagging for support: 150 labeled tickets, an ML team of 5, 2M tickets a month, the categories "
        "are stable, budget $400k, live in 6 months, not regulated"
    )
    card = advisor.handle(key, "u", text)
    assert card.recommendation is not None and card.recommendation.approach == "prompt_engineering"
    reply = advisor.handle(key, "u", "what if we had 80k labeled examples?")
    assert reply.kind == "message" and reply.recommendation is not None
    assert reply.recommendation.approach != "prompt_engineering" and "instead of" in reply.text
    assert fresh_store.latest_intake(card.conversation_id).values.labeled_examples == 150  # unchanged
    kept = advisor.handle(key, "u", "yes, keep it")
    assert kept.kind == "recommendation" and kept.intake["labeled_examples"] == 80_000
    advisor.handle(key, "u", "what if we had only 500 examples?")
    moved_on = advisor.handle(key, "u", "thanks")
    assert moved_on.kind == "message"
    assert fresh_store.latest_intake(card.conversation_id).values.labeled_examples == 80_000
