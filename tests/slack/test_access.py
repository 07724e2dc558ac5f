"""Slack lookups behind the leads' access rules, against the local Web API emulator: membership (paginated,
cached briefly, failing closed), the leads' user group, names and permalinks."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_sdk import WebClient

from bot.config import Settings
from bot.errors import PermissionDeniedError
from bot.services import Services
from bot.slack import messages as msg
from bot.slack.access import LookupFailedError, SlackAccess, slack_leads
from tests.slack_emulator import Fault, SlackEmulator


def closed_port() -> int:
    """A local port nothing listens on (connections are refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emu:
        emu.set_channel("CPUB", members=[f"U{i:03d}" for i in range(450)])
        emu.set_channel("GPRIV", private=True, members=["U001", "USECRET"])
        emu.set_channel("DSECRET", im=True, members=["USECRET", "UBOT"])
        emu.set_usergroup("SLEADS", ["UGROUP"])
        yield emu


@pytest.fixture
def client(emulator: SlackEmulator) -> WebClient:
    return WebClient(token="xoxb-test", base_url=emulator.url)


def members_calls(emulator: SlackEmulator, channel: str) -> int:
    return len([c for c in emulator.calls("conversations.members") if c.params.get("channel") == channel])


def test_membership_walks_every_page_and_is_cached_briefly(emulator: SlackEmulator, client: WebClient) -> None:
    clock = Clock()
    access = SlackAccess(client, ttl=60, clock=clock)
    assert access.can_see("U449", "CPUB") and access.can_see("U000", "CPUB")  # the last page too
    assert members_calls(emulator, "CPUB") == 3  # 450 members, 200 a page
    assert access.can_see("U100", "CPUB") and not access.can_see("USECRET", "CPUB")
    assert members_calls(emulator, "CPUB") == 3  # cached
    clock.now = 61
    access.can_see("U100", "CPUB")
    assert members_calls(emulator, "CPUB") == 6  # expired: looked up again


def test_private_channels_and_dms_need_membership(client: WebClient) -> None:
    access = SlackAccess(client)
    assert access.can_see("USECRET", "GPRIV") and not access.can_see("ULEAD", "GPRIV")
    assert access.can_see("USECRET", "DSECRET") and not access.can_see("ULEAD", "DSECRET")
    assert not access.can_see("ULEAD", "CUNKNOWN")  # channel_not_found: nobody sees it
    viewer = access.viewer("USECRET")
    assert viewer("GPRIV") and not viewer("CPUB")


def test_a_failed_lookup_fails_closed_and_is_not_cached(emulator: SlackEmulator, client: WebClient) -> None:
    access = SlackAccess(WebClient(token="xoxb-test", base_url=emulator.url, retry_handlers=[]))
    emulator.fail_next("conversations.members", Fault.error("ratelimited"))
    assert not access.can_see("USECRET", "GPRIV")
    assert access.can_see("USECRET", "GPRIV")  # asked again, not the cached failure
    emulator.fail_next("usergroups.users.list", Fault.server_error())
    grouped = SlackAccess(WebClient(token="xoxb-test", base_url=emulator.url, retry_handlers=[]), group_id="SLEADS")
    assert grouped.group_members() == frozenset()
    assert grouped.group_members() == {"UGROUP"}


@pytest.mark.slow
def test_timeouts_and_dropped_connections_fail_closed_too(emulator: SlackEmulator) -> None:
    """Not only Slack's API errors: a lookup that times out or can't connect counts as "no" (and isn't cached)."""
    slow = SlackAccess(
        WebClient(token="xoxb-test", base_url=emulator.url, timeout=1, retry_handlers=[]), group_id="SLEADS"
    )
    emulator.fail_next("conversations.members", Fault.timeout(2))
    assert not slow.can_see("USECRET", "GPRIV") and slow.members("GPRIV") is not None  # asked again: now known
    emulator.fail_next("usergroups.users.list", Fault.timeout(2))
    assert slow.in_group("UGROUP") is None and slow.group_members() == {"UGROUP"}
    dead = SlackAccess(
        WebClient(token="xoxb-test", base_url=f"http://127.0.0.1:{closed_port()}/api/", timeout=1, retry_handlers=[]),
        group_id="SLEADS",
    )
    assert dead.group_members() == frozenset() and dead.in_group("UGROUP") is None
    assert dead.members("GPRIV") is None and not dead.can_see("USECRET", "GPRIV")
    assert dead.display_name("U7") == "U7"
    assert dead.permalink("C1", "1.2") is None and dead.message_permalink("C1", "1.2") is None


def test_leads_and_members_are_required_with_a_clear_reason(emulator: SlackEmulator, client: WebClient) -> None:
    settings = Settings(advisor_db=":memory:", advisor_leads="ULEAD", advisor_leads_group="SLEADS")  # type: ignore[arg-type]
    team = slack_leads(Services(settings), WebClient(token="xoxb-test", base_url=emulator.url, retry_handlers=[]))
    emulator.fail_next("usergroups.users.list", Fault.error("ratelimited"))
    team.require_lead("ULEAD", "no")  # ADVISOR_LEADS: no lookup needed
    with pytest.raises(LookupFailedError, match="couldn't check"):
        team.require_lead("UGROUP", "no")
    team.require_lead("UGROUP", "no")  # the failure wasn't cached
    with pytest.raises(PermissionDeniedError, match=r"^not a lead$"):
        team.require_lead("USECRET", "not a lead")
    team.require_member("USECRET", "GPRIV", "no")
    with pytest.raises(PermissionDeniedError, match=r"^not in it$"):
        team.require_member("ULEAD", "GPRIV", "not in it")
    with pytest.raises(LookupFailedError) as failed:
        team.require_member("ULEAD", "CUNKNOWN", "not in it")  # channel_not_found: Slack can't say
    assert str(failed.value) == msg.LOOKUP_FAILED


def test_lead_group_from_settings(emulator: SlackEmulator, client: WebClient) -> None:
    settings = Settings(
        advisor_db=Path(":memory:"),
        advisor_leads="ULEAD, UOTHER",
        advisor_leads_group="SLEADS",
    )
    team = slack_leads(Services(settings), client)
    assert team.core.is_lead("ULEAD") and team.core.is_lead("UGROUP") and not team.core.is_lead("USECRET")
    team.core.is_lead("UNOBODY")
    assert len(emulator.calls("usergroups.users.list")) == 1  # cached
    no_group = slack_leads(Services(Settings(advisor_db=":memory:")), client)  # type: ignore[arg-type]
    assert not no_group.core.is_lead("UGROUP")
    assert no_group.access.group_members() == frozenset()
    emulator.set_usergroup("SLEADS", [])
    unknown = SlackAccess(client, group_id="SMISSING")
    assert unknown.group_members() == frozenset()  # no_such_subteam: nobody is a group lead


def test_permalinks_are_built_from_one_auth_test(emulator: SlackEmulator, client: WebClient) -> None:
    access = SlackAccess(client)
    links = [access.permalink("C1", f"1700000000.{n:06d}") for n in range(50)]
    assert links[1] == "https://example.slack.com/archives/C1/p1700000000000001"
    assert access.permalink("D1", None) == "https://example.slack.com/archives/D1"
    assert access.permalink("D1", "dm") == "https://example.slack.com/archives/D1"
    assert len(emulator.calls("auth.test")) == 1 and not emulator.calls("chat.getPermalink")
    assert access.message_permalink("C1", "1.000002") == "https://example.slack.com/archives/C1/p1000002"
    emulator.fail_next("chat.getPermalink", Fault.error("message_not_found"))
    assert access.message_permalink("C1", "1.000003") == "https://example.slack.com/archives/C1/p1000003"


def test_display_names_and_teams(emulator: SlackEmulator, client: WebClient) -> None:
    access = SlackAccess(client)
    assert access.display_name("U7") == "user-u7" and access.display_name("U7") == "user-u7"
    assert len(emulator.calls("users.info")) == 1
    emulator.fail_next("users.info", Fault.error("user_not_found"))
    assert access.display_name("U8") == "U8"
