"""`ai-advisor chat` with input people type by accident while a question is open: an empty line, or a slash
command from another tool. Both live in the conversation itself (bot/workflows/conversation.py and the message
reader), outside this change: recorded here as strict xfails so a fix there turns them green. Also two more
defects in out-of-scope files: charts left behind by purge, and a date past year 9999."""

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


@pytest.mark.xfail(
    strict=True,
    reason="an empty line while a question is open gets the new-conversation greeting ('Describe the AI feature "
    "you want to build: what it does, …') instead of the open question (bot/workflows/conversation.py)",
)
def test_an_empty_line_while_a_question_is_open_repeats_the_question() -> None:
    replies = chat(OPENING, "")
    assert "Describe the AI feature you want to build: what it does" not in replies[1]
    assert QUESTION in replies[1]


@pytest.mark.xfail(
    strict=True,
    reason="'/help' typed while the labeled-examples question is open is taken as its answer ('Got it. One more "
    "question') and the question is dropped (message reading: bot/advisor/message_*.py, dialogue.py)",
)
def test_a_slash_word_is_not_taken_as_an_answer() -> None:
    replies = chat(OPENING, "/help", "recommend now")
    assert not replies[1].startswith("advisor> Got it")


@pytest.mark.slow  # a whole conversation and its chart
@pytest.mark.xfail(
    strict=True,
    reason="`chat` writes each card's cost chart to $ADVISOR_DATA_DIR/charts/<id>-<n>.png and `purge` (both in "
    "bot/cli.py, out of this task's scope) never deletes them: the user's volume stays on disk after its assessment",
)
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


@pytest.mark.xfail(
    strict=True,
    raises=ValueError,
    reason="a relative deadline read against --today late in year 9999 builds a date in year 10000: ValueError "
    "traceback from bot/advisor/reader/dates.py (out of this task's scope); --today (bot/cli.py) is unbounded too",
)
def test_a_relative_deadline_near_the_last_representable_date_is_not_a_traceback() -> None:
    result = CliRunner().invoke(
        main, ["assess", "--today", "9999-12-31", "We classify support tickets and must go live by March."]
    )
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code in (0, 1), result.output
