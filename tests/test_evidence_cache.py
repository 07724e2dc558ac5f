"""The evidence cache behind one-shot `assess`: the same citations and case studies as the live index, looked up
without it once kept, and never stale when a knowledge file or the code changes."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.advisor.engine import Recommendation
from bot.advisor.intake import Intake
from bot.cli import main
from bot.knowledge.evidence_cache import TABLE, CachedEvidence, fingerprint
from bot.knowledge.query import KnowledgeIndex
from bot.resources import knowledge_dir
from bot.workflows.one_shot import Assessor

# Cards that differ in approach, leaning steps, techniques, gates, regimes and case study.
DESCRIPTIONS = [
    "Sorting 200k hand-labelled invoices into 40 ledger codes, 3M invoices a month, five ML engineers, stable format.",
    "A drafting helper for marketing emails, no labelled data, no ML staff, launch in three weeks, tone changes often.",
    "Grading support calls against a QA scorecard, 2k scored calls, a product team without ML skills, live in a month.",
    "Summarising patient discharge notes at a hospital, 30k reviewed summaries, HIPAA applies, data must stay on-prem.",
    "Answering staff questions about internal policies, which change weekly; a small ML team, 500k questions a month.",
]


@pytest.fixture
def kdir(tmp_path: Path) -> Path:
    """A copy of the shipped knowledge base, free to edit."""
    root = tmp_path / "knowledge"
    shutil.copytree(knowledge_dir(), root)
    return root


@pytest.fixture
def index(kdir: Path, tmp_path: Path) -> Iterator[KnowledgeIndex]:
    idx = KnowledgeIndex(tmp_path / "knowledge.db", [kdir], refresh_interval=None)
    idx.ensure_fresh()
    yield idx
    idx.close()


def _cards() -> list[tuple[Recommendation, Intake]]:
    return [Assessor().assess(text)[:2] for text in DESCRIPTIONS]


def _no_index() -> KnowledgeIndex:
    raise AssertionError("the index was opened although every card's evidence was kept")


def test_cached_evidence_equals_the_live_index_and_is_served_without_it(
    index: KnowledgeIndex, kdir: Path, tmp_path: Path
) -> None:
    cards = _cards()
    live = [index.enrich(rec, intake) for rec, intake in cards]
    assert len({tuple((c.source, c.section) for c in r.citations) for r in live}) > 1, "cards too alike to tell"
    assert any(r.case_studies for r in live)

    asked: list[int] = []

    def opened() -> KnowledgeIndex:
        asked.append(1)
        return index

    first = CachedEvidence(tmp_path / "knowledge.db", [kdir], opened)
    assert [first.enrich(rec, intake) for rec, intake in cards] == live
    assert asked, "a cold cache asks the index"
    first.close()

    again = CachedEvidence(tmp_path / "knowledge.db", [kdir], _no_index)  # another process, same files
    assert [again.enrich(rec, intake) for rec, intake in cards] == live
    again.close()


def test_an_edited_knowledge_file_is_a_miss(index: KnowledgeIndex, kdir: Path, tmp_path: Path) -> None:
    rec, intake = _cards()[0]
    cache = CachedEvidence(tmp_path / "knowledge.db", [kdir], lambda: index)
    before = cache.enrich(rec, intake)
    cache.close()
    cited = kdir.parent / before.citations[0].source
    cited.write_text(cited.read_text(encoding="utf-8").replace("fine-tun", "FT-tun"), encoding="utf-8")
    index.ensure_fresh()

    asked: list[int] = []

    def opened() -> KnowledgeIndex:
        asked.append(1)
        return index

    after = CachedEvidence(tmp_path / "knowledge.db", [kdir], opened)
    assert after.enrich(rec, intake) == index.enrich(rec, intake)
    assert asked
    rows = after._db().execute(f"SELECT key FROM {TABLE}").fetchall()
    assert rows
    assert len({k.split(" ", 1)[0] for (k,) in rows}) == 1, "entries for the old files are dropped as new ones come"
    after.close()


def test_the_fingerprint_follows_files_but_not_bytecode(tmp_path: Path) -> None:
    (tmp_path / "pkg" / "__pycache__").mkdir(parents=True)
    module = tmp_path / "pkg" / "rules.py"
    module.write_text("A = 1\n")
    start = fingerprint([tmp_path / "pkg"])
    (tmp_path / "pkg" / "__pycache__" / "rules.cpython-311.pyc").write_bytes(b"\0")
    assert fingerprint([tmp_path / "pkg"]) == start
    module.write_text("A = 22\n")
    assert fingerprint([tmp_path / "pkg"]) != start
    changed = fingerprint([tmp_path / "pkg"])
    st = module.stat()
    os.utime(module, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))  # same size, touched
    assert fingerprint([tmp_path / "pkg"]) != changed


def test_the_fingerprint_sees_into_linked_folders_and_survives_a_loop(tmp_path: Path) -> None:
    outside = tmp_path / "shared"
    outside.mkdir()
    (outside / "policy.md").write_text("# Policy\n")
    root = tmp_path / "knowledge"
    root.mkdir()
    (root / "shared").symlink_to(outside, target_is_directory=True)
    (root / "loop").symlink_to(root, target_is_directory=True)
    start = fingerprint([root])
    (outside / "policy.md").write_text("# Policy, revised\n")
    assert fingerprint([root]) != start


def test_an_unwritable_cache_still_gives_the_index_answer(index: KnowledgeIndex, kdir: Path, tmp_path: Path) -> None:
    rec, intake = _cards()[1]
    blocked = tmp_path / "not-a-database"
    blocked.write_text("this is no SQLite file")
    cache = CachedEvidence(blocked, [kdir], lambda: index)
    assert cache.enrich(rec, intake) == index.enrich(rec, intake)
    assert blocked.read_text() == "this is no SQLite file"


def test_assess_prints_the_same_card_cold_and_warm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("ADVISOR_KNOWLEDGE_DIRS", raising=False)
    runner = CliRunner()
    cold = runner.invoke(main, ["assess", "--json", DESCRIPTIONS[3]])
    warm = runner.invoke(main, ["assess", "--json", DESCRIPTIONS[3]])
    assert cold.exit_code == 0 and warm.exit_code == 0, cold.output + warm.output
    assert json.loads(cold.output)["citations"] and cold.output == warm.output
    with sqlite3.connect(tmp_path / "data" / "knowledge.db") as db:
        assert db.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0] >= 2  # the case files and the citations


def test_a_kept_answer_repeats_the_index_warnings(kdir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (kdir / "broken.md").write_bytes(b"# Broken\n\n## Part\n\n\xff\xfe not text\n")
    rec, intake = _cards()[0]

    def opened() -> KnowledgeIndex:
        idx = KnowledgeIndex(tmp_path / "knowledge.db", [kdir], refresh_interval=None)
        idx.ensure_fresh()
        return idx

    cold = CachedEvidence(tmp_path / "knowledge.db", [kdir], opened)
    with caplog.at_level("WARNING"):
        live = cold.enrich(rec, intake)
    said = [r.getMessage() for r in caplog.records if "broken.md" in r.getMessage()]
    assert said == ["knowledge file knowledge/broken.md: not UTF-8 text"]
    assert cold._index is not None
    cold._index.close()
    cold.close()
    caplog.clear()

    warm = CachedEvidence(tmp_path / "knowledge.db", [kdir], _no_index)
    with caplog.at_level("WARNING"):
        assert warm.enrich(rec, intake) == live
        warm.enrich(rec, intake)  # once per process, as the index does
    assert [(r.name, r.getMessage()) for r in caplog.records] == [("bot.knowledge.evidence_cache", said[0])]
    warm.close()
