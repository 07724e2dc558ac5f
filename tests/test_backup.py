"""`ai-advisor backup FILE`: a consistent copy of the SQLite database (also while it is written to), refused
clearly when there is nothing to copy or the file exists, and a copy that restores."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from bot.storage.store import Store


def _store(data: Path) -> Store:
    data.mkdir(parents=True, exist_ok=True)
    return Store(data / "advisor.db")


def _conversation(store: Store, n: int) -> str:
    conv = store.create_conversation(
        f"slack:T1:C1:{n}", platform="slack", team="T1", channel="C1", thread=str(n), user="U1"
    )
    store.add_turn(conv.id, "user", f"message {n}")
    return str(conv.id)


def test_backup_copies_the_database_while_it_is_written_and_restores(isolated_env: Path, tmp_path: Path) -> None:
    store = _store(isolated_env)
    first = _conversation(store, 0)
    stop = threading.Event()

    def keep_writing() -> None:
        n = 1
        while not stop.is_set():
            _conversation(store, n)
            n += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        result = CliRunner().invoke(main, ["backup", str(tmp_path / "copy.db")])
    finally:
        stop.set()
        writer.join()
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Backed up {isolated_env / 'advisor.db'} to {tmp_path / 'copy.db'} (")
    assert not list(tmp_path.glob(".copy.db.partial-*")) and not (tmp_path / "copy.db-wal").exists()
    # Restore (README, "Backups"): with no server running, the copy replaces the database.
    store.close()
    restored = tmp_path / "restored"
    restored.mkdir()
    shutil.copy(tmp_path / "copy.db", restored / "advisor.db")
    again = Store(restored / "advisor.db")
    assert again.get_conversation(first).key == "slack:T1:C1:0"
    again.close()


def test_backup_refuses_an_existing_file_unless_forced(isolated_env: Path, tmp_path: Path) -> None:
    _store(isolated_env).close()
    target = tmp_path / "copy.db"
    target.write_text("keep me", encoding="utf-8")
    result = CliRunner().invoke(main, ["backup", str(target)])
    assert result.exit_code == 1 and "exists; choose another file or pass --force" in result.output
    assert target.read_text(encoding="utf-8") == "keep me"
    assert CliRunner().invoke(main, ["backup", "--force", str(target)]).exit_code == 0
    assert target.read_bytes().startswith(b"SQLite format 3")


def test_backup_without_a_database_says_where_it_looked(isolated_env: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["backup", str(tmp_path / "copy.db")])
    assert result.exit_code == 1
    assert (
        result.output.strip()
        == f"Error: no database at {isolated_env / 'advisor.db'} (check ADVISOR_DATA_DIR / ADVISOR_DB)"
    )
    assert not (tmp_path / "copy.db").exists()


def test_backup_into_a_missing_directory_is_one_line(isolated_env: Path, tmp_path: Path) -> None:
    _store(isolated_env).close()
    target = tmp_path / "no" / "such" / "copy.db"
    result = CliRunner().invoke(main, ["backup", str(target)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip() == f"Error: cannot write {target}: {target.parent} is not a directory"
