"""What a message points at besides its facts (round 4): something said before, a dispute of the card, another
team's numbers, and several questions in one message. Sentences written for these tests, with the near misses
that must not count."""

from __future__ import annotations

import pytest

from bot.advisor import message_refs as refs


@pytest.mark.parametrize(
    "text",
    [
        "same as above",
        "like I said, 20k",
        "as I mentioned earlier, two engineers",
        "see my last message",
        "i already told you that",
        "scroll up lol",
    ],
)
def test_pointing_back(text: str) -> None:
    assert refs.refers_back(text)


@pytest.mark.parametrize(
    "text", ["we have 20k labeled tickets", "said no to the vendor", "the same model for both", "above 10k a month"]
)
def test_not_pointing_back(text: str) -> None:
    assert not refs.refers_back(text)


@pytest.mark.parametrize(
    "text",
    [
        "that's not right, the rules change every month",
        "hmm, that's not right. we only have 3k labeled rows",
        "wrong. two engineers, not four",
        "I don't think so: no ML team here",
        "that's wrong - budget is 40k",
        "are you sure? we have no ML team",
        "I'm not sure that's right, the rules change weekly",
    ],
)
def test_disputes(text: str) -> None:
    assert refs.disputes(text)


@pytest.mark.parametrize(
    "text",
    [
        "no rush, sometime next year",
        "no labels at all",
        "no ML people",
        "we have no budget",
        "not regulated",
        "nope",  # a bare no answers something asked before more often than it disputes
        "nah, the transcripts are scrubbed already",
    ],
)
def test_a_no_is_no_dispute(text: str) -> None:
    assert not refs.disputes(text)


def test_only_what_follows_a_dispute_is_read() -> None:
    assert refs.after_dispute("wait, that's wrong - we do have 3 ML engineers") == "we do have 3 ML engineers"
    assert refs.after_dispute("hmm, not true. the volume is 5k a month") == "the volume is 5k a month"
    assert refs.after_dispute("no rush, Q3 is fine") == "no rush, Q3 is fine"
    assert refs.after_dispute("nope") == "nope"  # nothing after it: the message stays whole


USE_CASE = "We want a bot that drafts replies to warehouse damage claims"


@pytest.mark.parametrize(
    ("text", "left"),
    [
        ("the billing team next door has 2M labeled invoices, but that's not us", ""),
        ("another team has 40k labeled claims, we have none", "we have none"),
        ("our sister project does 3M requests a month. we do about 20k", "we do about 20k"),
        ("a different department has an ML team of 8; we have one analyst", "we have one analyst"),
        ("fwiw the marketing team's chatbot does 2M messages a month, unrelated", ""),
    ],
)
def test_another_teams_numbers_are_taken_out(text: str, left: str) -> None:
    foreign = refs.foreign_clauses(text, USE_CASE)
    assert foreign and refs.without(text, foreign) == left


@pytest.mark.parametrize(
    "text",
    [
        "their ML team is 3 people",
        "the claims team has 80k coded claims",
        "we have 2k labels, the team is small",
        "another department labels the data for us; 20k so far",  # a team that works for this project
        "the other team members are 2 data scientists",
        "we have another team of 3 ML engineers",
        "we run it in a separate system with 100k calls a month",
    ],
)
def test_the_projects_own_team_is_not_another(text: str) -> None:
    assert refs.foreign_clauses(text, USE_CASE) == []


def test_on_behalf_of_another_team_its_numbers_are_the_projects() -> None:
    behalf = "asking on behalf of another team: they want a bot that drafts replies to damage claims"
    assert refs.foreign_clauses("the other team has 40k labeled claims", behalf) == []


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("why fine-tuning? and what would it cost over three years?", 2),
        ("what's LoRA? and how many examples would a pilot need?", 2),
        ("why not hybrid? also, would a smaller team change it? and what about latency?", 3),
    ],
)
def test_several_questions(text: str, count: int) -> None:
    assert len(refs.questions(text)) == count


@pytest.mark.parametrize(
    "text",
    [
        "what if we had 2k? would that change it?",  # the second has no subject: it goes on with the first
        "we have 2k labels. is that enough?",  # a statement beside the question
        "why not hybrid?",
        "what would it cost",
    ],
)
def test_one_question(text: str) -> None:
    assert refs.questions(text) == []
