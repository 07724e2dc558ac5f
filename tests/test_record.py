"""The decision record: an ADR built from stored facts, with the user's words escaped."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.advisor import tco
from bot.cli import main
from bot.config import Settings
from bot.errors import InputError, NotFoundError
from bot.services import Services
from bot.workflows.conversation import ConversationKey
from bot.workflows.record import decision_record, escape

FULL = (
    "an invoice line-item extractor; 60k labeled invoices, 3M invoices a month, ML team of 4, "
    "six months, budget $400k, not regulated, stable format"
)


@pytest.fixture
def services(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, knowledge_into: Callable[[Path], Path]) -> Services:
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(tmp_path))
    knowledge_into(tmp_path)
    return Services(Settings())


def assess(services: Services, text: str, *, recommend: bool = True) -> str:
    key = ConversationKey("cli", "local", "c", "t1")
    reply = services.advisor.handle(key, "U1", text)
    if recommend and reply.kind != "recommendation":
        reply = services.advisor.handle(key, "U1", "recommend now")
    return reply.conversation_id


def test_record_has_every_section_and_the_cards_numbers(services: Services) -> None:
    cid = assess(services, FULL)
    rec = services.store.latest_recommendation(cid)
    assert rec is not None
    text = decision_record(services.store, cid)
    assert text.startswith("# Decision record: ")
    for heading in ("## Context", "## Options considered", "## Decision", "## Consequences", "## Open questions"):
        assert heading in text
    assert "## Sources" in text and "tco --explain" in text
    for cost in rec.tco.approaches.values():
        assert tco.format_usd(cost.total_usd) in text
    assert "(recommended)" in text and "Status: Proposed" in text
    assert "“60k labeled invoices”" in text  # the user's own words, quoted


def test_lead_decision_is_the_status(services: Services) -> None:
    cid = assess(services, FULL)
    services.store.record_decision(cid, "ULEAD", "approved", "go ahead, Q3")
    text = decision_record(services.store, cid)
    assert "Status: Approved" in text and "**Approved** by ULEAD: go ahead, Q3." in text


def test_user_text_cannot_make_structure_or_links(services: Services) -> None:
    # What reaches the core is plain text (an adapter took out its platform's markup): an angle-bracket link in it
    # is something the user typed, and the record shows it as literal text, never as a Markdown autolink.
    cid = assess(services, "# a <https://evil.example|click> bot | with [links](x) " + FULL)
    text = decision_record(services.store, cid)
    assert "\\<https://evil.example\\|click\\>" in text
    assert not re.search(r"(?<!\\)<https://evil", text) and "[links](x)" not in text
    assert "\n# a" not in text
    assert escape("a|b [c](d) <e> `f` *g*") == "a\\|b \\[c\\](d) \\<e\\> \\`f\\` \\*g\\*"


def test_no_recommendation_or_unknown_id_is_a_clear_error(services: Services) -> None:
    cid = assess(services, "a chatbot for our docs", recommend=False)
    with pytest.raises(InputError, match="no recommendation yet"):
        decision_record(services.store, cid)
    with pytest.raises(NotFoundError):
        decision_record(services.store, "nope")


def test_record_command(services: Services, tmp_path: Path) -> None:
    cid = assess(services, FULL)
    runner = CliRunner()
    env = {"ADVISOR_DATA_DIR": str(tmp_path)}
    result = runner.invoke(main, ["record", cid], env=env)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# Decision record")
    out = tmp_path / "adr.md"
    result = runner.invoke(main, ["record", cid, "-o", str(out)], env=env)
    assert result.exit_code == 0 and out.read_text(encoding="utf-8").startswith("# Decision record")
    missing = runner.invoke(main, ["record", "unknown-id"], env=env)
    assert missing.exit_code != 0 and "Traceback" not in missing.output
