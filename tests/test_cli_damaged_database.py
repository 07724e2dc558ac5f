"""A database file SQLite cannot use (overwritten with junk, truncated to a bare header, or a directory in its
place): every command that opens it says so in one line, exits non-zero and leaves the file as it was. A damaged
knowledge index (a cache of the knowledge files) is rebuilt instead. Also stdin that is not text."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.config import Settings

COMMANDS = [
    ["summary", "abc123"],
    ["record", "abc123"],
    ["export"],
    ["purge", "--older-than", "30d"],
    ["chat"],
]


def junk_database() -> Path:
    """The configured database path with bytes in it that are not a SQLite database."""
    path = Settings().db_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not a database at all\x00" + os.urandom(4096))
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: a[0])
def test_a_junk_database_file_is_one_clear_line_and_stays_untouched(args: list[str]) -> None:
    path = junk_database()
    before = digest(path)
    result = CliRunner().invoke(main, args, input="hello\n")
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # a clean exit, not an uncaught error
    error = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert error and str(path) in error[0] and "not a database" in error[0], result.output
    assert digest(path) == before
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0


def test_a_one_shot_assess_does_not_open_the_conversation_database() -> None:
    # Nothing is stored by `assess` (without a model, whose daily budget is counted there), so it never opens the
    # database: a junk file does not stop it and stays as it was.
    path = junk_database()
    before = digest(path)
    result = CliRunner().invoke(main, ["assess", "We route 9,000 helpdesk tickets a month and have no ML team."])
    assert result.exit_code == 0, result.output
    assert "prompt" in result.output.lower() and "Error" not in result.output
    assert digest(path) == before


def test_a_directory_where_the_database_should_be_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    folder = Settings().db_path
    folder.mkdir(parents=True)
    monkeypatch.setenv("ADVISOR_DB", str(folder))
    result = CliRunner().invoke(main, ["export"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert result.output.startswith(f"Error: cannot use the SQLite database {folder}"), result.output
    assert list(folder.iterdir()) == []


def test_assess_refuses_stdin_that_is_not_text() -> None:
    result = CliRunner().invoke(main, ["assess", "-"], input=b"\xff\xfe\x00\x81 garbage \xc3\x28 bytes")
    assert result.exit_code != 0 and result.output.startswith("Error:"), result.output


def test_doctor_names_the_damaged_database_and_what_to_do() -> None:
    path = junk_database()
    result = CliRunner().invoke(main, ["doctor"])
    assert result.exit_code == 1, result.output
    line = next(line for line in result.output.splitlines() if "database" in line and "FAIL" in line)
    assert str(path) in line and "not a database" in line and "Restore it from a backup" in line
    assert "StorageUnavailable" not in result.output and "writable place" not in result.output


def test_a_damaged_knowledge_index_is_rebuilt_not_a_traceback() -> None:
    index = Settings().advisor_data_dir / "knowledge.db"
    index.parent.mkdir(parents=True, exist_ok=True)
    index.write_bytes(b"junk, not an index" + os.urandom(2048))
    result = CliRunner().invoke(main, ["ask", "how much labeled data does fine-tuning need?"])
    assert result.exit_code == 0, (result.output, result.exception)
    assert "knowledge/" in result.output  # answered with its sources from the rebuilt index
    assert index.read_bytes().startswith(b"SQLite format 3\x00")


def test_a_knowledge_index_that_cannot_be_opened_is_one_clear_line() -> None:
    index = Settings().advisor_data_dir / "knowledge.db"
    index.mkdir(parents=True)  # a directory where the index file should be
    result = CliRunner().invoke(main, ["search", "labeled data"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert result.output.startswith(f"Error: cannot open the knowledge index {index}"), result.output
    assert result.output.count("\n") == 1
