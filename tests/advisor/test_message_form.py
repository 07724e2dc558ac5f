"""The form of a message from general vocabularies: each mechanism with the messages it must take and the ones it
must leave alone. Sentences written for these tests."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.advisor import message_form as form
from bot.advisor.message_kind import approach_named, classify, introduces_project, is_correction


@pytest.mark.parametrize(
    "text",
    [
        "ta",
        "ta very much",
        "cheers mate",
        "splendid, thank you",
        "ok, noted",
        "right then, got it",
        "lovely stuff, ta",
        "👍",
        "🙏 🙏",
        ":+1:",
        "thx :pray:",
        "nice one 👌",
        "gotcha",
        "much obliged",
    ],
)
def test_acknowledgements_in_any_register(text: str) -> None:
    assert form.is_acknowledgement(text) or form.thanks(text)
    assert classify(text, has_facts=False) == "thanks"


@pytest.mark.parametrize(
    "text",
    [
        "ok, what does LoRA stand for?",  # a question, whatever it opens with
        "great, but how long does training take",
        "cool, we have 300 labelled emails",  # says something of its own
        "nice, the labels were checked by two people last year",
        "thanks?",
    ],
)
def test_acknowledgement_words_beside_something_else_are_not_small_talk(text: str) -> None:
    assert not form.is_acknowledgement(text)
    if "?" in text or "how" in text:
        assert classify(text, has_facts=False) != "thanks"


@pytest.mark.parametrize("text", ["nah, forget it", "no thanks", "never mind", "don't bother, it's fine", "nvm"])
def test_refusals(text: str) -> None:
    assert form.is_refusal(text)
    assert classify(text, has_facts=False) == "thanks"


@pytest.mark.parametrize("text", ["no", "nope", "no, we are not regulated", "forget what I said about budget?"])
def test_a_plain_no_or_a_fact_is_not_a_refusal(text: str) -> None:
    assert not form.is_refusal(text)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("how so?", "about_advice"),
        ("hmm, why?", "about_advice"),
        ("what do you mean by that?", "about_advice"),
        ("says who?", "about_advice"),
        ("why would we need more labels?", "about_advice"),  # why + our project
        ("really?", "about_advice"),
        ("what's quantization?", "topic_question"),  # short, but it has a subject of its own
        ("LoRA?", "topic_question"),
        ("why does RAG hallucinate less than a plain prompt?", "topic_question"),  # why, about the topic
        ("explain prompt caching", "topic_question"),
        ("can we reuse our FAQ pages?", "other"),  # about the asker's project: the dialogue decides
    ],
)
def test_questions_about_the_advice_and_about_the_topic(text: str, kind: str) -> None:
    assert classify(text, has_facts=False) == kind


@pytest.mark.parametrize(
    ("text", "before"),
    [
        ("skip ahead", ""),
        ("ok enough questions", ""),
        ("just give me your verdict please", ""),
        ("tell me what you'd do", ""),
        ("no idea. wrap it up", "no idea"),
        ("we have about 5k labelled chats, just recommend", "we have about 5k labelled chats"),
        ("cut to the chase, thanks", ""),
        ("so what's the verdict?", ""),
        ("stop asking and decide", ""),
        ("ok then, skip the rest and give me the bottom line", ""),
        ("that's all", ""),
    ],
)
def test_recommend_now_by_what_the_verb_does(text: str, before: str | None) -> None:
    assert form.recommend_now(text) == before


@pytest.mark.parametrize(
    "text",
    [
        "tell me about retrieval",
        "give me an example of a good prompt",
        "can you recommend an embedding model?",
        "skip this one",  # the pending question only
        "we are done with the pilot",
        "done in 3 months",
        "just tell me, is hybrid more expensive?",  # the request isn't the last thing said
    ],
)
def test_not_a_request_to_recommend_now(text: str) -> None:
    assert form.recommend_now(text) is None


@pytest.mark.parametrize(
    ("text", "facts", "rest"),
    [
        ("and if we only had 900 examples?", False, "we only had 900 examples?"),
        ("what if the team doubled", False, "the team doubled"),
        ("suppose budget was 50k", False, "budget was 50k"),
        ("but if there were no ML people?", False, "there were no ML people?"),
        ("what about with 40k labels?", True, "with 40k labels?"),
        ("would it change if we had 100k labels?", True, "would it change if we had 100k labels?"),
    ],
)
def test_what_ifs_by_their_conditional(text: str, facts: bool, rest: str) -> None:
    assert form.supposition(text, states_facts=facts) == rest


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        ("what about LoRA?", False),  # no fact: a topic question
        ("if we get funding the budget is 200k", True),  # a plan stated, not a question
        ("with 40k labels?", False),
        ("we have 40k labels, is that enough?", True),
        ("do you know if fine-tuning needs 10k examples?", True),
    ],
)
def test_not_a_what_if(text: str, facts: bool) -> None:
    assert form.supposition(text, states_facts=facts) is None


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("and?", True),
        ("great, but how does it scale", True),
        ("LoRA?", True),
        ("actually we have 5k, which is less than I said", False),
        ("we have 5k labels", False),
        # a modal or "is" straight before a verb or a hedge: the subject was left out of a statement
        ("could be a bit more.", False),
        ("will probably take a quarter", False),
        ("should be fine tbh", False),
        ("is about 12 weeks out", False),
        ("could we tune a small model", True),
        ("will it cost more", True),
        ("can be done?", True),
    ],
)
def test_question_form(text: str, question: bool) -> None:
    assert form.is_question(text) is question


@pytest.mark.parametrize(
    ("text", "approach"),
    [
        ("would hybrid suit us better?", "hybrid"),
        ("so prompting then?", "prompt_engineering"),
        ("fine-tune instead?", "fine_tuning"),
        ("that's fine", None),
        ("fine-tuning or prompting?", None),
    ],
)
def test_the_one_approach_a_message_names(text: str, approach: str | None) -> None:
    assert approach_named(text) == approach


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_has_a_form(text: str) -> None:
    before = form.recommend_now(text)
    assert before is None or text.lstrip(" ,;:.!?\n").startswith(before)
    rest = form.supposition(text, states_facts=True)
    assert rest is None or text.endswith(rest)
    assert classify(text, has_facts=False) in ("topic_question", "thanks", "why_not", "about_advice", "other")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("why not just use RAG?", "about_advice"),  # a comparison with the advice, whatever it names
        ("so why not hybrid?", "why_not"),
        ("how confident are you?", "about_advice"),
        ("how long would it take?", "other"),  # about the case in hand, not the topic: the dialogue decides
        ("how long does a fine-tune take?", "topic_question"),
        ("morning!", "thanks"),
        ("hey bot", "thanks"),
        ("ok bye", "thanks"),
        ("hey, we need a bot for invoices", "other"),
    ],
)
def test_more_forms(text: str, kind: str) -> None:
    assert classify(text, has_facts=False) == kind


@pytest.mark.parametrize(
    ("text", "correction"),
    [
        ("make that 4 engineers", True),
        ("on second thought, 10 weeks", True),
        ("typo, 2k not 20k", True),
        ("we have 4 engineers", False),
    ],
)
def test_correction_cues(text: str, correction: bool) -> None:
    assert is_correction(text) is correction


USE_CASE = "We want to sort warranty claims into 30 claim types"


@pytest.mark.parametrize(
    ("text", "another"),
    [
        ("we also want a chatbot that answers questions about our pension scheme", True),
        ("another one: a tool that drafts release notes from commits", True),
        ("we now need an assistant that writes product descriptions", True),
        ("we also need it to sort claims by language", False),  # "it": the same system
        ("we need a model that copes with twice the volume", False),  # nothing says it is another one
        ("we'd also like a second classifier for warranty claims by urgency", False),  # the same subject
        ("actually we also want another bot", False),  # says it corrects
        ("could we also have another bot for HR?", False),  # a question
    ],
)
def test_one_more_project_in_the_same_thread(text: str, another: bool) -> None:
    assert introduces_project(text, USE_CASE) is another


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("is fine-tuning worth it for routing insurance claims?", "other"),  # names a task: a project
        ("is fine-tuning worth it at all?", "topic_question"),
    ],
)
def test_a_question_that_names_a_task_is_about_a_project(text: str, kind: str) -> None:
    assert classify(text, has_facts=False) == kind


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("what's the TCO?", "about_advice"),  # the card's own figures
        ("what are the next steps?", "about_advice"),
        ("could you elaborate?", "about_advice"),
        ("so prompting then?", "about_advice"),
        ("what is it?", "about_advice"),
        ("what is prompting?", "topic_question"),  # asks what a word means, even one the advice uses
        ("explain hybrid", "topic_question"),
        ("what is retrieval augmented generation?", "topic_question"),
        ("can you explain when hybrid beats prompting?", "topic_question"),  # approaches don't point back
        ("hmm", "thanks"),
    ],
)
def test_questions_about_the_card_and_about_terms(text: str, kind: str) -> None:
    assert classify(text, has_facts=False) == kind


@pytest.mark.parametrize("text", ["that's all I know", "give me your best guess", "ok, go with what you have"])
def test_finishing_the_intake_in_other_words(text: str) -> None:
    assert form.recommend_now(text) == ""


@pytest.mark.parametrize(
    ("text", "before"),
    [
        ("that's it", ""),
        ("ok, that's all, thanks", ""),
        ("just 2 engineers, that's all", None),  # after a fact it means "only that"
        ("a couple of devs, that's it", None),
        ("no idea, that's all I know", "no idea"),  # says there is nothing more to tell
    ],
)
def test_finishing_words_that_only_ask_on_their_own(text: str, before: str | None) -> None:
    assert form.recommend_now(text) == before
