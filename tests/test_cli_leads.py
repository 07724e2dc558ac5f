"""The admin commands over the leads' core: summary, export and purge against the configured database."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.config import Settings
from bot.storage.store import Store
from bot.workflows.conversation import Advisor, ConversationKey

FINE_TUNE = (
    "We classify 10M merchant descriptors a month, 300k clean labeled examples, an ML team of 7, "
    "stable codes, budget $2M, no hard deadline, not regulated."
)


@pytest.fixture(scope="module")
def stored_database(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """Two assessments (two whole conversations), written once for the module into a database of their own."""
    path = tmp_path_factory.mktemp("leads") / "advisor.db"
    store = Store(path)
    advisor = Advisor(store)
    ids = [
        advisor.handle(ConversationKey("slack", "T1", "C1", f"{i}.0"), "U1", FINE_TUNE).conversation_id
        for i in range(2)
    ]
    store.db.execute(
        "update conversations set updated_at = '2020-01-01T00:00:00.000+00:00', "
        "created_at = '2020-01-01T00:00:00.000+00:00' where id = ?",
        [ids[0]],
    )
    store.close()  # the last connection: its WAL is checkpointed into the file, which is then all there is to copy
    return path, ids


@pytest.fixture
def stored(stored_database: tuple[Path, list[str]]) -> list[str]:
    """The two assessments in the database the CLI opens (ADVISOR_DATA_DIR is the test's directory): a copy of the
    module's, so a test that purges changes only its own."""
    path, ids = stored_database
    target = Settings().db_path
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, target)
    return ids


def test_summary_prints_the_stored_assessment(stored: list[str]) -> None:
    result = CliRunner().invoke(main, ["summary", stored[1]])
    assert result.exit_code == 0, result.output
    assert "Fine-tuning" in result.output and "Labeled examples: 300,000" in result.output
    data = json.loads(CliRunner().invoke(main, ["summary", stored[1], "--json"]).output)
    assert data["approach"] == "fine_tuning" and data["conversation_id"] == stored[1]


def test_an_id_pasted_in_capitals_or_with_spaces_is_the_same_assessment(stored: list[str]) -> None:
    for pasted in (f"  {stored[1]} ", stored[1].upper()):
        result = CliRunner().invoke(main, ["summary", pasted, "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["conversation_id"] == stored[1]
    assert CliRunner().invoke(main, ["record", stored[1].upper()]).exit_code == 0


def test_summary_of_an_unknown_id_is_a_clean_error(stored: list[str]) -> None:
    result = CliRunner().invoke(main, ["summary", "nope"])
    assert result.exit_code == 1 and "no assessment with id 'nope'" in result.output
    assert "Traceback" not in result.output


def test_export_csv_and_json_respect_the_period(stored: list[str], tmp_path: Path) -> None:
    recent = CliRunner().invoke(main, ["export", "--since", "30d"])
    assert recent.exit_code == 0, recent.output
    rows = list(csv.DictReader(io.StringIO(recent.output)))
    assert [r["id"] for r in rows] == [stored[1]] and rows[0]["approach"] == "fine_tuning"
    out = tmp_path / "all.json"
    every = CliRunner().invoke(main, ["export", "--since", "all", "--format", "json", "-o", str(out)])
    assert every.exit_code == 0 and "Wrote 2 assessments" in every.output
    assert sorted(r["id"] for r in json.loads(out.read_text())) == sorted(stored)


def test_export_refuses_a_bad_period(stored: list[str]) -> None:
    result = CliRunner().invoke(main, ["export", "--since", "last tuesday"])
    assert result.exit_code == 1 and "is not a period" in result.output


def test_purge_deletes_old_conversations_only(stored: list[str]) -> None:
    result = CliRunner().invoke(main, ["purge", "--older-than", "180d"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 conversation not updated in the last 180 days (anonymised counts kept)." in result.output
    store = Store(Settings().db_path)
    assert [c[0] for c in store.db.execute("select id from conversations")] == [stored[1]]
    assert store.purged_counts()[0]["count"] == 1
    store.close()


@pytest.mark.slow
@pytest.mark.parametrize("age", ["all", "soon", "0d"])
def test_purge_refuses_a_bad_age_and_deletes_nothing(stored: list[str], age: str) -> None:
    result = CliRunner().invoke(main, ["purge", "--older-than", age])
    assert result.exit_code != 0 and "Traceback" not in result.output
    store = Store(Settings().db_path)
    assert store.db.execute("select count(*) from conversations").fetchone()[0] == 2
    store.close()
