"""`/ai-advisor tco` over signed HTTP: months counted as a person would (not "36.0"), an operator's cost file
(ADVISOR_TCO_CONFIG) with a 24-month horizon named "2-year", and a volume beyond any real one said to be ignored."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests import slack_requests as sr
from tests.e2e.conftest import Server
from tests.slack_emulator import Call, SlackEmulator

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def two_year_server(emulator: SlackEmulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("tco-horizon")
    config = data / "tco.yaml"
    config.write_text("horizon_months: 24\n")
    srv = Server(emulator, data, env={"ADVISOR_TCO_CONFIG": str(config)}).start()
    yield srv
    srv.stop()


def estimate(server: Server, key: str, text: str = "tco 2M requests a month") -> Call:
    """The ephemeral answer to `/ai-advisor <text>`, sent to a response_url of its own."""
    form = sr.slash_command_form(text, channel_id="CTCOH", response_url=server.emulator.webhook_url(key))
    seen = len(server.emulator.calls("webhook"))
    assert server.client.post_command(form)[0] == 200
    return server.emulator.wait_for("webhook", seen + 1, timeout=30)[-1]


def test_the_default_estimate_counts_whole_months(server: Server) -> None:
    blocks = json.dumps(estimate(server, "tco-h36").params["blocks"])
    assert "3-year cost at 2M requests/month" in blocks
    assert "36 months:" in blocks and "36.0" not in blocks


def test_a_24_month_estimate_says_2_year_and_24_months(two_year_server: Server) -> None:
    reply = estimate(two_year_server, "tco-h24")
    blocks = json.dumps(reply.params["blocks"])
    assert "2-year cost at 2M requests/month" in blocks
    assert "24 months:" in blocks and "24.0" not in blocks
    assert "3-year" not in blocks and "3-year" not in str(reply.params["text"])
    assert str(reply.params["text"]).startswith("2-year cost estimate")


def test_a_volume_beyond_any_real_one_is_said_to_be_ignored(server: Server) -> None:
    reply = estimate(server, "tco-absurd", "tco 900000000000000000 requests a month")
    blocks = json.dumps(reply.params["blocks"])
    assert "(assumed)" in blocks  # the estimate falls back to the assumed volume ...
    assert "900000000000000000" in blocks and "ignored" in blocks  # ... and says which number it set aside
