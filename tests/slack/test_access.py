"""Slack lookups behind the leads' access rules, against the local Web API emulator: membership (paginated,
cached briefly, failing closed), the leads' user group, names and permalinks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from bot.config import Settings
from bot.services import Services
from bot.slack.access import SlackAccess, slack_leads, team_of
from tests.slack_emulator import Fault, SlackEmulator


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


def test_lead_group_from_settings(emulator: SlackEmulator, client: WebClient) -> None:
    settings = Settings(advisor_db=":memory:", advisor_leads="ULEAD, UOTHER",  # type: ignore[arg-type]
                        advisor_leads_group="SLEADS")  # fmt: skip
    team = slack_leads(Services(settings), client)
    assert team.leads.is_lead("ULEAD") and team.leads.is_lead("UGROUP") and not team.leads.is_lead("USECRET")
    team.leads.is_lead("UNOBODY")
    assert len(emulator.calls("usergroups.users.list")) == 1  # cached
    no_group = slack_leads(Services(Settings(advisor_db=":memory:")), client)  # type: ignore[arg-type]
    assert not no_group.leads.is_lead("UGROUP")
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
    assert team_of({"team": {"id": "T1"}}) == "T1"
    assert team_of({"team_id": "T2"}) == "T2"
    assert team_of({"user": {"team_id": "T3"}}) == "T3"
