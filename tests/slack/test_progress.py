"""The ⏳ progress reaction: none for a turn that ends quickly, added and then removed for one that runs on, and a
failed reaction never fails the turn. Over real HTTP against the Web API emulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from bot.slack import messages as msg
from bot.slack.progress import ProgressReactions, progress_reactions
from tests.slack_emulator import Fault, SlackEmulator

CHANNEL = "CPROGRESS1"
HOUR = 3600.0  # a delay no test outlives: the reaction can't show during the test


@pytest.fixture
def emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emu:
        yield emu


@pytest.fixture
def client(emulator: SlackEmulator) -> WebClient:
    return WebClient(token="xoxb-test", base_url=emulator.url, timeout=5)


def reactions(emulator: SlackEmulator, ts: str) -> list[str]:
    return [c.method for c in emulator.calls() if c.method.startswith("reactions.") and c.params["timestamp"] == ts]


def test_a_quick_turn_shows_no_reaction(emulator: SlackEmulator, client: WebClient) -> None:
    with ProgressReactions(HOUR).showing(client, CHANNEL, "1.000001"):
        pass
    assert reactions(emulator, "1.000001") == []


def test_a_turn_that_runs_on_gets_the_reaction_then_loses_it(emulator: SlackEmulator, client: WebClient) -> None:
    progress = ProgressReactions(0.05)
    with progress.showing(client, CHANNEL, "1.000002"):
        # the turn is still running when the reaction goes on
        emulator.wait_for("reactions.add", predicate=lambda c: c.params["timestamp"] == "1.000002")
    assert reactions(emulator, "1.000002") == ["reactions.add", "reactions.remove"]
    add = emulator.calls("reactions.add")[-1]
    assert add.params["name"] == msg.WORKING_REACTION and add.params["channel"] == CHANNEL
    # the same timer serves the next turns; a quick one still shows nothing
    with ProgressReactions(HOUR).showing(client, CHANNEL, "1.000003"):
        pass
    assert reactions(emulator, "1.000003") == []


def test_no_delay_adds_it_at_once(emulator: SlackEmulator, client: WebClient) -> None:
    with ProgressReactions(0).showing(client, CHANNEL, "1.000004"):
        assert reactions(emulator, "1.000004") == ["reactions.add"]
    assert reactions(emulator, "1.000004") == ["reactions.add", "reactions.remove"]


def test_a_failed_reaction_is_not_removed_and_never_fails_the_turn(emulator: SlackEmulator, client: WebClient) -> None:
    emulator.fail_next("reactions.add", Fault.error("not_reactable"))
    with ProgressReactions(0).showing(client, CHANNEL, "1.000005"):
        pass
    assert reactions(emulator, "1.000005") == ["reactions.add"]
    with pytest.raises(RuntimeError), ProgressReactions(0).showing(client, CHANNEL, "1.000006"):
        raise RuntimeError("the turn's own failure goes through")
    assert reactions(emulator, "1.000006") == ["reactions.add", "reactions.remove"]


def test_one_timer_per_delay() -> None:
    assert progress_reactions(0.5) is progress_reactions(0.5)
    assert progress_reactions(0.5) is not progress_reactions(0.25)
