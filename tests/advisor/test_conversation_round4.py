"""The conversation core on messages nobody wrote for the benchmark sets (round 4): several questions at once, a
what-if changing two facts, a dispute of the card with a new fact, replies pointing back, another team's numbers,
facts pasted as a bullet list, a lead asking for another team, help asked with a question, and a project replaced
"instead". Sentences written for these tests; what must not change is checked against the store."""

from __future__ import annotations

import pytest

from bot.storage.store import Store
from bot.workflows.conversation import Advisor, ConversationKey
from tests.advisor.conversation_helpers import THIN
from tests.advisor.conversation_helpers import card as _card
from tests.advisor.conversation_helpers import state as _state

# --- several questions in one message ---


def test_two_questions_are_both_answered_under_their_own_words(topical: Advisor, fresh_store: Store) -> None:
    key, card = _card(topical, "two-q")
    before = _state(fresh_store, card)
    reply = topical.handle(key, "u", "why fine-tuning? and what's LoRA exactly?")
    assert reply.heard == "follow_up"
    assert "*why fine-tuning?*" in reply.text and "*and what's LoRA exactly?*" in reply.text
    assert "Step " in reply.text  # the reasoning for the first
    assert "[knowledge answer to: and what's LoRA exactly?]" in reply.text  # the topic answer for the second
    assert _state(fresh_store, card) == before


def test_a_comparison_and_a_what_if_in_one_message(topical: Advisor, fresh_store: Store) -> None:
    key, card = _card(topical, "why-not-and-if")
    reply = topical.handle(key, "u", "why not hybrid? and what if we only had 2k labeled claims?")
    assert "Why not hybrid" in reply.text and "If labeled examples" in reply.text
    assert _state(fresh_store, card)[2]["labeled_examples"] == 60000  # tried, not stored


def test_questions_that_get_the_same_answer_share_it(topical: Advisor) -> None:
    key, _ = _card(topical, "same-answer")
    reply = topical.handle(key, "u", "why fine-tuning? and how does the data side factor in?")
    assert reply.text.count("confidence") == 1  # the reasoning once, under both questions
    assert reply.text.startswith("*why fine-tuning?* · *and how does the data side factor in?*")


def test_a_question_beside_a_fact_is_read_as_one_message(topical: Advisor, fresh_store: Store) -> None:
    key = ConversationKey("cli", "t", "c", "fact-and-question")
    topical.handle(key, "u", THIN)
    reply = topical.handle(key, "u", "is 5k enough? we have about 5k labeled disputes")
    assert reply.heard == "answer" and _state(fresh_store, reply)[2]["labeled_examples"] == 5000


# --- a what-if changing two facts ---


def test_a_what_if_with_two_facts_tries_both_and_keeps_both_on_request(topical: Advisor, fresh_store: Store) -> None:
    key, card = _card(topical, "two-facts")
    reply = topical.handle(key, "u", "what if we only had 2k labeled claims and no ML team?")
    assert reply.heard == "follow_up" and "labeled examples" in reply.text and "ml expertise" in reply.text
    assert _state(fresh_store, card)[2]["ml_expertise"] == "strong"
    kept = topical.handle(key, "u", "yes keep it")
    assert kept.intake["labeled_examples"] == 2000 and kept.intake["ml_expertise"] == "none"


def test_a_what_if_may_scale_one_number_and_state_another(topical: Advisor, fresh_store: Store) -> None:
    key, card = _card(topical, "scale-and-state")
    reply = topical.handle(key, "u", "and if volume halves and the budget is 50k?")
    assert "volume halves (200,000)" in reply.text and "budget" in reply.text
    assert _state(fresh_store, card)[2]["monthly_requests"] == 400000


# --- disputing the card with a new fact ---


def test_a_dispute_with_a_new_fact_remakes_the_card_and_says_what_changed(topical: Advisor, fresh_store: Store) -> None:
    key, _ = _card(topical, "dispute")
    reply = topical.handle(key, "u", "that's not right, the claim types change every month now")
    assert reply.heard == "correction" and reply.kind == "recommendation"
    assert reply.notes[0].startswith("Changed: changes often no → yes.")
    assert _state(fresh_store, reply)[2]["changes_often"] is True


def test_a_changed_number_names_its_old_and_new_value_and_the_approach(topical: Advisor) -> None:
    key, card = _card(topical, "dispute-number")
    assert card.recommendation is not None
    reply = topical.handle(key, "u", "that's wrong, we have no ML engineers anymore")
    assert reply.heard == "correction"
    assert "ml expertise strong → none" in reply.notes[0]
    assert reply.recommendation is not None and reply.recommendation.approach != card.recommendation.approach
    assert "(was Fine-tuning)" in reply.notes[0]


@pytest.mark.parametrize("tail", ["doesn't that change things?", "doesnt that change everything?"])
def test_a_fact_stated_then_whether_it_changes_things_gets_the_new_card_not_a_topic_answer(
    topical: Advisor, tail: str
) -> None:
    key, card = _card(topical, f"dispute-asks-{tail}")
    assert card.recommendation is not None
    reply = topical.handle(key, "u", f"hm, I checked with the team: we have no ML engineers left. {tail}")
    assert reply.kind == "recommendation"  # stated in a sentence of its own, the fact is stored, not only tried
    assert not any("knowledge answer" in note for note in reply.notes)
    assert reply.notes[0].startswith("Changed: ml expertise strong → none.")


def test_the_words_of_a_dispute_are_not_read_as_facts(topical: Advisor) -> None:
    key, _ = _card(topical, "dispute-words")
    reply = topical.handle(key, "u", "wait, that's wrong - we have no ML engineers at all")
    assert reply.intake["ml_expertise"] == "none" and reply.intake["data_quality"] == "high"


@pytest.mark.parametrize("said", ["no rush, next year is fine", "no ML people on our side anymore", "nope"])
def test_a_no_that_goes_with_a_noun_after_the_card_is_no_correction(topical: Advisor, said: str) -> None:
    key, _ = _card(topical, f"no-noun-{said}")
    assert topical.handle(key, "u", said).heard != "correction"


# --- replies pointing back ---


def test_same_as_above_changes_nothing_and_keeps_the_question_open(topical: Advisor, fresh_store: Store) -> None:
    key = ConversationKey("cli", "t", "c", "same-as-above")
    asked = topical.handle(key, "u", THIN)
    before = _state(fresh_store, asked)
    reply = topical.handle(key, "u", "same as above")
    assert reply.heard == "answer" and "nothing changed" in reply.text
    assert asked.questions[0].text in reply.text  # still open, asked again
    assert _state(fresh_store, reply) == before


def test_like_i_said_with_a_stored_number_is_not_given_to_another_field(topical: Advisor, fresh_store: Store) -> None:
    key = ConversationKey("cli", "t", "c", "like-i-said")
    topical.handle(key, "u", THIN)
    given = topical.handle(key, "u", "about 20k labeled disputes")
    before = _state(fresh_store, given)
    reply = topical.handle(key, "u", "like I said, 20k")
    assert "labeled examples 20,000" in reply.text and "monthly_requests" not in _state(fresh_store, reply)[2]
    assert _state(fresh_store, reply) == before


def test_pointing_back_with_a_fact_not_stored_yet_stores_it(topical: Advisor) -> None:
    key = ConversationKey("cli", "t", "c", "like-i-said-new")
    topical.handle(key, "u", THIN)
    reply = topical.handle(key, "u", "as I mentioned, there's no ML team here")
    assert reply.intake["ml_expertise"] == "none"


def test_after_the_card_pointing_back_keeps_the_card(topical: Advisor, fresh_store: Store) -> None:
    key, card = _card(topical, "refer-card")
    before = _state(fresh_store, card)
    reply = topical.handle(key, "u", "like I said, 400k claims a month")
    assert reply.kind == "message" and "requests per month 400,000" in reply.text
    assert _state(fresh_store, reply) == before


# --- another team's numbers ---


def test_numbers_of_another_team_are_left_out(topical: Advisor, fresh_store: Store) -> None:
    key = ConversationKey("cli", "t", "c", "other-team")
    asked = topical.handle(key, "u", THIN)
    before = _state(fresh_store, asked)
    reply = topical.handle(key, "u", "the fraud team next door has 2M labeled examples but that's not us")
    assert "Left out" in reply.text and asked.questions[0].text in reply.text
    assert _state(fresh_store, reply) == before


def test_beside_another_teams_number_the_projects_own_is_stored(topical: Advisor) -> None:
    key = ConversationKey("cli", "t", "c", "other-team-ours")
    topical.handle(key, "u", THIN)
    reply = topical.handle(key, "u", "another team has 50k labeled disputes, we have about 3k")
    assert reply.intake["labeled_examples"] == 3000
    assert any(n.startswith("Left out") for n in reply.notes)


def test_after_the_card_another_teams_number_keeps_the_card(topical: Advisor, fresh_store: Store) -> None:
    key, card = _card(topical, "other-team-card")
    before = _state(fresh_store, card)
    reply = topical.handle(key, "u", "our sister project does 3M requests a month btw")
    assert "The card stands" in reply.text and _state(fresh_store, reply) == before


# --- bullet lists, and a lead asking for another team ---


def test_facts_pasted_as_bullets_are_all_read(topical: Advisor) -> None:
    key = ConversationKey("cli", "t", "c", "bullets")
    topical.handle(key, "u", THIN)
    reply = topical.handle(key, "u", "• 5k labeled disputes\n• 10k a month\n• no ML team\n• live in 6 weeks")
    assert reply.heard == "answer"
    assert {k: reply.intake[k] for k in ("labeled_examples", "monthly_requests", "ml_expertise")} == {
        "labeled_examples": 5000,
        "monthly_requests": 10000,
        "ml_expertise": "none",
    }
    assert reply.intake["deadline_weeks"] == 6


def test_a_first_message_in_bullets_is_a_description(topical: Advisor) -> None:
    said = "We want a tool that tags contracts by risk\n- 12k reviewed contracts\n- 3 ML engineers\n- budget $90k"
    reply = topical.handle(ConversationKey("cli", "t", "c", "bullets-first"), "u", said)
    assert reply.heard == "description"
    assert reply.intake["labeled_examples"] == 12000 and reply.intake["budget_usd"] == 90000


def test_a_lead_asking_for_another_team_keeps_one_project(topical: Advisor) -> None:
    key = ConversationKey("cli", "t", "c", "on-behalf")
    first = topical.handle(
        key, "u", "asking on behalf of our claims team: they want a model that codes adjuster notes into 300 codes"
    )
    second = topical.handle(key, "u", "they have 80k coded claims and their ML team is 3 people")
    third = topical.handle(key, "u", "the other team is the claims team; they handle about 200k claims a month")
    assert first.conversation_id == second.conversation_id == third.conversation_id
    assert second.heard == third.heard == "answer"
    assert third.intake["labeled_examples"] == 80000 and third.intake["monthly_requests"] == 200000


# --- help, a replaced project, and small talk after the card ---


def test_help_with_a_question_is_help_and_stores_nothing(topical: Advisor, fresh_store: Store) -> None:
    key = ConversationKey("cli", "t", "c", "help-q")
    reply = topical.handle(key, "u", "help pls, what am i supposed to tell you?")
    assert reply.heard == "command" and "Describe the AI feature" in reply.text
    assert fresh_store.latest_intake(reply.conversation_id).known() == {}
    nxt = topical.handle(key, "u", "we want a bot that drafts replies to warranty emails")
    assert nxt.heard == "description"


def test_help_with_a_description_is_a_description(topical: Advisor) -> None:
    reply = topical.handle(ConversationKey("cli", "t", "c", "help-desc"), "u", "help: we need a bot that tags tickets")
    assert reply.heard == "description"


def test_a_project_replaced_instead_starts_a_new_assessment(topical: Advisor) -> None:
    key = ConversationKey("cli", "t", "c", "instead")
    first = topical.handle(key, "u", THIN + ". We have 3 ML engineers")
    said = "my boss put this on hold, she wants a different project instead: a classifier that routes IT tickets"
    reply = topical.handle(key, "u", said)
    assert reply.heard == "description" and reply.conversation_id != first.conversation_id
    assert "ml_expertise" not in reply.intake


def test_instead_with_no_new_task_stays_in_the_project(topical: Advisor) -> None:
    key = ConversationKey("cli", "t", "c", "instead-no-task")
    first = topical.handle(key, "u", THIN)
    reply = topical.handle(key, "u", "we'd use a different one instead: about 4k labeled disputes")
    assert reply.conversation_id == first.conversation_id


@pytest.mark.parametrize("said", ["thank you so much!! this will really help with my writeup", "bet 🙏"])
def test_thanks_after_the_card_is_small_talk(topical: Advisor, fresh_store: Store, said: str) -> None:
    key, card = _card(topical, f"thanks-{said}")
    before = _state(fresh_store, card)
    reply = topical.handle(key, "u", said)
    assert reply.heard == "small_talk" and _state(fresh_store, reply) == before


def test_both_after_the_card_points_at_the_approaches(topical: Advisor) -> None:
    key, _ = _card(topical, "both")
    assert topical.handle(key, "u", "what's the catch with doing both?").heard == "follow_up"


def test_a_dispute_without_a_fact_asks_which_fact_and_keeps_the_card(topical: Advisor, fresh_store: Store) -> None:
    key, card = _card(topical, "dispute-bare")
    before = _state(fresh_store, card)
    reply = topical.handle(key, "u", "hmm, that's not right")
    assert reply.heard == "correction" and reply.text.startswith("Which fact did I get wrong?")
    assert _state(fresh_store, reply) == before


def test_no_before_the_card_answers_the_question(topical: Advisor) -> None:
    key = ConversationKey("cli", "t", "c", "no-answers")
    topical.handle(key, "u", THIN + ". About 5k labeled disputes")
    reply = topical.handle(key, "u", "no, nobody on the team does ML")
    assert reply.heard == "answer" and reply.intake["ml_expertise"] == "none"


def test_two_factors_scale_each_its_own_number(topical: Advisor, fresh_store: Store) -> None:
    key, card = _card(topical, "two-factors")
    reply = topical.handle(key, "u", "what if the budget doubles and the volume halves?")
    assert "budget doubles (1,000,000)" in reply.text and "volume halves (200,000)" in reply.text
    assert _state(fresh_store, card) == _state(fresh_store, reply)


def test_numbered_questions_are_answered_each(topical: Advisor) -> None:
    key, _ = _card(topical, "numbered")
    reply = topical.handle(key, "u", "1. why fine tuning?\n2. what is LoRA?")
    assert "*why fine tuning?*" in reply.text and "[knowledge answer to: what is LoRA?]" in reply.text


def test_a_why_not_after_another_question_is_answered_apart(topical: Advisor) -> None:
    key, _ = _card(topical, "why-not-apart")
    reply = topical.handle(key, "u", "would a smaller team change it? and why not hybrid?")
    assert "*and why not hybrid?*" in reply.text and "Why not hybrid" in reply.text


def test_questions_read_as_one_say_which_were_not_answered_apart(topical: Advisor, fresh_store: Store) -> None:
    key = ConversationKey("cli", "t", "c", "read-as-one")
    topical.handle(key, "u", THIN)
    assert topical.handle(key, "u", "recommend now").kind == "recommendation"
    reply = topical.handle(key, "u", "we also have 3 ML engineers, is that enough? would a hybrid be better?")
    assert reply.kind == "recommendation" and reply.intake["ml_expertise"] == "strong"  # stored, card re-made
    assert any(n.startswith("Your message asked 2 questions") and "would a hybrid be better?" in n for n in reply.notes)


def test_two_top_level_questions_in_a_dm_go_to_the_latest_assessment(topical: Advisor) -> None:
    dm = ConversationKey("slack", "T1", "D7", "1.1")
    _, card = _card(topical, "unused")  # another chat's card does not count
    assert card.kind == "recommendation"
    assert topical.route_top_level(dm, "U1", "why fine-tuning? and what's LoRA?") is None  # nothing here yet
    first = topical.route_top_level(dm, "U1", THIN)
    assert first == dm
    topical.handle(dm, "U1", THIN)
    later = ConversationKey("slack", "T1", "D7", "2.2")
    assert topical.route_top_level(later, "U1", "why fine-tuning? and what's LoRA?") == dm


def test_a_correction_of_what_was_said_earlier_is_a_correction(topical: Advisor) -> None:
    key = ConversationKey("cli", "t", "c", "said-earlier")
    topical.handle(key, "u", THIN + ". About 20k labeled disputes")
    reply = topical.handle(key, "u", "a correction to what I said earlier: it's 2k labeled disputes, not 20k")
    assert reply.heard == "correction" and reply.intake["labeled_examples"] == 2000


LEGAL = "we want an assistant that summarises court rulings for our lawyers"


def _legal_card(advisor: Advisor, thread: str) -> ConversationKey:
    key = ConversationKey("cli", "t", "c", thread)
    advisor.handle(key, "u", LEGAL)
    given = advisor.handle(key, "u", "we got maybe 3k summaries our lawyers wrote, decent quality")
    assert given.intake["labeled_examples"] == 3000
    if given.kind != "recommendation":
        assert advisor.handle(key, "u", "recommend now").kind == "recommendation"
    return key


def test_a_stored_number_said_again_is_not_asked_about(topical: Advisor, fresh_store: Store) -> None:
    key = _legal_card(topical, "the-3k")
    before = fresh_store.latest_intake(fresh_store.find_conversation(str(key)).id).known()  # type: ignore[union-attr]
    reply = topical.handle(key, "u", "ok so the 3k - is that enough or should we label more?")
    assert reply.kind == "message" and reply.heard == "follow_up"  # no "is the 3,000 labeled examples or …?"
    assert fresh_store.latest_intake(reply.conversation_id).known() == before


def test_a_stored_number_disowned_is_replaced_by_the_one_given(topical: Advisor) -> None:
    key = _legal_card(topical, "disowned")
    reply = topical.handle(key, "u", "hold on, the 3k is for another product line; for rulings we have about 800")
    assert reply.intake["labeled_examples"] == 800
    assert any("labeled examples 3,000 → 800" in n for n in reply.notes)


def test_a_question_to_the_advisor_after_a_topic_question_is_asked_apart(topical: Advisor) -> None:
    key, _ = _card(topical, "pick-here")
    reply = topical.handle(
        key, "u", "what's the difference between LoRA and full fine-tuning? and which would you pick?"
    )
    assert "[knowledge answer to: what's the difference between LoRA and full fine-tuning?]" in reply.text
    assert "*and which would you pick?*" in reply.text


def test_are_you_sure_with_a_fact_corrects_and_alone_asks_for_the_reasoning(topical: Advisor) -> None:
    key, _ = _card(topical, "are-you-sure")
    alone = topical.handle(key, "u", "are you sure?")
    assert alone.heard == "follow_up" and alone.kind == "message"
    reply = topical.handle(key, "u", "are you sure? we only have 3k labeled claims")
    assert reply.heard == "correction" and reply.intake["labeled_examples"] == 3000  # stored, not tried


def test_a_question_with_a_fact_after_the_card_is_still_tried(topical: Advisor, fresh_store: Store) -> None:
    key, card = _card(topical, "still-tried")
    reply = topical.handle(key, "u", "and with only 3k labeled claims?")
    assert reply.heard == "follow_up" and _state(fresh_store, reply) == _state(fresh_store, card)


def test_help_with_a_question_at_the_top_of_a_dm_belongs_to_no_assessment(topical: Advisor) -> None:
    dm = ConversationKey("slack", "T1", "D8", "1.1")
    assert topical.route_top_level(dm, "U1", "help pls, what am i supposed to tell you?") is None
    assert topical.answer_outside("help pls, what am i supposed to tell you?").heard == "command"


@pytest.mark.parametrize(
    "said", ["ok that makes more sense now, thanks", "great, will share it with my lead. thanks a lot!"]
)
def test_a_short_remark_closed_by_thanks_after_the_card_is_small_talk(
    topical: Advisor, fresh_store: Store, said: str
) -> None:
    key, card = _card(topical, f"thanks-last-{said}")
    before = _state(fresh_store, card)
    reply = topical.handle(key, "u", said)
    assert reply.heard == "small_talk" and "didn't catch" not in reply.text
    assert _state(fresh_store, card) == before


def test_a_fact_closed_by_thanks_is_still_a_fact(topical: Advisor) -> None:
    key, _ = _card(topical, "thanks-last-fact")
    reply = topical.handle(key, "u", "oh and we have no ML engineers anymore, thanks")
    assert reply.intake["ml_expertise"] == "none"


def test_a_correction_of_a_number_still_being_confirmed_replaces_it(topical: Advisor) -> None:
    key = ConversationKey("cli", "t", "c", "correct-pending")
    topical.handle(key, "u", THIN)
    asked = topical.handle(key, "u", "we have 2M product pages where the merchants filled in every attribute")
    assert "2,000,000" in asked.text  # asked whether those are the labeled examples
    reply = topical.handle(key, "u", "oops, 200k not 2M, and they were cleaned")
    assert reply.heard == "correction" and reply.intake["labeled_examples"] == 200_000


def test_a_fact_then_a_question_after_a_dash_records_the_fact_and_answers_the_question(
    topical: Advisor, fresh_store: Store
) -> None:
    key = ConversationKey("cli", "t", "c", "fact-dash-question")
    topical.handle(key, "u", THIN)
    reply = topical.handle(
        key, "u", "yes there is customer PII in there - would redacting it before training be enough?"
    )
    assert reply.heard == "answer" and reply.intake["sensitive_data"] is True
    assert any(note.startswith("[knowledge answer to: would redacting it") for note in reply.notes)


def test_a_topic_question_naming_a_field_after_a_dash_stores_nothing(topical: Advisor, fresh_store: Store) -> None:
    key = ConversationKey("cli", "t", "c", "dash-topic-only")
    first = topical.handle(key, "u", THIN)
    reply = topical.handle(key, "u", "quick one - is fine-tuning ok for regulated industries?")
    assert reply.heard == "topic_question"
    assert "regulated" not in fresh_store.latest_intake(first.conversation_id).known()
