from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from bot.llm.templates import PURPOSES, TemplateError, load_all, load_template
from bot.resources import prompts_dir


def test_every_purpose_loads_with_its_hash() -> None:
    templates = load_all()
    assert set(templates) == set(PURPOSES)
    for name, t in templates.items():
        assert t.name == name
        assert t.sha256 == hashlib.sha256((prompts_dir() / f"{name}.yaml").read_bytes()).hexdigest()
        assert t.prompt.input_variables


def test_undeclared_variable_fails_at_load(tmp_path: Path) -> None:
    path = tmp_path / "verdict.yaml"
    path.write_text("name: verdict\ninput_variables: [facts]\nsystem: hi\nhuman: '{facts} {approach}'\n")
    with pytest.raises(TemplateError, match="approach"):
        load_template(path)


def test_declared_but_unused_variable_fails(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("name: x\ninput_variables: [facts, extra]\nsystem: hi\nhuman: '{facts}'\n")
    with pytest.raises(TemplateError, match="extra"):
        load_template(path)


def test_missing_template_file_fails(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="missing prompt template"):
        load_all(tmp_path)


def test_formatting_without_a_variable_fails() -> None:
    with pytest.raises(KeyError):
        load_all()["summary"].prompt.format_messages(facts="x")
