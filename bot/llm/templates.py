"""Prompt templates: one YAML file per purpose in `prompts/`, loaded as LangChain `ChatPromptTemplate`s.

Named `templates` rather than `prompts` because a wheel carries the `prompts/` directory inside the package.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from bot.resources import prompts_dir

if TYPE_CHECKING:
    from langchain_core.prompts import ChatPromptTemplate

PURPOSES: tuple[str, ...] = (
    "extraction",
    "question_wording",
    "verdict",
    "summary",
    "knowledge_answer",
    "digest_headline",
)


class TemplateError(ValueError):
    """A prompt template file is malformed or its declared variables do not match its text."""


@dataclass(frozen=True)
class Template:
    """A loaded template: its name, the sha256 of its file, its system text and the chat prompt."""

    name: str
    sha256: str
    system: str
    prompt: ChatPromptTemplate

    @property
    def ref(self) -> str:
        """`name@hash-prefix`, for logs."""
        return f"{self.name}@{self.sha256[:12]}"


def load_template(path: Path) -> Template:
    """Load one template file; fail loudly when declared and used variables differ."""
    # Imported here: LangChain (about a second to import) loads when a model's prompts are built, not with every
    # module that names a template.
    from langchain_core.prompts import ChatPromptTemplate

    raw = path.read_bytes()
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise TemplateError(f"{path.name}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise TemplateError(f"{path.name}: expected a mapping")
    missing = [k for k in ("name", "input_variables", "system", "human") if k not in data]
    if missing:
        raise TemplateError(f"{path.name}: missing keys {missing}")
    declared = data["input_variables"]
    if not isinstance(declared, list) or not all(isinstance(v, str) for v in declared):
        raise TemplateError(f"{path.name}: input_variables must be a list of names")
    try:
        prompt = ChatPromptTemplate.from_messages([("system", data["system"]), ("human", data["human"])])
    except (ValueError, KeyError) as exc:
        raise TemplateError(f"{path.name}: {exc}") from None
    used = set(prompt.input_variables)
    if used != set(declared):
        raise TemplateError(f"{path.name}: declared variables {sorted(declared)} but the text uses {sorted(used)}")
    return Template(str(data["name"]), hashlib.sha256(raw).hexdigest(), str(data["system"]), prompt)


@cache
def load_all(directory: Path | None = None) -> dict[str, Template]:
    """Every purpose's template from `directory` (default: the shipped prompts/); a missing one is an error."""
    root = directory or prompts_dir()
    out: dict[str, Template] = {}
    for purpose in PURPOSES:
        path = root / f"{purpose}.yaml"
        if not path.is_file():
            raise TemplateError(f"missing prompt template {path}")
        template = load_template(path)
        if template.name != purpose:
            raise TemplateError(f"{path.name}: name {template.name!r} does not match the file name")
        out[purpose] = template
    return out
