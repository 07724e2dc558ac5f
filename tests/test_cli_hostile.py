"""Issue 18, defect 5 at the admin's terminal: control characters users typed never reach `summary` or `export`,
purge overwrites what it deletes whatever SQLite was built with, and CLI errors are one clean line."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.config import Settings
from bot.storage.store import Store
from bot.text import strip_controls
from bot.workflows.conversation import Advisor, ConversationKey

FINE_TUNE = (
    "We classify 10M merchant descriptors a month, 300k clean labeled examples, an ML team of 7, "
    "stable codes, budget $2M, no hard deadline, not regulated."
)
ESCAPES = "\x1b[2J\x1b]0;pwned\x07\x9b31m\u202eevil\x00\r"


@pytest.fixture(scope="module")
def hostile_database(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """An assessment whose use case, feedback reason and decision note carry terminal escapes; one reason is
    written straight into the table, as a row stored before stripping existed would be. Written once for the
    module into a database of its own."""
    path = tmp_path_factory.mktemp("hostile") / "advisor.db"
    store = Store(path)
    advisor = Advisor(store)
    cid = advisor.handle(ConversationKey("slack", "T1", "C1", "1.0"), "U1", f"{ESCAPES} {FINE_TUNE}").conversation_id
    advisor.adjust(cid, "U1", {"use_case": f"tickets {ESCAPES} triage"})
    store.set_feedback(cid, "U2", "down", f"too {ESCAPES} slow")
    store.record_decision(cid, "U9", "approved", f"ok {ESCAPES} go")
    store.db.execute(
        "insert into feedback (conversation_id, user, value, reason, created_at) values "
        "(?, 'U3', 'down', ?, '2030-01-01')",
        [cid, f"legacy {ESCAPES} row"],
    )
    store.close()  # the last connection: its WAL is checkpointed into the file, which is then all there is to copy
    return path, cid


@pytest.fixture
def hostile(hostile_database: tuple[Path, str]) -> str:
    """That assessment in the database the CLI opens (ADVISOR_DATA_DIR is the test's directory), a copy of the
    module's: its id."""
    path, cid = hostile_database
    target = Settings().db_path
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, target)
    return cid


def has_controls(text: str) -> bool:
    return any(ch in text for ch in "\x1b\x07\x9b\u202e\x00\r")


def test_stored_user_text_has_no_control_characters(hostile: str) -> None:
    store = Store(Settings().db_path)
    use_case = store.latest_intake(hostile).values.use_case
    assert use_case and not has_controls(use_case)
    assert not any(has_controls(str(t["text"])) for t in store.turns(hostile))
    assert not has_controls(str(store.decision(hostile)["note"]))  # type: ignore[index]
    assert not any(has_controls(str(a["note"] or "")) for a in store.audit(hostile))
    store.close()


def test_summary_and_export_print_no_control_characters(hostile: str) -> None:
    summary = CliRunner().invoke(main, ["summary", hostile])
    assert summary.exit_code == 0 and "triage" in summary.output and not has_controls(summary.output)
    exported = CliRunner().invoke(main, ["export", "--since", "all"])
    assert exported.exit_code == 0 and not has_controls(exported.output)
    row = next(csv.DictReader(io.StringIO(exported.output)))
    assert "legacy" in row["feedback_reasons"] and "slow" in row["feedback_reasons"]


def test_strip_controls_keeps_text_newlines_and_tabs() -> None:
    assert strip_controls("a\tb\nc\x1bd\u202ee") == "a\tb\nc d e"


def test_export_to_an_unwritable_path_is_one_line(hostile: str, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    for target in (tmp_path / "missing" / "dir" / "x.csv", tmp_path / "a-file" / "x.csv"):
        result = CliRunner().invoke(main, ["export", "-o", str(target)])
        assert result.exit_code != 0 and "Traceback" not in result.output, result.output
        assert result.output.startswith("Error:") and len(result.output.strip().splitlines()) == 1, result.output


def test_purge_overwrites_what_it_deletes(tmp_path: Path) -> None:
    marker = "zq" + "x7" * 20  # a string found nowhere else
    store = Store(Settings().db_path)
    advisor = Advisor(store)
    advisor.handle(ConversationKey("slack", "T1", "C1", "1.0"), "U1", f"{marker} {FINE_TUNE}")
    store.db.execute("PRAGMA secure_delete = OFF")  # as on a SQLite built without it (this one has it on)
    store.db.execute("update conversations set updated_at = '2020-01-01T00:00:00.000+00:00'")
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert marker.encode() in Path(Settings().db_path).read_bytes()
    assert store.purge("2021-01-01T00:00:00", keep_counts=True) == 1
    files = [p for p in Path(Settings().db_path).parent.iterdir() if p.name.startswith("advisor.db")]
    assert files and not any(marker.encode() in p.read_bytes() for p in files)
    store.close()
