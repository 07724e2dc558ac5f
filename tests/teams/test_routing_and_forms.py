"""Pure parts: conversation keys from Teams activities, and parsing the "Adjust answers" form."""

from __future__ import annotations

from typing import Any

import pytest
from microsoft_agents.activity import Activity

from bot.teams.routing import key_of, route, user_of
from bot.workflows.forms import choices, parse_form, parse_number


def activity(conversation: dict[str, Any], **fields: Any) -> Activity:
    return Activity.model_validate(
        {
            "type": "message",
            "id": "1",
            "conversation": conversation,
            "from": {"id": "29:u", "aadObjectId": "aad-u"},
            **fields,
        }
    )


@pytest.mark.parametrize(
    ("conversation", "channel", "thread"),
    [
        (
            {"id": "19:abc@thread.tacv2;messageid=1700", "conversationType": "channel", "tenantId": "t1"},
            "19:abc@thread.tacv2",
            "1700",
        ),
        ({"id": "a:personal-1", "conversationType": "personal", "tenantId": "t1"}, "a:personal-1", "chat"),
        ({"id": "19:group@thread.v2", "conversationType": "groupChat", "tenantId": "t1"}, "19:group@thread.v2", "chat"),
    ],
)
def test_key_is_tenant_conversation_and_reply_chain(conversation: dict[str, Any], channel: str, thread: str) -> None:
    key = key_of(activity(conversation))
    assert (key.platform, key.team, key.channel, key.thread) == ("teams", "t1", channel, thread)


def test_tenant_falls_back_to_channel_data_and_user_to_the_teams_id() -> None:
    a = activity({"id": "a:1"}, channelData={"tenant": {"id": "t2"}}, **{"from": {"id": "29:x"}})
    assert key_of(a).team == "t2" and user_of(a) == "29:x"


def test_route_rules() -> None:
    channel = {"id": "19:c@thread.tacv2;messageid=5", "conversationType": "channel", "tenantId": "t"}
    chatter = activity(channel, text="hello\x00 there\ud800")
    assert route(chatter, mentioned=False, has_conversation=False) is None
    assert route(chatter, mentioned=True, has_conversation=False).text == "hello there"  # type: ignore[union-attr]
    escaped = activity(channel, text="ask <at>Dana</at>&nbsp;about R&amp;D &lt;3")
    assert route(escaped, mentioned=True, has_conversation=False).text == "ask Dana about R&D <3"  # type: ignore[union-attr]
    assert route(chatter, mentioned=False, has_conversation=True) is not None
    assert (
        route(
            activity({"id": "a:1", "conversationType": "personal"}, text="hi"), mentioned=False, has_conversation=False
        )
        is not None
    )
    assert route(activity(channel, text="hi", **{"from": {"name": "x"}}), mentioned=True, has_conversation=True) is None


@pytest.mark.parametrize(("text", "value"), [("20,000", 20000), ("20k", 20000), ("$1.5M", 1500000), (" 7 ", 7)])
def test_parse_number(text: str, value: int) -> None:
    assert parse_number(text, int) == value


@pytest.mark.parametrize("text", ["lots", "", "1e999", "nan", "k"])
def test_parse_number_refuses_non_numbers(text: str) -> None:
    with pytest.raises(ValueError):
        parse_number(text, int)


def test_parse_form_types_values_and_names_bad_fields() -> None:
    values, errors = parse_form(
        {
            "labeled_examples": "20k",
            "regulated": "true",
            "ml_expertise": '"strong"',
            "industry": "  retail ",
            "budget_usd": "",
            "verb": "x",
            "mission_critical": None,
        }
    )
    assert errors == {}
    assert values == {
        "labeled_examples": 20000,
        "regulated": True,
        "ml_expertise": "strong",
        "industry": "retail",
        "budget_usd": None,
        "mission_critical": None,
    }
    _, errors = parse_form(
        {"labeled_examples": "lots", "regulated": '"maybe"', "ml_expertise": "1", "priority": "{not json"}
    )
    assert set(errors) == {"labeled_examples", "regulated", "ml_expertise", "priority"}
    _, errors = parse_form({"deadline_weeks": "-3", "use_case": "x" * 501})
    assert set(errors) == {"deadline_weeks", "use_case"}


def test_choices_cover_booleans_and_enums() -> None:
    assert choices("regulated") == [("Yes", True), ("No", False)]
    assert [v for _, v in choices("ml_expertise")] == ["none", "limited", "strong"]
    assert choices("labeled_examples") == [] and choices("use_case") == []
