"""Extraction payloads as the model sends them: the fields, and the user's words behind each as evidence."""

from __future__ import annotations

from typing import Any


def draft(**fields: tuple[Any, str]) -> dict[str, Any]:
    """Tool-call arguments for `IntakeDraft`: draft(needs=("deep_domain", "words the user typed"))."""
    return {
        **{name: value for name, (value, _) in fields.items()},
        "evidence": {name: quote for name, (_, quote) in fields.items()},
    }
