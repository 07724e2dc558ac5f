"""The manifest subscribes to what the app acts on: in OAuth mode Slack sends `app_uninstalled` and
`tokens_revoked` only to apps subscribed to them, and they are what forgets an uninstalled workspace's tokens."""

from __future__ import annotations

from bot.slack.manifest import manifest
from bot.slack.middleware import OTHER_EVENTS


def bot_events(**kw: object) -> list[str]:
    return list(manifest("https://advisor.example.com", **kw)["settings"]["event_subscriptions"]["bot_events"])  # type: ignore[arg-type]


def test_the_oauth_manifest_subscribes_to_uninstall_and_revocation() -> None:
    for kw in ({}, {"least_privilege": True}):
        events = bot_events(oauth=True, **kw)
        assert {"app_uninstalled", "tokens_revoked"} <= set(events)
        assert len(events) == len(set(events))


def test_a_single_workspace_manifest_has_no_revocation_events_it_would_not_act_on() -> None:
    assert not {"app_uninstalled", "tokens_revoked"} & set(bot_events())


def test_every_non_message_event_subscribed_is_one_the_app_listens_to() -> None:
    for kw in ({}, {"oauth": True}, {"least_privilege": True}):
        others = {e for e in bot_events(**kw) if not e.startswith(("message.", "app_mention"))}
        assert others <= OTHER_EVENTS, others - OTHER_EVENTS
