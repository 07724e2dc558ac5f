"""Summaries, digests and the App Home stay within Block Kit's limits (500 assessments in the store included),
never let user text inject mentions or links, and digest arguments are parsed strictly."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.errors import InputError
from bot.slack import leads_blocks as lb
from bot.slack.listeners.leads import is_summary_request, parse_digest_args
from bot.storage.store import Store
from bot.workflows.conversation import Advisor, ConversationKey
from bot.workflows.digest import DIGEST_ITEMS, build_digest, parse_period
from bot.workflows.interaction import DIGEST_REASON_MAX, SUMMARY_REASON_MAX
from bot.workflows.summary import build_summary
from tests.slack.test_blocks import check_limits

FULL = (
    "support ticket classifier; 50k clean labeled tickets, 2M requests a month, an ML team of 5, "
    "live in 6 months, budget $300k, not regulated, stable task"
)
PROMPT = "A support assistant drafting replies; no labeled data, no ML engineers, ship in 3 weeks."
_pieces = st.sampled_from(["<!channel>", "<!here>", "<@U1>", "<https://x.io|y>", "&", "*", "`", "🚀", "x" * 60, "\n"])
hostile = st.one_of(st.text(max_size=200), st.lists(_pieces, max_size=40).map("".join))


def link(channel: str, thread: str) -> str:
    return f"https://example.slack.com/archives/{channel}/p{thread.replace('.', '')}"


def check_view(view: dict[str, Any]) -> None:
    assert len(view["blocks"]) <= 100
    if "title" in view:
        assert len(view["title"]["text"]) <= 24
    check_limits([b for b in view["blocks"] if b["type"] != "input"][:50])
    for block in view["blocks"]:
        if block["type"] == "section":
            assert len(block.get("text", {}).get("text", "")) <= 3000


@pytest.fixture(scope="module")
def crowded() -> Store:
    """A store with 500 Slack assessments over 20 channels: 4 approaches/states, some decided, some with feedback."""
    store = Store(":memory:")
    advisor = Advisor(store)
    templates = [
        advisor.handle(ConversationKey("slack", "T1", "CSEED", str(i)), "U1", text)
        for i, text in enumerate([FULL, PROMPT])
    ]
    recs = [store.latest_recommendation(t.conversation_id) for t in templates]
    for n in range(500):
        conv = store.create_conversation(
            f"slack:T1:C{n % 20:04d}:{n}.0",
            platform="slack",
            team="T1",
            channel=f"C{n % 20:04d}",
            thread=f"{1700000000 + n}.000100",
            user=f"U{n % 37}",
        )
        if n % 10 == 9:
            continue  # still in intake
        rec = recs[n % 2]
        assert rec is not None
        store.save_recommendation(conv.id, 1, rec)
        if n % 7 == 0:
            store.record_decision(conv.id, "ULEAD", "approved", "ok <!channel>")
        if n % 5 == 0:
            store.set_feedback(conv.id, f"U{n}", "down", "too <@UEVIL> expensive")
    return store


@pytest.mark.slow
def test_digest_of_500_assessments_is_truncated_with_counts(crowded: Store) -> None:
    digest = build_digest(crowded, platform="slack", team="T1", period=parse_period("all"), can_see=lambda c: True)
    assert digest.total == 502
    blocks = lb.digest_blocks(digest, link, since="all")
    dumped = [b.to_dict() for b in blocks]
    check_limits(dumped)
    text = json.dumps(dumped, ensure_ascii=False)
    shown = text.count("https://example.slack.com/archives/")
    assert 0 < shown <= 4 * lb.DIGEST_PER_GROUP + lb.MAX_RECENT_DECISIONS
    assert sum(digest.counts.values()) == 502 and sum(map(len, digest.groups.values())) < 502  # paged in SQL
    for key, count in digest.counts.items():
        if count > lb.DIGEST_PER_GROUP:
            assert f"…and {count - lb.DIGEST_PER_GROUP} more — `ai-advisor export --since all`" in text, key
    assert "Recent decisions" in text and "👎 1" in text
    assert "<!channel>" not in text and "<@UEVIL>" not in text  # notes and reasons never reach the digest unescaped
    assert dumped[0]["type"] == "header" and "all time" in dumped[0]["text"]["text"]


@pytest.mark.slow
def test_digest_counts_and_pages_in_sql_as_the_full_list_would(crowded: Store) -> None:
    hidden = {"C0001", "C0002"}
    asked: list[str] = []

    def can_see(channel: str) -> bool:
        asked.append(channel)
        return channel not in hidden

    digest = build_digest(crowded, platform="slack", team="T1", period=parse_period("all"), can_see=can_see)
    everything = crowded.assessments(platform="slack", team="T1")
    assert sorted(asked) == sorted({r["channel"] for r in everything})  # once per channel
    rows = [r for r in everything if r["channel"] not in hidden]
    assert {k: v for k, v in digest.counts.items() if v} == dict(Counter(r["approach"] or "in_progress" for r in rows))
    assert digest.total == len(rows)
    for group, items in digest.groups.items():
        newest = [r["id"] for r in rows if (r["approach"] or "in_progress") == group][:DIGEST_ITEMS]
        assert [i.conversation_id for i in items] == newest
    decided = sorted(
        sorted((r for r in rows if r["decided_at"]), key=lambda r: r["id"]), key=lambda r: r["decided_at"], reverse=True
    )[:5]
    assert [i.conversation_id for i in digest.recent_decisions] == [r["id"] for r in decided]
    assert sum(map(len, digest.groups.values())) <= DIGEST_ITEMS * len(digest.groups) < len(rows)


def test_digest_for_one_channel_and_an_empty_digest(crowded: Store) -> None:
    one = build_digest(
        crowded, platform="slack", team="T1", period=parse_period("all"), can_see=lambda c: True, channel="C0003"
    )
    header = lb.digest_blocks(one, link, channel_name="general")[0].to_dict()
    assert header["text"]["text"].endswith("#general")
    none = build_digest(crowded, platform="slack", team="T1", period=parse_period("7d"), can_see=lambda c: False)
    blocks = [b.to_dict() for b in lb.digest_blocks(none, link)]
    assert none.total == 0 and len(blocks) == 3 and "No assessments" in json.dumps(blocks)


def test_home_view_for_a_lead_over_500_assessments(crowded: Store) -> None:
    digest = build_digest(crowded, platform="slack", team="T1", period=parse_period("30d"), can_see=lambda c: True)
    mine = [
        lb.MyAssessment(
            conversation_id=f"id{n}",
            channel="D1" if n % 2 else "C1",
            thread=f"{n}.1",
            use_case="<!here> " + "x" * 300,
            approach="fine_tuning" if n % 3 else None,
            confidence=0.8,
            status="Awaiting decision",
            updated_at="2026-11-27T10:00:00",
        )
        for n in range(25)
    ]
    view = lb.home_view(mine, link, digest).to_dict()
    check_view(view)
    text = json.dumps(view, ensure_ascii=False)
    assert view["type"] == "home" and lb.NEW_ACTION in text and "For leads" in text
    assert "<!here>" not in text and "a DM" in text
    assert text.count("&lt;!here&gt;") == 10  # the user's own list stops at 10
    plain = lb.home_view([], link).to_dict()
    assert "For leads" not in json.dumps(plain) and "no assessments yet" in json.dumps(plain)


def test_item_line_links_and_dms() -> None:
    digest = build_digest(
        Store(":memory:"), platform="slack", team="T1", period=parse_period("all"), can_see=lambda c: True
    )
    assert digest.total == 0
    from bot.workflows.digest import DigestItem

    item = DigestItem(
        conversation_id="abc",
        channel="D123",
        thread="dm",
        requester="U1",
        created_at="2026-11-27",
        approach="hybrid",
        confidence=0.71,
        status="Rejected",
        crossover=1_400_000,
        feedback_up=2,
    )
    line = lb.item_line(item, "https://example.slack.com/archives/D123")
    assert line.startswith("<https://example.slack.com/archives/D123|`abc`>") and "a DM" in line
    assert "71%" in line and "*Rejected*" in line and "~1.4M req/mo" in line and "👍 2 👎 0" in line
    assert lb.item_line(item, None).startswith("`abc`")


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=hostile, note=hostile)
@example(text="REGULATION", note="<!here>")  # reads as a regulated domain: a question comes before the card
def test_summary_blocks_are_within_limits_and_escaped(text: str, note: str) -> None:
    store = Store(":memory:")
    advisor, key = Advisor(store), ConversationKey("slack", "T1", "C1", "1.1")
    reply = advisor.handle(key, "UREQ", FULL + " " + text)
    if reply.kind == "questions":
        # The drawn text may itself read as a fact that needs a question first (e.g. "REGULATION" names a
        # regulated domain): the requester asks for the card now, as they can in any conversation.
        reply = advisor.handle(key, "UREQ", "recommend now")
    assert reply.kind == "recommendation"
    store.record_decision(reply.conversation_id, "ULEAD", "needs_info", note)
    summary = build_summary(store, reply.conversation_id).model_copy(
        update={
            "prose": text * 40,
            "risks": [text] * 10,
            "open_questions": [note * 5] * 10,
            "use_case": text * 10,
            "confidence_reason": note * 20,
            "tco_headline": text * 30,
            "feedback_reasons": [note * 10, text * 10] * 3,
        }
    )
    blocks = [b.to_dict() for b in lb.summary_blocks(summary, version=3, permalink="https://example.slack.com/x")]
    check_limits(blocks)
    dumped = json.dumps(blocks, ensure_ascii=False)
    assert "<!" not in dumped and "<@U1>" not in dumped and "<https://x.io" not in dumped
    assert "<@UREQ>" in dumped and "<@ULEAD>" in dumped  # our own mentions render
    actions = [b for b in blocks if b["type"] == "actions"]
    assert len(actions) == 1 and [e["action_id"] for e in actions[0]["elements"]] == [
        "decision:approved",
        "decision:needs_info",
        "decision:rejected",
    ]
    assert json.loads(actions[0]["elements"][0]["value"]) == {"c": reply.conversation_id, "v": 3, "d": "needs_info"}


def test_feedback_reasons_in_the_summary_and_the_digest() -> None:
    """The latest three 👎 reasons (newest first, as the core gives them), escaped and clipped; none, no line."""
    store = Store(":memory:")
    reply = Advisor(store).handle(ConversationKey("slack", "T1", "C1", "1.1"), "UREQ", FULL)
    reasons = ["<!channel> ignores our GPU budget", "y" * 900, "  too\n  slow  ", "fourth (not shown)"]
    summary = build_summary(store, reply.conversation_id).model_copy(update={"feedback_reasons": reasons})
    text = json.dumps([b.to_dict() for b in lb.summary_blocks(summary, version=1)], ensure_ascii=False)
    assert "Why 👎" in text and "• &lt;!channel&gt; ignores our GPU budget" in text and "<!channel>" not in text
    assert "y" * (SUMMARY_REASON_MAX - 1) + "…" in text and "y" * SUMMARY_REASON_MAX not in text
    assert "• too slow" in text and "fourth" not in text
    assert text.index("GPU budget") < text.index("yyy") < text.index("too slow")  # the core's order: newest first
    quiet = build_summary(store, reply.conversation_id).model_copy(update={"feedback_reasons": ["  "]})
    assert "Why 👎" not in json.dumps([b.to_dict() for b in lb.summary_blocks(quiet, version=1)], ensure_ascii=False)
    from bot.workflows.digest import DigestItem

    item = DigestItem(
        conversation_id="abc",
        channel="C1",
        thread="1.1",
        requester="U1",
        created_at="2026-11-27",
        approach="hybrid",
        confidence=0.7,
        status="Awaiting decision",
        crossover=None,
        feedback_down=4,
        feedback_reasons=reasons,
    )
    line = lb.item_line(item, None)
    assert "👎 why: “&lt;!channel&gt; ignores our GPU budget”; “" + "y" * (DIGEST_REASON_MAX - 1) + "…”" in line
    assert "“too slow”" in line and "fourth" not in line and "<!channel>" not in line
    assert "why" not in lb.item_line(item.model_copy(update={"feedback_reasons": []}), None)


def test_digest_counts_every_item_it_could_not_list() -> None:
    """Long lines (links, reasons) may not all fit in one section: whatever isn't listed is counted in "…and N
    more", so no assessment silently disappears from a digest."""
    from bot.workflows.digest import Digest, DigestItem

    items = [
        DigestItem(
            conversation_id=f"id{n:04d}",
            channel="C1",
            thread=f"{n}.1",
            requester="U1",
            created_at="2026-11-27",
            approach="hybrid",
            confidence=0.7,
            status="Awaiting decision",
            crossover=1_400_000,
            feedback_up=3,
            feedback_down=4,
            feedback_reasons=["<&>" * 200] * 3,
        )
        for n in range(20)
    ]
    digest = Digest(period="last 7 days", total=20, counts={"hybrid": 20}, groups={"hybrid": items}, headline="h")
    long_link = "https://example.slack.com/archives/C1/p" + "9" * 200
    blocks = [b.to_dict() for b in lb.digest_blocks(digest, lambda c, t: long_link, since="7d")]
    check_limits(blocks)
    text = json.dumps(blocks, ensure_ascii=False)
    listed = sum(f"`id{n:04d}`" in text for n in range(20))
    assert 0 < listed < lb.DIGEST_PER_GROUP  # fewer than a group's share fit in the section
    assert f"…and {20 - listed} more" in text


@pytest.mark.slow
def test_summary_of_an_intake_in_progress_has_no_decision_buttons() -> None:
    store = Store(":memory:")
    reply = Advisor(store).handle(ConversationKey("slack", "T1", "C1", "1.1"), "UREQ", "an assistant for support")
    blocks = [b.to_dict() for b in lb.summary_blocks(build_summary(store, reply.conversation_id), version=1)]
    assert not [b for b in blocks if b["type"] == "actions"]
    assert "No recommendation yet" in json.dumps(blocks) and "Open questions" in json.dumps(blocks)


def test_modals_serialise_within_limits() -> None:
    for status in ("approved", "needs_info", "rejected"):
        view = lb.decision_modal(status, {"c": "abc", "v": 2, "d": ""}, {"ch": "C1", "ts": "1.2"}).to_dict()
        check_view(view)
        assert view["callback_id"] == "decision"
        assert json.loads(view["private_metadata"]) == {
            "c": "abc",
            "v": 2,
            "d": "",
            "s": status,
            "ch": "C1",
            "ts": "1.2",
        }
        note = next(b for b in view["blocks"] if b.get("block_id") == "note")
        assert note["optional"] is True and note["element"]["max_length"] == 500
    reason = lb.reason_modal("abc", {"ch": "C1", "ts": "1.2"}).to_dict()
    check_view(reason)
    assert reason["callback_id"] == "feedback_reason"
    new = lb.new_assessment_modal().to_dict()
    check_view(new)
    kinds = {b["block_id"]: b["element"]["type"] for b in new["blocks"]}
    assert kinds == {"description": "plain_text_input", "channel": "conversations_select"}


def test_decoded_tolerates_forged_values() -> None:
    assert lb.decoded('{"c": "x"}') == {"c": "x"}
    assert lb.decoded("not json") == {} and lb.decoded("[1]") == {} and lb.decoded(None) == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", (None, None, None)),
        ("30d", ("30d", None, None)),
        ("ALL <#C0123ABCD|general>", ("all", "C0123ABCD", "general")),
        ("<#G0123ABCD> 2w", ("2w", "G0123ABCD", None)),
        ("C0123ABCDE", (None, "C0123ABCDE", None)),
    ],
)
def test_parse_digest_args(text: str, expected: tuple[str | None, str | None, str | None]) -> None:
    assert parse_digest_args(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("yesterday", "Usage"),
        ("7d 30d", "Usage"),
        ("#general", "suggestions"),
        ("<#C0123ABCD> <#C0123ABCE>", "Usage"),
        ("<!channel>", "Usage"),
    ],
)
def test_parse_digest_args_refuses_anything_else(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_digest_args(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("summary", True),
        ("Summary.", True),
        ("  summarize for leads ", True),
        ("summarise", True),
        ("a summary of our docs", False),
        ("summary please write code", False),
        ("", False),
    ],
)
def test_is_summary_request(text: str, expected: bool) -> None:
    assert is_summary_request(text) is expected
