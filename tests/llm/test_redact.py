from __future__ import annotations

import pytest

from bot.redact import parse_kinds, redact


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("mail jane.doe@example.com now", "EMAIL"),
        ("call +1 415-555-0134 today", "PHONE"),
        ("call (415) 555-0134", "PHONE"),
        ("card 4111 1111 1111 1111 exp", "CARD"),
        ("card 4111-1111-1111-1111", "CARD"),
        ("ssn 123-45-6789", "NATIONAL_ID"),
        ("nino AB 12 34 56 C", "NATIONAL_ID"),
        ("key sk-proj-abcdefghijklmnop1234", "API_KEY"),
        ("slack xoxb-1234567890-abcdefghij", "API_KEY"),
        ("token: abcdefghijklmnopqrstuvwxyz012345", "API_KEY"),
    ],
)
def test_redacts(text: str, kind: str) -> None:
    assert f"[REDACTED_{kind}]" in redact(text)


@pytest.mark.parametrize(
    "text",
    [
        "We have 20,000 labeled examples and 2M requests a month, budget $50k, deadline 6 weeks.",
        "About 6,000 questions a month; 3-year TCO; GPT-4o; Q4 2026.",
    ],
)
def test_leaves_business_numbers_alone(text: str) -> None:
    assert redact(text) == text


def test_kinds_are_configurable() -> None:
    assert parse_kinds("none") == ()
    assert parse_kinds("email") == ("email",)
    assert redact("a@b.co 123-45-6789", parse_kinds("email")) == "[REDACTED_EMAIL] 123-45-6789"
    with pytest.raises(ValueError, match="unknown"):
        parse_kinds("emails")
