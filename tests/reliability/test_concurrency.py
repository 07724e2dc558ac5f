"""Concurrency through the real Bolt app (signed requests dispatched from many threads, Web API emulator):
conversations never see each other's state, and simultaneous answers in one thread make one coherent next step."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from slack_bolt import BoltRequest

from bot.config import Settings
from bot.services import Services
from bot.slack.app import AdvisorApp, build_app
from bot.workflows.conversation import ConversationKey
from tests import slack_requests as sr
from tests.e2e.helpers import first_button, is_card, question_fields
from tests.polling import eventually
from tests.slack_emulator import Call, SlackEmulator
from tests.tokens import BOT_TOKEN, SIGNING_SECRET

pytestmark = pytest.mark.slow  # see `make test-fast` in the README


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[AdvisorApp, SlackEmulator]]:
    with SlackEmulator() as emu:
        settings = Settings(
            slack_bot_token=SecretStr(BOT_TOKEN),
            slack_signing_secret=SecretStr(SIGNING_SECRET),
            slack_api_url=emu.url,
            advisor_data_dir=tmp_path,
        )
        app = build_app(Services(settings))
        app.start_delivery()
        yield app, emu
        app.shutdown(5)
        app.services.store.close()


def dispatch(app: AdvisorApp, body: dict[str, Any] | str, form: bool = False) -> int:
    raw = body if isinstance(body, str) else json.dumps(body)
    kind = "application/x-www-form-urlencoded" if form else "application/json"
    headers: dict[str, str | Sequence[str]] = {
        "content-type": kind,
        **{k.lower(): v for k, v in sr.sign(SIGNING_SECRET, raw).items()},
    }
    return app.dispatch(BoltRequest(body=raw, headers=headers)).status


def in_parallel(*jobs: Any) -> None:
    """Run the jobs in threads released at the same moment."""
    barrier = threading.Barrier(len(jobs))

    def run(job: Any) -> None:
        barrier.wait()
        job()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def posts(emu: SlackEmulator, channel: str, count: int) -> list[Call]:
    return emu.wait_for(
        "chat.postMessage", count, timeout=30, ok_only=True, predicate=lambda c: c.params.get("channel") == channel
    )


def test_fifty_conversations_at_once_never_see_each_others_state(served: tuple[AdvisorApp, SlackEmulator]) -> None:
    app, emu = served
    people = {f"C{i:03d}PAR": (50_000 + 1_000 * i, 2_000_000 + 10_000 * i, f"U{i:03d}") for i in range(50)}

    def mention(channel: str) -> None:
        examples, volume, user = people[channel]
        text = (
            f"<@{sr.BOT_USER_ID}> a support ticket classifier; we have {examples:,} clean labeled tickets, "
            f"{volume:,} requests a month, an ML team of 5, live in 6 months, budget $300k, not regulated, "
            "stable task"
        )
        assert dispatch(app, sr.event_body(sr.app_mention(text, channel=channel, user=user))) == 200

    in_parallel(*[lambda c=c: mention(c) for c in people])
    store = app.services.store
    for channel, (examples, volume, user) in people.items():
        card = posts(emu, channel, 1)[0]
        assert is_card(card)
        meta = card.params["metadata"]["event_payload"]
        conv = store.get_conversation(meta["conversation_id"])
        assert (conv.channel, conv.user) == (channel, user)
        assert conv.thread == card.params["thread_ts"]
        intake = store.latest_intake(conv.id).values
        assert (intake.labeled_examples, intake.monthly_requests) == (examples, volume)
        assert meta["monthly_requests"] == volume
        assert f"{examples:,}" in json.dumps(card.params["blocks"], ensure_ascii=False)
        assert [t["text"][:40] for t in store.turns(conv.id) if t["role"] == "user"] == [
            f"a support ticket classifier; we have {examples:,}"[:40]
        ]
    assert len(emu.calls("chat.postMessage", ok_only=True)) == 50


def test_two_answers_at_the_same_moment_make_one_coherent_next_step(served: tuple[AdvisorApp, SlackEmulator]) -> None:
    app, emu = served
    channel, thread = "CSAMEMOMENT", sr.new_ts()
    text = f"<@{sr.BOT_USER_ID}> a chatbot that answers questions about our internal docs"
    dispatch(app, sr.event_body(sr.app_mention(text, channel=channel, ts=thread)))
    question = posts(emu, channel, 1)[0]
    asked = question_fields(question)
    assert "labeled_examples" in asked or "ml_expertise" in asked
    # Two people answer at the same moment: one types, the other clicks a quick answer.
    button = first_button(question)
    clicked = button["action_id"].split(":")[1]
    typed = "we have 20k labeled examples" if clicked != "labeled_examples" else "an ML team of 5 engineers"
    payload = sr.block_actions_payload(
        button["action_id"],
        button["value"],
        channel=channel,
        thread_ts=thread,
        message_ts=question.response["ts"],
        user="U2",
    )
    payload["message"]["blocks"] = question.params["blocks"]
    key = str(ConversationKey("slack", sr.TEAM_ID, channel, thread))
    # "At the same moment" means both answers are acknowledged before either is answered. Left to the scheduler,
    # the first turn sometimes starts before the second answer lands (then each gets a reply of its own), so the
    # conversation's lock is held until both are in the inbox, as a turn still running would hold it.
    with app.services.store.conversation_lock(key):
        in_parallel(
            lambda: dispatch(app, sr.event_body(sr.message(typed, channel=channel, thread_ts=thread, user="U1"))),
            lambda: dispatch(app, sr.interactivity_form(payload), form=True),
        )
        eventually(lambda: len(app.services.inbox.unfinished(key)) == 2, "both answers acknowledged")
    posts(emu, channel, 2)
    time.sleep(0.5)  # room for a wrong second reply to show up
    replies = [c for c in emu.calls("chat.postMessage", ok_only=True) if c.params.get("channel") == channel]
    conv = app.services.store.find_conversation(key)
    assert conv is not None
    intake = app.services.store.latest_intake(conv.id).values.model_dump()
    answered = {clicked, "labeled_examples" if clicked != "labeled_examples" else "ml_expertise"}
    assert all(intake[f] is not None for f in answered), intake  # neither answer was lost
    # One next step built on both answers: a single reply that asks neither question again.
    assert len(replies) == 2, [r.params.get("text") for r in replies]
    next_step = replies[-1]
    assert is_card(next_step) or not answered & set(question_fields(next_step))
    users = [t for t in app.services.store.turns(conv.id) if t["role"] == "user"]
    assert len(users) == 3
    assert conv.version == len(app.services.store.intake_versions(conv.id))
    # and the clicked question shows who answered it
    assert any(c.params.get("ts") == question.response["ts"] for c in emu.calls("chat.update", ok_only=True))
