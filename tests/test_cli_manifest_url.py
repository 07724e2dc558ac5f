"""`ai-advisor manifest --url`: Slack only takes an https address as a request URL, so anything else is refused
here in one line (before it was written into a manifest Slack then refused), and --socket with --url is a
contradiction, not a silently dropped option."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from bot.cli import main


@pytest.mark.parametrize(
    "url", ["not a url", "advisor.example.com", "http://advisor.example.com", "https://", "javascript:alert(1)"]
)
def test_a_request_url_slack_would_refuse_is_one_clear_line(url: str) -> None:
    result = CliRunner().invoke(main, ["manifest", "--url", url])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert result.output.startswith("Error: --url must be the app's public https address")
    assert result.output.count("\n") == 1


@pytest.mark.parametrize(
    ("url", "request_url"),
    [
        ("https://advisor.example.com", "https://advisor.example.com/slack/events"),
        ("https://advisor.example.com/slack/events", "https://advisor.example.com/slack/events"),
        ("https://advisor.example.com:8443/bots/", "https://advisor.example.com:8443/bots/slack/events"),
    ],
)
def test_an_https_address_becomes_the_request_url(url: str, request_url: str) -> None:
    result = CliRunner().invoke(main, ["manifest", "--url", url])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["settings"]["event_subscriptions"]["request_url"] == request_url


def test_socket_mode_with_a_url_is_refused() -> None:
    result = CliRunner().invoke(main, ["manifest", "--socket", "--url", "https://advisor.example.com"])
    assert result.exit_code == 1 and result.output.startswith("Error: --socket needs no --url"), result.output
