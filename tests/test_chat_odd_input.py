"""`ai-advisor chat` with input people type by accident while a question is open: an empty line, or a slash
command from another tool (bot/workflows/conversation.py), charts left behind by purge, and a date past year 9999."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot.cli import main

OPENING = "We want to auto-route IT helpdesk tickets, about 9,000 a month."
QUESTION = "How many clean, labeled examples"


def chat(*lines: str) -> list[str]:
    """The advisor's replies, one string each, to `lines` typed in order."""
    result = CliRunner().invoke(main, ["chat"], input="\n".join([*lines, "quit"]) + "\n")
    assert result.exit_code == 0, result.output
    # CliRunner echoes what was typed after each prompt: the first line of each part is the input itself.
    return [part.partition("\n")[2].strip() for part in result.output.split("you> ")[1:-1]]


def test_the_opening_asks_about_labeled_examples() -> None:
    assert QUESTION in chat(OPENING)[0]


def test_an_empty_line_while_a_question_is_open_repeats_the_question() -> None:
    replies = chat(OPENING, "")
    assert "Describe the AI feature you want to build: what it does" not in replies[1]
    assert QUESTION in replies[1]


def test_a_slash_word_is_not_taken_as_an_answer() -> None:
    replies = chat(OPENING, "/help", "recommend now")
    assert not replies[1].startswith("advisor> Got it")
    assert "Describe the AI feature" in replies[1] and QUESTION in replies[1]  # the help, then the open question


@pytest.mark.slow  # a whole conversation and its chart
def test_purge_removes_the_charts_of_what_it_deletes() -> None:
    import sqlite3

    from bot.config import Settings

    chat("We route 9,000 helpdesk tickets a month into 12 queues, no ML team, 500 labeled examples.", "recommend now")
    settings = Settings()
    charts = list((settings.advisor_data_dir / "charts").glob("*.png"))
    assert charts  # the card's chart was drawn
    with sqlite3.connect(settings.db_path) as db:
        db.execute("update conversations set updated_at = '2001-01-01T00:00:00.000+00:00'")
    result = CliRunner().invoke(main, ["purge", "--older-than", "30d"])
    assert "Deleted 1 conversation " in result.output, result.output
    assert not [c for c in charts if c.exists()]


def test_a_relative_deadline_near_the_last_representable_date_is_not_a_traceback() -> None:
    result = CliRunner().invoke(
        main, ["assess", "--today", "9999-12-31", "We classify support tickets and must go live by March."]
    )
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code in (0, 1), result.output
