"""Where the shipped `prompts/` and `knowledge/` directories are, in a checkout or an installed wheel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

_PACKAGE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    # A wheel carries the directory inside the package (under `_data/`, apart from the `bot.knowledge` code package);
    # a checkout (or editable install) has it at the root.
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"cannot find the {name}/ directory next to {_PACKAGE}")


def load_yaml(text: str | bytes) -> Any:
    """`yaml.safe_load`, with libyaml's C parser when PyYAML was built with it (10-20 times faster)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def prompts_dir() -> Path:
    """The directory holding prompt and question templates."""
    return _find("prompts")


def knowledge_dir() -> Path:
    """The shipped knowledge base directory."""
    return _find("knowledge")
