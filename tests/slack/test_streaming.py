"""Turning queued Slack mrkdwn into the markdown a stream takes, and cutting it into pieces."""

from __future__ import annotations

import pytest

from bot.slack.replies import Outgoing
from bot.slack.streaming import STREAM_KEY, pieces, streamable, to_markdown


@pytest.mark.parametrize(
    ("mrkdwn", "markdown"),
    [
        ("*Fine-tuning* wins", "**Fine-tuning** wins"),
        ("a * b * c", "a * b * c"),  # not emphasis: spaces inside
        ("~old~ new", "~~old~~ new"),
        ("see <https://example.com/a|the guide>", "see [the guide](https://example.com/a)"),
        ("see <https://example.com/a>", "see https://example.com/a"),
        ("costs &lt; $5k &amp; fast", "costs < $5k & fast"),
        ("_italic_ stays", "_italic_ stays"),
    ],
)
def test_to_markdown(mrkdwn: str, markdown: str) -> None:
    assert to_markdown(mrkdwn) == markdown


@pytest.mark.parametrize(
    "text",
    ["One. Two! Three?", "line one\nline two\n\n- a bullet: with a colon", "no punctuation at all", "", "x" * 500],
)
def test_pieces_join_back_to_the_text(text: str) -> None:
    assert "".join(pieces(text)) == text


def test_pieces_are_sentences() -> None:
    assert pieces("First point. Second point.") == ["First point. ", "Second point."]


def test_only_prose_posts_are_streamed() -> None:
    prose = streamable(Outgoing("message", {"text": "hi"}), "U1", "T1")
    assert prose.message[STREAM_KEY] == {"user": "U1", "team": "T1"}
    for outgoing in (Outgoing("recommendation", {"text": "card"}), Outgoing("questions", {"text": "q"})):
        assert STREAM_KEY not in streamable(outgoing, "U1", "T1").message
    update = Outgoing("message", {"text": "x"}, op="update", target_ts="1.2")
    assert STREAM_KEY not in streamable(update, "U1", "T1").message
