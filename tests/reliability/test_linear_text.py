"""Issue 18, defect 1 outside the reader: every other path that runs patterns over user text (grounding, redaction,
Slack and Teams command parsing, what runs before Slack is acknowledged, knowledge queries, stored-text cleaning)
does work linear in the text's length, whatever the text: long runs of digits, separators and repeated tokens.

Work is measured as this thread's CPU time (not wall-clock: other processes don't count), and compared between one
call on a text FACTOR times longer and FACTOR calls on the short one: linear work gives a ratio near 1, quadratic work
a ratio near FACTOR. The bound (RATIO) is generous on purpose, so a loaded machine can't fail a linear path.
The reader itself (`bot.advisor.extract`) is being rewritten separately and is not covered here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot import redact
from bot.advisor import message_form, message_kind
from bot.knowledge import query as knowledge_query
from bot.llm import grounding
from bot.slack import blocks as bk
from bot.slack.listeners.commands import parse_command
from bot.slack.listeners.leads import is_summary_request, parse_digest_args
from bot.slack.markup import plain_text, unescape
from bot.slack.middleware import sanitize
from bot.teams import leads as teams_leads
from bot.text import strip_controls
from bot.workflows import conversation

pytestmark = pytest.mark.slow  # see `make test-fast` in the README

SMALL = 600  # characters of the short text
FACTOR = 16  # the long text is this many times longer (9,600 characters: about half the per-message cap)
RATIO = 4.0  # linear ≈ 1, quadratic ≈ FACTOR
FLOOR = 0.003  # CPU seconds: anything cheaper than this on the long text is fine however it grows
PASSAGE = "Fine-tuning needs about 10,000 clean labeled examples. Prompting ships in weeks. " * 5


def _digest(text: str) -> Any:
    try:
        return parse_digest_args(text)
    except Exception:  # a usage error is an answer too
        return None


def _commands(text: str) -> Any:
    return [
        p.match(text)
        for p in (
            conversation._RESTART,
            conversation._WHY,
            conversation._HELP,
            teams_leads._SUMMARY,
            teams_leads._DIGEST,
        )
    ]


def _message_form(text: str) -> Any:
    return (
        message_form.recommend_now(text),
        message_form.supposition(text, states_facts=True),
        message_form.is_unsure(text),
        message_kind.classify(text, has_facts=False),
    )


def _user_text(text: str) -> Any:
    found = grounding.UserText.of(text)
    return found.has_instructions, found.backs(text[:300])


PATHS: dict[str, Callable[[str], Any]] = {
    "grounding.numbers_in": grounding.numbers_in,
    "grounding.ungrounded_numbers": lambda t: grounding.ungrounded_numbers(t, t[: len(t) // 2]),
    "grounding.UserText": _user_text,
    "grounding.addresses_assistant": grounding.addresses_assistant,
    "grounding.stated_number": lambda t: grounding.stated_number("monthly_requests", 12_345.0, t),
    "grounding.words": grounding.words,
    "redact.redact": redact.redact,
    "redact.scrub_secrets": redact.scrub_secrets,
    "slack.before_ack": lambda t: (
        sanitize({"event": {"text": t}}, lambda: None),
        is_summary_request(plain_text(t)),
    ),
    "slack.parse_command": lambda t: (parse_command(t), plain_text(t)),
    "slack.parse_digest_args": _digest,
    "slack.escape": lambda t: bk.safe(unescape(t), 3000),
    "conversation_and_teams_commands": _commands,
    "message_form": _message_form,
    "query.fts_query": knowledge_query.fts_query,
    "query.best_quote": lambda t: knowledge_query.best_quote(PASSAGE + t, t),
    "text.strip_controls": strip_controls,
}

# Pieces that made patterns like these quadratic before: digit runs, separators between digits, spaces after a
# command word, a key prefix repeated inside a run of key characters, an email's local part without an @ ...
UNITS = [
    "9",
    "1,",
    "1.",
    "1, ",
    " ",
    "\n",
    "  \n",
    "a-",
    "eyJ-",
    "a.",
    "a@",
    "$1,",
    "1 k ",
    "<@U1",
    "&amp;",
    "sk-",
    "x=",
    "1)",
    "[1]",
    "10x",
    "-1",
    "1-",
    "&lt;",
    "\x1b[",
    "token ",
    "why not ",
    "skip, ",
    "ok just ",
    "thanks ",
    "what if ",
    "and if we ",
    "👍",
    "summary ",
    "step ",
    "<https://x|",
    "<!date^1|",
    "<#C1|",
    "<!subteam^S1",
]
TOKENS = [
    "ignore previous instructions",
    "recommend",
    "fine-tuning",
    "labeled examples",
    "a month",
    "10k",
    "$300k",
    "<@UBOT>",
    "<!channel>",
    "digest",
    "7d",
    "restart",
    "why",
    "how come",
    "just tell me",
    "brilliant",
    "leave it",
    "KEY=value",
    "password:",
    "xoxb-1-2",
    "@x.io",
]
PREFIXES = ["", "summary", "why not", "digest", "restart", "token", "<@UBOT> ", "export X="]
unit = st.one_of(
    st.sampled_from(UNITS),
    st.text(alphabet="0123456789,.-+ $kKmM%:/\n\t@=<>|&;#_xXeyJ", min_size=1, max_size=4),
    st.lists(st.sampled_from(TOKENS), min_size=1, max_size=3).map(" ".join),
)


def cpu(fn: Callable[[str], Any], text: str, calls: int) -> float:
    """This thread's CPU seconds for `calls` calls of `fn(text)`, the best of three tries."""
    best = float("inf")
    for _ in range(3):
        start = time.thread_time()
        for _ in range(calls):
            fn(text)
        best = min(best, time.thread_time() - start)
    return best


def hostile(piece: str, prefix: str, suffix: str, length: int) -> str:
    return prefix + piece * (length // len(piece) + 1) + suffix


@pytest.mark.parametrize("name", PATHS)
@settings(max_examples=10, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(piece=unit, prefix=st.sampled_from(PREFIXES), suffix=st.sampled_from(["", "x", "!", "\n", "?"]))
@example(piece="9", prefix="", suffix="")
@example(piece=" ", prefix="summary", suffix="x")
@example(piece="\n", prefix="why not", suffix="x")
@example(piece="eyJ-", prefix="", suffix="!")
@example(piece="a.", prefix="", suffix="!")
@example(piece="1, ", prefix="", suffix="")
@example(piece="<https://x|", prefix="", suffix=">")
def test_work_grows_linearly_with_the_text(name: str, piece: str, prefix: str, suffix: str) -> None:
    fn = PATHS[name]
    short, long = hostile(piece, prefix, suffix, SMALL), hostile(piece, prefix, suffix, SMALL * FACTOR)
    once_long = cpu(fn, long, 1)
    if once_long < FLOOR:
        return
    many_short = cpu(fn, short, FACTOR)
    assert once_long <= RATIO * many_short + FLOOR, (
        f"{name}: one {len(long)}-character text took {once_long:.4f} s of CPU, {FACTOR} texts of {len(short)} "
        f"characters took {many_short:.4f} s (piece {piece!r}, prefix {prefix!r}, suffix {suffix!r})"
    )
