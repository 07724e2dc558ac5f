"""The benchmark helpers: BENCHMARKS.md sections, percentiles; and a smoke run of the in-process scaling script.

No timing is asserted anywhere: benchmarks report numbers, tests only check that the machinery works.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench import harness as h

pytestmark = pytest.mark.slow  # see `make test-fast` in the README

ROOT = Path(__file__).resolve().parents[1]


def test_write_section_appends_then_replaces_only_the_generated_block(tmp_path: Path) -> None:
    path = tmp_path / "BENCHMARKS.md"
    path.write_text("# Benchmarks\n\n## Other\n\nkept\n", encoding="utf-8")
    h.write_section("bench_x.py", "X numbers", "first run", path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\n## Other\n\nkept\n")
    assert "## X numbers\n\n<!-- bench_x.py: begin (generated) -->\nfirst run\n<!-- bench_x.py: end -->" in text

    # Prose written around the block by hand survives a rerun; only the block changes.
    path.write_text(text.replace("<!-- bench_x.py: end -->", "<!-- bench_x.py: end -->\n\nWhy it is so."))
    h.write_section("bench_x.py", "X numbers", "second run", path)
    text = path.read_text(encoding="utf-8")
    assert "first run" not in text
    assert text.count("## X numbers") == 1
    assert "second run\n<!-- bench_x.py: end -->\n\nWhy it is so." in text


def test_write_section_leaves_backslashes_in_the_body_alone(tmp_path: Path) -> None:
    path = tmp_path / "BENCHMARKS.md"
    h.write_section("bench_x.py", "X", "a", path)
    h.write_section("bench_x.py", "X", r"C:\new \1 \g<0>", path)
    assert r"C:\new \1 \g<0>" in path.read_text(encoding="utf-8")


def test_pct_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert h.pct(values, 50) == 50
    assert h.pct(values, 99) == 99
    assert h.pct(values, 100) == 100
    assert h.pct([3.0], 99) == 3.0
    assert h.pct([], 50) != h.pct([], 50)  # NaN for no values


def test_proc_status_reads_resident_memory_of_this_process() -> None:
    import os

    status = h.proc_status(os.getpid())
    assert 0 < status["VmRSS"] <= status["VmHWM"]


def test_scaling_script_runs_end_to_end_on_a_tiny_store(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_scaling.py"), "--sizes", "3,6", "--reps", "1", "--no-serve"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "| operation | 3 stored | 6 stored |" in result.stdout
    for op in ("assess", "new conversation", "follow-up", "retrieval", "digest (all time)", "dedupe check"):
        assert f"| {op} |" in result.stdout
    assert "Digest items at each size: 3: 3 all time" in result.stdout


def test_advice_script_runs_and_finds_no_contradiction_in_our_cases(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_advice.py"), "--dev", str(tmp_path / "none")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "contradictions: 0" in result.stdout
    assert "| stated confidence | cases | mean stated | right | accuracy |" in result.stdout


def test_startup_script_runs_and_pairs_each_command_with_the_anchor(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_startup.py"), "--runs", "1"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    from bot.knowledge.evidence_cache import TABLE

    assert f'EVIDENCE_TABLE = "{TABLE}"' in (ROOT / "bench" / "bench_startup.py").read_text(encoding="utf-8")
    cold = "ai-advisor assess TEXT, citations not kept yet"  # the first card of its kind: the index is searched
    for command in ("ai-advisor --help", "ai-advisor tco", "ai-advisor assess TEXT", cold):
        assert f"| `{command}` |" in result.stdout
    assert "wall ÷ anchor" in result.stdout and "peak RSS" in result.stdout and "load average" in result.stdout


def test_a_fresh_clone_has_every_development_file_the_benchmarks_read() -> None:
    # `make bench` on a clone without ../shared: every eval file a script names is kept in bench/data/eval.
    import re

    names = set()
    for script in (ROOT / "bench").glob("*.py"):
        names |= set(re.findall(r'eval_file\("([^"]+)"\)', script.read_text(encoding="utf-8")))
    assert names, "no benchmark reads a development file any more: drop this test"
    missing = [n for n in sorted(names) if not (ROOT / "bench" / "data" / "eval" / n).is_file()]
    assert not missing, f"not in bench/data/eval: {missing}"


def test_techniques_script_runs_and_no_card_cites_another_sectors_rules(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_techniques.py")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    cases = int(result.stdout.split("cases: ")[1].split()[0])
    assert f"cards citing no other sector's rules: {cases}/{cases}" in result.stdout


def test_the_conversation_corpus_is_well_formed_and_scored_per_kind() -> None:
    from bench import bench_conversations as bc
    from bot.advisor.message_kind import MESSAGE_KINDS

    parts = [bc.load(path) for path in bc.PARTS.values() if path.exists()]
    # ids are unique within a part (results are kept per part, and each part plays in a channel of its own); two
    # writers may reuse each other's ids (held out's and fresh 6's h01-h16)
    assert all(len({c["id"] for c in part}) == len(part) for part in parts)
    conversations = [c for part in parts for c in part]
    assert len(conversations) >= 30
    for conv in conversations:
        kinds = {t["kind"] for t in conv["turns"]}
        assert kinds <= set(MESSAGE_KINDS) and len(kinds) >= 3, conv["id"]
        assert conv["approach"] in {"prompt_engineering", "fine_tuning", "hybrid"}
    covered = {t["kind"] for c in conversations for t in c["turns"]}
    assert covered == set(MESSAGE_KINDS)
    got = {"kinds": [("answer", "answer", "x"), ("command", "answer", "y")], "approach": "hybrid"}
    per_kind, right, total = bc.score([({"approach": "hybrid"}, got)])
    assert per_kind["answer"] == (1, 1) and per_kind["command"] == (0, 1) and (right, total) == (1, 1)


def test_a_benchmark_conversation_plays_through_the_core(fresh_store: object) -> None:
    from bench import bench_conversations as bc
    from bot.workflows.conversation import Advisor
    from tests.conftest import TODAY

    advisor = Advisor(fresh_store, today=TODAY)  # type: ignore[arg-type]
    conv = next(c for c in bc.load(bc.PARTS["tuned"]) if c["id"] == "t06")
    got = bc.run(advisor, conv)
    assert [heard for _, heard, _ in got["kinds"]] == [t["kind"] for t in conv["turns"]]
    assert got["approach"] == conv["approach"]


def test_every_complete_description_gets_a_card_at_once_and_the_partial_one_questions() -> None:
    """The benches count a reply without a card to a FULL_TEXTS entry as a lost card: each must still describe a
    complete project for the advisor (no question first), and PARTIAL_TEXT must still be asked about."""
    from bot.storage.store import Store
    from bot.workflows.conversation import Advisor, ConversationKey

    store = Store(":memory:")
    advisor = Advisor(store)
    for n, text in enumerate(h.FULL_TEXTS):
        reply = advisor.handle(ConversationKey("slack", "T", "C", f"full{n}"), "U", text)
        assert reply.kind == "recommendation", f"FULL_TEXTS[{n}] got {reply.kind}: {reply.text[:200]}"
    partial = advisor.handle(ConversationKey("slack", "T", "C", "partial"), "U", h.PARTIAL_TEXT)
    assert partial.kind == "questions"
    store.close()


def test_the_ack_benchmark_sends_descriptions_that_exist_in_the_corpora() -> None:
    from bench import bench_ack

    texts = bench_ack.card_texts()
    assert len(texts) == len(set(bench_ack.CARD_IDS)) > 100  # every listed id is in bench/data, none twice
