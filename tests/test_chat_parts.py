"""The terminal chat renders a reply from the same parts as Slack and Teams (intro, questions, examples, notes)."""

from __future__ import annotations

import pytest

from bot.advisor.questions import question_bank
from bot.cli import _echo_reply
from tests.workflows.replies import INTRO, MISLEADING_TEXT, NOTE, question_round


def test_a_round_is_its_intro_then_each_question_with_its_examples_then_the_notes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _echo_reply(question_round().model_copy(update={"worded": False}))
    bank = question_bank()
    ml, changes = bank["ml_expertise"], bank["changes_often"]
    assert capsys.readouterr().out.splitlines() == [
        f"advisor> {INTRO}",
        f"1. {ml.text}",
        f"          ({ml.hint})",
        f"2. {changes.text}",
        f"          ({changes.hint})",
        NOTE,
    ]


def test_a_round_without_an_intro_starts_the_first_question_on_the_prompt_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _echo_reply(question_round(intro="").model_copy(update={"worded": False, "notes": []}))
    assert capsys.readouterr().out.splitlines()[0] == f"advisor> 1. {question_bank()['ml_expertise'].text}"


def test_a_round_a_model_worded_is_shown_in_its_wording_with_the_examples_after(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _echo_reply(question_round())
    bank = question_bank()
    first, *rest = MISLEADING_TEXT.splitlines()
    assert capsys.readouterr().out.splitlines() == [
        f"advisor> {first}",
        *rest,
        f"          ({bank['ml_expertise'].hint})",
        f"          ({bank['changes_often'].hint})",
    ]
