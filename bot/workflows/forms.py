"""The "Adjust answers" form, platform-neutral: which inputs each intake field gets and how typed text is parsed.

Slack's modal and the Teams input card render these choices their own way and both parse through here, so a
value typed as "20k" or "$1.5M" means the same on every platform.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, get_args

from pydantic import ValidationError

from bot.advisor.intake import IntakeValues

NUMBER_FIELDS: dict[str, type] = {
    "labeled_examples": int,
    "monthly_requests": int,
    "budget_usd": float,
    "deadline_weeks": float,
    "latency_p95_ms": int,
    "reviewed_output_count": int,
}
NOT_A_NUMBER = "Enter a number, e.g. 20000 (or leave it empty)."
_SUFFIX = {"k": 1e3, "m": 1e6, "b": 1e9}


def initial_text(value: Any) -> str:
    """A stored value as the form prefills it (whole numbers without ".0" or exponents, so an unchanged form
    submits the same value)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def choices(name: str) -> list[tuple[str, Any]]:
    """The options of an enum or yes/no field as (label, value); empty for numbers and free text."""
    args = [a for a in get_args(IntakeValues.model_fields[name].annotation) if a is not type(None)]
    if args == [bool]:
        return [("Yes", True), ("No", False)]
    literal = [v for a in args for v in get_args(a)]
    return [(str(v).replace("_", " ").capitalize(), v) for v in literal]


def parse_number(text: str, kind: type) -> float | int:
    """A number as people type it: "20,000", "20k", "1.5M", "$300k"; ValueError otherwise."""
    t = text.strip().lower().replace(",", "").replace("_", "").replace("$", "").replace(" ", "")
    factor = 1.0
    if t and t[-1] in _SUFFIX:
        factor, t = _SUFFIX[t[-1]], t[:-1]
    number = float(t) * factor
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(text)
    return round(number) if kind is int else number


def parse_form(raw: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Typed intake values from a submitted form, and an error message per field that can't be used.

    `raw` maps field names to what the form sent: text as typed, or a choice's JSON-encoded value ("" or
    None for unknown). Keys that are not intake fields are ignored; a choice that is not one of the field's
    options is an error, so a forged submission can't smuggle in a value the form never offered.
    """
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, given in raw.items():
        if name not in IntakeValues.model_fields:
            continue
        text = "" if given is None else str(given).strip()
        options = choices(name)
        if not text:
            values[name] = None
        elif options:
            try:
                value = json.loads(text)
            except ValueError:
                value = object()  # never one of the options
            if not any(value == v and type(value) is type(v) for _, v in options):
                errors[name] = "Pick one of the options."
            else:
                values[name] = value
        elif name in NUMBER_FIELDS:
            try:
                values[name] = parse_number(text, NUMBER_FIELDS[name])
            except ValueError:
                errors[name] = NOT_A_NUMBER
        else:
            values[name] = text
    if not errors:
        try:
            IntakeValues.model_validate({k: v for k, v in values.items() if v is not None})
        except ValidationError as exc:
            for err in exc.errors():
                field = str(err["loc"][0]) if err.get("loc") else ""
                if field in raw:
                    errors[field] = str(err["msg"])[:150]
    return values, errors
