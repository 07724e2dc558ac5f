"""Knowledge retrieval: chunking, incremental indexing, hostile queries, the retriever, case matching, CLI."""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.advisor import engine
from bot.advisor.intake import Intake, IntakeValues
from bot.cli import main
from bot.errors import InputError
from bot.knowledge.chunking import ChunkError, chunk_markdown
from bot.knowledge.evidence import enrich, match_case, queries_for
from bot.knowledge.query import KnowledgeIndex, answer, fts_query, query_terms
from bot.resources import knowledge_dir

SHIPPED = knowledge_dir()
SAMPLE = [
    "cases/goto.md",
    "cases/togal.md",
    "framework/comparison.md",
    "framework/when-to-fine-tune.md",
    "framework/when-to-prompt.md",
    "risk/regulated-industries.md",
]


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Never touch the user's data directory."""
    data = tmp_path / "advisor-data"
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(data))
    monkeypatch.delenv("ADVISOR_KNOWLEDGE_DIRS", raising=False)
    return data


@pytest.fixture
def kdir(tmp_path: Path) -> Path:
    """A copy of a few shipped knowledge files under tmp_path/knowledge."""
    root = tmp_path / "knowledge"
    for rel in SAMPLE:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SHIPPED / rel, root / rel)
    return root


@pytest.fixture
def index(kdir: Path, data_dir: Path) -> Iterator[KnowledgeIndex]:
    """An index over the copied files (refreshed only when a test asks)."""
    idx = KnowledgeIndex(data_dir / "knowledge.db", [kdir], refresh_interval=None)
    idx.ensure_fresh()
    yield idx
    idx.close()


@pytest.fixture(scope="module")
def shipped_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeIndex]:
    """An index over the whole shipped knowledge base (read-only use)."""
    idx = KnowledgeIndex(tmp_path_factory.mktemp("kb") / "knowledge.db", [SHIPPED], refresh_interval=None)
    idx.ensure_fresh()
    yield idx
    idx.close()


# --- chunking ---

DOC = """---
title: Widgets and gadgets
tags: [widgets, gadgets]
---

# Widgets and gadgets

This introduction is long enough to be kept as an overview chunk of the file, about widgets.

## First section

Alpha text.

### A subsection stays inside

Beta text.

```
## not a heading inside a code fence
```

## Second section

Gamma text.
"""


def test_chunks_one_per_section_with_overview() -> None:
    doc = chunk_markdown(DOC, "knowledge/w.md")
    assert doc.title == "Widgets and gadgets"
    assert [c.section for c in doc.chunks] == ["Overview", "First section", "Second section"]
    first = doc.chunks[1]
    assert "Beta text." in first.text and "not a heading" in first.text
    assert first.title == "Widgets and gadgets" and first.tags == "widgets gadgets"
    assert all(c.source == "knowledge/w.md" for c in doc.chunks)
    assert [c.position for c in doc.chunks] == [0, 1, 2]


def test_short_preamble_is_not_a_chunk_and_headingless_file_is_one() -> None:
    doc = chunk_markdown("# T\n\nshort\n\n## Only\n\nBody here.\n", "k/a.md")
    assert [c.section for c in doc.chunks] == ["Only"]
    assert doc.title == "T"
    plain = chunk_markdown("Just a paragraph with no headings at all.", "k/notes-file.md")
    assert [c.section for c in plain.chunks] == ["Overview"]
    assert plain.title == "Notes file"


def test_long_section_is_split_at_paragraphs() -> None:
    body = "\n\n".join(f"Paragraph {i} " + "word " * 150 for i in range(12))
    doc = chunk_markdown(f"## Big\n\n{body}\n", "k/big.md")
    assert len(doc.chunks) > 1
    assert {c.section for c in doc.chunks} == {"Big"}
    assert all(len(c.text) <= 4000 for c in doc.chunks)


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "no content"),
        ("   \n\n", "no content"),
        ("---\ntitle: x\n---\n", "no content"),
        ("---\ntitle: [unclosed\n---\n\n## A\n\nbody\n", "invalid front matter"),
        ("---\ntitle: x\n\n## A\n\nbody\n", "not closed"),
        ("---\n- a\n- b\n---\n## A\n\nbody\n", "not a mapping"),
        ("## A\n\n## B\n", "no content"),
    ],
)
def test_broken_markdown_raises_chunk_error(text: str, message: str) -> None:
    with pytest.raises(ChunkError, match=message):
        chunk_markdown(text, "k/bad.md")


def test_shipped_knowledge_chunks_cleanly() -> None:
    for path in SHIPPED.rglob("*.md"):
        doc = chunk_markdown(path.read_text(encoding="utf-8"), path.name)
        assert doc.chunks and doc.meta.get("title"), path


# --- indexing ---


def test_first_index_then_nothing_to_do(index: KnowledgeIndex) -> None:
    report = index.ensure_fresh()
    assert report.indexed == [] and report.removed == [] and report.errors == {}
    assert sorted(report.unchanged) == sorted(f"knowledge/{p}" for p in SAMPLE)
    assert report.chunks == index.db["chunks"].count > len(SAMPLE)


def test_changed_file_alone_is_reindexed(index: KnowledgeIndex, kdir: Path) -> None:
    path = kdir / "cases/goto.md"
    path.write_text(
        path.read_text(encoding="utf-8") + "\n## Zebra crossings\n\nQuokkas everywhere.\n", encoding="utf-8"
    )
    report = index.ensure_fresh()
    assert report.indexed == ["knowledge/cases/goto.md"]
    assert len(report.unchanged) == len(SAMPLE) - 1
    hits = index.search("quokkas", 3)
    assert [(p.source, p.section) for p in hits] == [("knowledge/cases/goto.md", "Zebra crossings")]
    # Back to the original: the extra section is gone, not duplicated.
    shutil.copy(SHIPPED / "cases/goto.md", path)
    assert index.ensure_fresh().indexed == ["knowledge/cases/goto.md"]
    assert index.search("quokkas", 3) == []


def test_touched_but_unchanged_file_is_not_reindexed(index: KnowledgeIndex, kdir: Path) -> None:
    path = kdir / "cases/togal.md"
    path.write_bytes(path.read_bytes())  # new mtime, same content
    os.utime(path, ns=(1, 1))
    report = index.ensure_fresh()
    assert report.indexed == [] and "knowledge/cases/togal.md" in report.unchanged


def test_deleted_and_new_files(index: KnowledgeIndex, kdir: Path) -> None:
    assert any(p.source == "knowledge/cases/togal.md" for p in index.search("togal takeoffs", 5))
    (kdir / "cases/togal.md").unlink()
    # Searching an index whose file vanished still works (the refresh is what drops it).
    assert isinstance(index.search("togal takeoffs", 5), list)
    (kdir / "new").mkdir()
    (kdir / "new/policy.md").write_text("---\ntitle: Our policy\n---\n## Ferrets\n\nFerrets are approved.\n")
    report = index.ensure_fresh()
    assert report.removed == ["knowledge/cases/togal.md"]
    assert report.indexed == ["knowledge/new/policy.md"]
    assert not any(p.source == "knowledge/cases/togal.md" for p in index.search("togal takeoffs", 10))
    assert index.db.execute("select count(*) from chunks where source like '%togal%'").fetchone()[0] == 0
    assert index.search("ferrets", 1)[0].source == "knowledge/new/policy.md"


def test_broken_file_is_reported_by_name_and_the_rest_stays_searchable(index: KnowledgeIndex, kdir: Path) -> None:
    (kdir / "broken.md").write_text("---\ntitle: [oops\n---\n## A\n\ntext\n", encoding="utf-8")
    (kdir / "empty.md").write_text("", encoding="utf-8")
    (kdir / "binary.md").write_bytes(b"\xff\xfe\x00\x01garbage")
    report = index.ensure_fresh()
    assert set(report.errors) == {"knowledge/broken.md", "knowledge/empty.md", "knowledge/binary.md"}
    assert "front matter" in report.errors["knowledge/broken.md"]
    assert index.search("rubric scorecard", 3)
    # Still reported on the next (no-op) refresh, until fixed.
    assert set(index.ensure_fresh().errors) == set(report.errors)
    (kdir / "broken.md").write_text("---\ntitle: Fixed\n---\n## A\n\nNarwhals.\n", encoding="utf-8")
    again = index.ensure_fresh()
    assert again.indexed == ["knowledge/broken.md"] and "knowledge/broken.md" not in again.errors
    assert index.search("narwhals", 1)[0].source == "knowledge/broken.md"


def test_missing_directory_is_reported(tmp_path: Path, kdir: Path) -> None:
    idx = KnowledgeIndex(":memory:", [kdir, tmp_path / "nope"], refresh_interval=None)
    report = idx.ensure_fresh()
    assert str(tmp_path / "nope") in report.errors and report.indexed


def test_extra_directory_is_cited_relative_to_its_parent(tmp_path: Path, kdir: Path) -> None:
    extra = tmp_path / "customer" / "policies"
    extra.mkdir(parents=True)
    (extra / "ai-use.md").write_text("---\ntitle: AI use policy\n---\n## Approved vendors\n\nOnly Acme.\n")
    idx = KnowledgeIndex(tmp_path / "k.db", [kdir, extra], refresh_interval=None)
    idx.ensure_fresh()
    hit = idx.search("approved vendors acme", 1)[0]
    assert (hit.source, hit.section, hit.title) == ("policies/ai-use.md", "Approved vendors", "AI use policy")


def test_reopening_keeps_the_index_and_tokenizer_change_rebuilds(kdir: Path, data_dir: Path) -> None:
    path = data_dir / "knowledge.db"
    KnowledgeIndex(path, [kdir], refresh_interval=None).ensure_fresh()
    again = KnowledgeIndex(path, [kdir], refresh_interval=None).ensure_fresh()
    assert again.indexed == [] and len(again.unchanged) == len(SAMPLE)
    plain = KnowledgeIndex(path, [kdir], stemming=False, refresh_interval=None).ensure_fresh()
    assert len(plain.indexed) == len(SAMPLE)


def test_search_refreshes_on_its_own(kdir: Path, data_dir: Path) -> None:
    idx = KnowledgeIndex(data_dir / "knowledge.db", [kdir], refresh_interval=0.0)
    idx.ensure_fresh()
    (kdir / "late.md").write_text("## Late\n\nPlatypus facts.\n")
    assert idx.search("platypus", 1)[0].source == "knowledge/late.md"


def test_stemming_matches_word_forms(index: KnowledgeIndex) -> None:
    hits = index.search("auditing", 3)
    assert any("audit" in (p.section + p.text).lower() for p in hits)


# --- hostile queries ---

HOSTILE = [
    '"',
    '""',
    '"unbalanced',
    "fine*",
    "*",
    "NEAR",
    "NEAR(a b)",
    "a NEAR b",
    "-",
    "-fine",
    "col:fine",
    "title:",
    ":",
    "AND",
    "OR NOT",
    "(",
    ")",
    "^fine",
    "fine-tuning",
    "{a b}",
    "x' OR 1=1 --",
    "\x00",
    "é",
    "ファインチューニングとは",
    "Что такое дообучение?",
    "微调 还是 提示工程",
    "🙂🙂",
    "a" * 10_000,
    "fine " * 2_000,
    "the of and a",
    "",
    "   ",
]


@pytest.mark.slow
@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_raise(index: KnowledgeIndex, query: str) -> None:
    results = index.search(query, 5)
    assert isinstance(results, list) and len(results) <= 5


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.sampled_from(
            [
                '"',
                "*",
                "-",
                ":",
                "(",
                ")",
                "^",
                "{",
                "}",
                "+",
                " ",
                "NEAR",
                "AND",
                "OR",
                "NOT",
                "fine",
                "tuning",
                "audit",
                "ü",
                "日本",
            ]
        )
    ).map("".join)
    | st.text(max_size=300)
)
def test_any_text_is_a_safe_query(index: KnowledgeIndex, query: str) -> None:
    assert isinstance(index.search(query, 3), list)
    match = fts_query(query)
    assert match is None or match.count('"') % 2 == 0


def test_query_terms_drop_stopwords_and_cap() -> None:
    assert query_terms("What is the cost of fine-tuning?") == ["cost", "fine", "tuning"]
    assert len(query_terms(" ".join(f"w{i}" for i in range(500)))) == 40
    assert fts_query("the and of") is None


def test_ranking_prefers_the_matching_heading(shipped_index: KnowledgeIndex) -> None:
    top = shipped_index.search("When is fine-tuning the better fit?", 1)[0]
    assert top.source == "knowledge/framework/when-to-fine-tune.md"
    top = shipped_index.search("When is prompt engineering the better fit?", 1)[0]
    assert top.source == "knowledge/framework/when-to-prompt.md"


def test_concurrent_searches(shipped_index: KnowledgeIndex) -> None:
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(20):
                assert shipped_index.search("audit prompts regulated", 3)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


# --- the retriever ---


def test_retriever_contract(shipped_index: KnowledgeIndex) -> None:
    # Imported here: LangChain loads only in the test process that runs this test.
    from langchain_core.documents import Document

    from bot.knowledge.retriever import KnowledgeRetriever

    retriever = KnowledgeRetriever(index=shipped_index, k=3)
    docs = retriever.invoke("how do auditors review a prompt compared with a tuned model")
    assert 0 < len(docs) <= 3
    for doc in docs:
        assert isinstance(doc, Document) and doc.page_content
        assert set(doc.metadata) == {"source", "section", "score", "title"}
        assert doc.metadata["source"].startswith("knowledge/")
        assert (SHIPPED.parent / doc.metadata["source"]).is_file()
        assert isinstance(doc.metadata["score"], float)
    scores = [d.metadata["score"] for d in docs]
    assert scores == sorted(scores, reverse=True)
    assert retriever.invoke("") == []


# --- recommendations: queries, citations, case studies ---


def _rec(**values: Any) -> tuple[engine.Recommendation, Intake]:
    intake = Intake(values=IntakeValues(**values))
    return engine.recommend(intake), intake


TOGAL_FIT = dict(
    use_case="read architectural drawings and measure quantities for construction estimates",
    needs="deep_domain",
    labeled_examples=200_000,
    data_quality="high",
    monthly_requests=5_000_000,
    ml_expertise="strong",
    deadline_weeks=26,
    changes_often=False,
    priority="accuracy",
)
GOTO_FIT = dict(
    use_case="score support calls against our quality rubric",
    deadline_weeks=3,
    changes_often=True,
    ml_expertise="none",
    labeled_examples=50,
)


@pytest.mark.parametrize(
    "values, approach, expected",
    [
        (TOGAL_FIT, "fine_tuning", ["togal"]),
        (GOTO_FIT, "prompt_engineering", ["goto"]),
        (
            dict(use_case="grade essays with a checklist", priority="speed", ml_expertise="none"),
            "prompt_engineering",
            ["goto"],
        ),
        # Thin or unrelated descriptions: no story.
        (dict(use_case="an internal brainstorming assistant"), "prompt_engineering", []),
        (dict(use_case="tag research papers", labeled_examples=0, ml_expertise="none"), "prompt_engineering", []),
        # GoTo never backs a fine-tuning answer, and Togal never backs a prompting one.
        ({**TOGAL_FIT, "use_case": "score calls against a rubric"}, "fine_tuning", ["togal"]),
        (
            dict(
                use_case="specialised domain extraction", needs="deep_domain", labeled_examples=100, ml_expertise="none"
            ),
            "prompt_engineering",
            [],
        ),
    ],
)
def test_case_matching(
    values: dict[str, Any], approach: str, expected: list[str], shipped_index: KnowledgeIndex
) -> None:
    rec, intake = _rec(**values)
    assert rec.approach == approach
    cases = match_case(rec, intake, shipped_index.case_files())
    assert [c.source.rsplit("/", 1)[-1].removesuffix(".md") for c in cases] == expected


def test_case_names_and_takeaways_come_from_front_matter(shipped_index: KnowledgeIndex) -> None:
    cases = shipped_index.case_files()
    assert cases["togal"].name == "Togal AI" and cases["goto"].name == "GoTo"
    assert cases["goto"].source == "knowledge/cases/goto.md"
    rec, intake = _rec(**GOTO_FIT)
    out = enrich(rec, intake, shipped_index)
    assert [(c.name, c.takeaway) for c in out.case_studies] == [("GoTo", cases["goto"].takeaway)]
    assert out.case_studies[0].takeaway.startswith("Rubric-driven")


def test_queries_cover_each_leaning_factor() -> None:
    rec, intake = _rec(**TOGAL_FIT)
    queries = queries_for(rec, intake)
    leaning = [f for f in rec.factors if f.leans != "neutral" and f.weight >= 0.2]
    assert len(queries) >= 1 + len(leaning)
    for f in leaning:
        assert any(q.startswith(f.name) for q in queries)
    assert "fine-tuning" in queries[0]


def test_enrich_fills_citations(shipped_index: KnowledgeIndex) -> None:
    rec, intake = _rec(**TOGAL_FIT)
    assert rec.citations == [] and rec.case_studies == []
    out = enrich(rec, intake, shipped_index)
    assert 1 <= len(out.citations) <= 5
    keys = [(c.source, c.section) for c in out.citations]
    assert len(keys) == len(set(keys))
    assert all(c.source.startswith("knowledge/") and c.quote for c in out.citations)
    assert out.citations[0].source == "knowledge/framework/when-to-fine-tune.md"
    assert [c.name for c in out.case_studies] == ["Togal AI"]
    # A case file that does not fit is never cited as evidence.
    rec2, intake2 = _rec(use_case="an internal brainstorming assistant")
    thin = enrich(rec2, intake2, shipped_index)
    assert thin.case_studies == [] and not any("/cases/" in c.source for c in thin.citations)


def _statements(index: KnowledgeIndex) -> list[str]:
    """Record the SQL the index runs from now on."""
    seen: list[str] = []
    index.db.conn.set_trace_callback(seen.append)
    return seen


@pytest.mark.slow
def test_enrich_is_cached_for_cards_that_lean_the_same_way(index: KnowledgeIndex) -> None:
    rec, intake = _rec(**TOGAL_FIT)
    first = enrich(rec, intake, index)
    seen = _statements(index)
    # Other words, same leanings: the same citations and case study, without searching again.
    rec2, intake2 = _rec(**{**TOGAL_FIT, "use_case": "reading specialised floor plans for takeoffs"})
    assert queries_for(rec2, intake2) == queries_for(rec, intake)
    again = enrich(rec2, intake2, index)
    assert (again.citations, again.case_studies) == (first.citations, first.case_studies)
    assert not any("MATCH" in s or "FROM [files]" in s for s in seen)
    first_search = index.search("togal takeoffs", 3)
    searched = sum("MATCH" in s for s in seen)  # the words' passages and the ranked passages: a few statements
    assert searched >= 1 and index.search("togal takeoffs", 3) == first_search
    assert sum("MATCH" in s for s in seen) == searched  # the same search again is answered from the cache


def test_cached_results_follow_the_files(index: KnowledgeIndex, kdir: Path) -> None:
    assert index.search("quokkas", 3) == []
    path = kdir / "cases/goto.md"
    path.write_text(
        path.read_text(encoding="utf-8") + "\n## Zebra crossings\n\nQuokkas everywhere.\n", encoding="utf-8"
    )
    index.ensure_fresh()
    assert [p.section for p in index.search("quokkas", 3)] == ["Zebra crossings"]
    rec, intake = _rec(**TOGAL_FIT)
    before = enrich(rec, intake, index)
    (kdir / "cases/togal.md").unlink()
    index.ensure_fresh()
    after = enrich(rec, intake, index)
    assert [c.name for c in before.case_studies] == ["Togal AI"] and after.case_studies == []
    assert not any(c.source.endswith("togal.md") for c in after.citations)


def test_cached_results_follow_another_process_reindexing(kdir: Path, data_dir: Path) -> None:
    reader = KnowledgeIndex(data_dir / "knowledge.db", [kdir], refresh_interval=None)
    writer = KnowledgeIndex(data_dir / "knowledge.db", [kdir], refresh_interval=None)
    try:
        reader.ensure_fresh()
        assert reader.search("quokkas", 3) == []
        path = kdir / "cases/goto.md"
        path.write_text(
            path.read_text(encoding="utf-8") + "\n## Zebra crossings\n\nQuokkas everywhere.\n", encoding="utf-8"
        )
        assert writer.ensure_fresh().indexed == ["knowledge/cases/goto.md"]
        # The reader did not re-index anything itself, yet it must not answer from its cache.
        assert [p.section for p in reader.search("quokkas", 3)] == ["Zebra crossings"]
    finally:
        reader.close()
        writer.close()


@pytest.mark.slow
def test_advisor_assess_carries_citations(data_dir: Path) -> None:
    from bot.config import Settings
    from bot.services import Services

    svc = Services(Settings())
    rec, _, _ = svc.advisor.assess(
        "We score 20k support calls a week against a quality rubric; live in 3 weeks, "
        "no ML team, and the rubric changes every month."
    )
    assert rec.citations and [c.name for c in rec.case_studies] == ["GoTo"]
    assert (data_dir / "knowledge.db").is_file()


# --- ask ---


def test_answer_quotes_passages_with_sources(shipped_index: KnowledgeIndex) -> None:
    text, citations = answer("which engineers would we need to hire to fine-tune a model?", shipped_index)
    assert 1 <= len(citations) <= 2
    assert citations[0].source in text and citations[0].section in text
    assert citations[0].quote and citations[0].quote[-1] in ".!?)"


def test_answer_with_nothing_found_or_nothing_asked(shipped_index: KnowledgeIndex) -> None:
    text, citations = answer("zzqxv blorptastic", shipped_index)
    assert citations == [] and "nothing" in text
    with pytest.raises(InputError):
        answer("  ?? ", shipped_index)


# --- CLI ---


def _run(args: list[str], stdin: str | None = None) -> Any:
    return CliRunner().invoke(main, args, input=stdin, catch_exceptions=False)


@pytest.mark.slow
def test_cli_index(data_dir: Path) -> None:
    first = _run(["index"])
    assert first.exit_code == 0, first.output
    assert "knowledge/cases/goto.md" in first.output and "indexed" in first.output
    second = _run(["index"])
    assert "0 indexed" in second.output
    rebuilt = _run(["index", "--rebuild"])
    assert "0 unchanged" in rebuilt.output


def test_cli_index_reports_broken_extra_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    extra = tmp_path / "ours"
    extra.mkdir()
    (extra / "bad.md").write_text("---\ntitle: [\n---\n")
    monkeypatch.setenv("ADVISOR_KNOWLEDGE_DIRS", str(extra))
    result = CliRunner().invoke(main, ["index"])
    assert result.exit_code == 0
    assert "ours/bad.md" in result.output and "front matter" in result.output


def test_cli_search_json() -> None:
    result = _run(["search", "--json", "-k", "2", "keeping an audit trail of prompt changes"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert len(data["results"]) == 2
    assert set(data["results"][0]) == {"source", "section", "text", "score"}
    assert data["results"][0]["source"].startswith("knowledge/")


@pytest.mark.slow
def test_cli_search_text_and_hostile() -> None:
    result = _run(["search", "-k", "1", "--", 'NEAR("audit', "*", "-x:"])
    assert result.exit_code == 0 and "§" in result.output
    empty = CliRunner().invoke(main, ["search", ""])
    assert empty.exit_code == 2 and "QUERY" in empty.output


def test_cli_search_jsonl() -> None:
    lines = [
        json.dumps({"id": "a", "q": "how much labeled data"}),
        "not json",
        json.dumps({"id": "b", "q": ""}),
        json.dumps({"id": "c"}),
        json.dumps({"id": "d", "q": '"unbalanced NEAR *'}),
        "",
    ]
    result = _run(["search", "--jsonl", "-k", "2"], "\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    out = [json.loads(x) for x in result.output.splitlines()]
    assert [o.get("id") for o in out] == ["a", None, "b", "c", "d"]
    assert len(out[0]["results"]) == 2 and set(out[0]["results"][0]) == {"source", "section", "text", "score"}
    assert "error" in out[1] and out[1]["line"] == 2
    assert out[2]["results"] == [] and "error" in out[3] and isinstance(out[4]["results"], list)


def test_cli_ask() -> None:
    result = _run(["ask", "How much does fine-tuning cost?"])
    assert result.exit_code == 0, result.output
    assert "Sources:" in result.output and "knowledge/" in result.output
    as_json = json.loads(_run(["ask", "--json", "how", "much", "data", "is", "needed"]).output)
    assert as_json["citations"] and as_json["answer"]
    blank = CliRunner().invoke(main, ["ask", "?"])
    assert blank.exit_code == 1 and "Ask a question" in blank.output


@pytest.mark.parametrize("name", ["index", "search", "ask"])
def test_cli_commands_have_help(name: str) -> None:
    command = main.get_command(None, name)  # type: ignore[arg-type]
    assert command is not None and command.help
    assert _run([name, "--help"]).exit_code == 0


@pytest.mark.parametrize(
    ("question", "section_words"),
    [
        ("how often should the model get refreshed?", "re-tun"),
        ("could it spit out private customer info?", "memoriz"),
    ],
)
def test_everyday_words_find_the_knowledge_bases_terms(
    shipped_index: KnowledgeIndex, question: str, section_words: str
) -> None:
    top = shipped_index.search(question, 3)
    assert any(section_words in f"{p.section} {p.text}".lower() for p in top)


def test_expansion_adds_neighbours_after_the_users_own_words() -> None:
    from bot.knowledge.query_expansion import MAX_ADDED, expand

    out = expand(["retrained", "labels"])
    assert out[:2] == ["retrained", "labels"] and "drift" in out and "noisy" in out
    assert len(out) <= 2 + MAX_ADDED
    assert expand(["zebra"]) == ["zebra"]


@pytest.mark.parametrize(
    ("question", "source"),
    [
        ("can we distil our big model's approved outputs into a small one?", "techniques/distillation.md"),
        ("our reviewers approve most drafts, can those become training data?", "techniques/distillation.md"),
        ("how many examples does a LoRA pilot need?", "techniques/parameter-efficient-tuning.md"),
        (
            "we want replies in our tone, can we train on pairs of better and worse answers?",
            "techniques/preference-and-reinforcement-tuning.md",
        ),
        (
            "data must never leave our network, can we run models on our own GPUs?",
            "operations/open-weight-self-hosting.md",
        ),
        (
            "should a cheap model answer easy requests and pass hard ones to the big model?",
            "techniques/routing-and-cascades.md",
        ),
        ("how do we measure whether a tuned model beats our current prompt?", "operations/evaluation-first.md"),
    ],
)
def test_todays_techniques_are_found_in_the_top_three(
    shipped_index: KnowledgeIndex, question: str, source: str
) -> None:
    top = shipped_index.search(question, 3)
    assert f"knowledge/{source}" in [p.source for p in top], [(p.source, p.section) for p in top]
