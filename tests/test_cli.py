"""The `ai-advisor` command: thin commands, clean errors, documented."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.advisor import tco
from bot.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"
COMMANDS_DOC = README.parent / "docs" / "commands.md"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.mark.slow
def test_assess_json_has_the_contract_fields(runner: CliRunner) -> None:
    text = "We have 75k annotated reports, in-house ML engineers, 1.2M reports per month, structure rarely changes"
    result = runner.invoke(main, ["assess", "--json", text])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["approach"] == "fine_tuning"
    assert 0 < data["confidence"] <= 1
    assert data["intake"]["labeled_examples"] == 75_000
    assert "budget_usd" in data["missing"]
    assert [f["step"] for f in data["factors"]] == [1, 2, 3, 4, 5, 6]
    assert set(data["factors"][0]) >= {"step", "name", "leans", "weight", "why"}
    assert set(data["tco"]["totals_usd"]) == {"prompt_engineering", "fine_tuning", "hybrid"}
    assert data["tco"]["crossover_monthly_requests"] > 500_000
    assert data["tco"]["assumptions"]
    assert data["next_steps"] and data["risks"]


@pytest.mark.slow
def test_assess_jsonl_keeps_ids_and_reports_bad_lines(runner: CliRunner) -> None:
    lines = "\n".join(
        [
            json.dumps({"id": "a", "text": "no ML team, 40 reports a month"}),
            "not json",
            json.dumps({"id": "c", "text": ""}),
            json.dumps({"id": "d", "text": "We have 300k labeled rows, a strong ML team, 10M requests a month"}),
        ]
    )
    result = runner.invoke(main, ["assess", "--jsonl"], input=lines + "\n")
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.output.splitlines()]
    assert [o.get("id") for o in out] == ["a", None, "c", "d"]
    assert out[0]["approach"] == "prompt_engineering"
    assert "error" in out[1] and "error" in out[2]
    assert out[3]["approach"] in {"fine_tuning", "hybrid"}


@pytest.mark.slow
def test_assess_reads_stdin_and_prints_a_card(runner: CliRunner) -> None:
    result = runner.invoke(main, ["assess", "-"], input="Pilot with zero labeled data and no ML team")
    assert result.exit_code == 0
    assert "PROMPT ENGINEERING" in result.output and "The six steps" in result.output


@pytest.mark.parametrize("text", ["", "   ", "\x00\x01"])
def test_assess_empty_text_is_a_clean_error(runner: CliRunner, text: str) -> None:
    result = runner.invoke(main, ["assess", text])
    assert result.exit_code == 1
    assert "Nothing to assess" in result.output
    assert "Traceback" not in result.output


def test_tco_command_and_overrides(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["tco", "--requests", "2000000", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert 500_000 < data["crossover_monthly_requests"] < 5_000_000
    cheaper = runner.invoke(main, ["tco", "--json", "--set", "ft_engineering_usd=0", "--set", "ft_mlops_monthly_usd=0"])
    assert json.loads(cheaper.output)["crossover_monthly_requests"] < data["crossover_monthly_requests"]
    config = tmp_path / "tco.yaml"
    config.write_text("prompt_price_in_per_m: 0.1\nprompt_price_out_per_m: 0.1\n")
    never = runner.invoke(main, ["tco", "--json", "--config", str(config)])
    assert json.loads(never.output)["crossover_monthly_requests"] is None


def test_tco_explain_prints_every_assumption_with_source_and_date(runner: CliRunner) -> None:
    result = runner.invoke(main, ["tco", "--explain", "--set", "ft_hosting_monthly_usd=1240"])
    assert result.exit_code == 0, result.output
    assert "ft_training_price_per_m = 5" in result.output and "labeling_cost_expert = 15" in result.output
    assert "ft_hosting_monthly_usd = 1240  (default 0)" in result.output
    assert result.output.count("source: ") == len(tco.TcoAssumptions.model_fields)
    rows = json.loads(runner.invoke(main, ["tco", "--explain", "--json"]).output)
    assert {r["name"] for r in rows} == set(tco.TcoAssumptions.model_fields)
    assert all(r["source"] and r["date"] for r in rows)


def test_tco_sizes_requests_from_the_use_case_and_latency(runner: CliRunner) -> None:
    def per_request(*extra: str) -> dict[str, float]:
        out = json.loads(runner.invoke(main, ["tco", "--requests", "100000", "--json", *extra]).output)
        return {name: cost["per_request_usd"] for name, cost in out["approaches"].items()}

    base = per_request()
    assert per_request("--use-case", "contract review")["prompt_engineering"] > 3 * base["prompt_engineering"]
    assert per_request("--latency-ms", "86400000")["fine_tuning"] == pytest.approx(base["fine_tuning"] / 2)


@pytest.mark.parametrize(
    "args",
    [
        ["tco", "--set", "nonsense=1"],
        ["tco", "--set", "few_shot_tokens=-1"],
        ["tco", "--set", "oops"],
        ["tco", "--requests", "-5"],
    ],
)
def test_tco_bad_input_is_a_clean_error(runner: CliRunner, args: list[str]) -> None:
    result = runner.invoke(main, args)
    assert result.exit_code != 0
    assert "Traceback" not in result.output and "Error" in result.output


@pytest.mark.slow
def test_chat_runs_a_conversation(runner: CliRunner) -> None:
    script = "We want a chatbot for HR questions\nno ML team and no labeled data\nwhy?\nquit\n"
    result = runner.invoke(main, ["chat"], input=script)
    assert result.exit_code == 0, result.output
    assert "PROMPT ENGINEERING" in result.output
    assert "Step 2" in result.output


def test_run_without_slack_tokens_chats(runner: CliRunner) -> None:
    result = runner.invoke(main, ["run"], input="quit\n")
    assert result.exit_code == 0
    assert "terminal conversation" in result.output


def test_every_command_has_help_and_is_documented(runner: CliRunner) -> None:
    reference = COMMANDS_DOC.read_text(encoding="utf-8")
    for name, command in main.commands.items():
        assert command.help, f"{name} has no help text"
        assert runner.invoke(main, [name, "--help"]).exit_code == 0
        assert re.search(rf"ai-advisor {re.escape(name)}\b", reference), f"docs/commands.md does not document `{name}`"


def test_the_readme_is_short_has_the_newcomer_sections_and_its_links_resolve() -> None:
    readme = README.read_text(encoding="utf-8")
    headings = re.findall(r"(?m)^## (.+)$", readme)
    assert headings == ["Two commands", "Install in Slack", "Teams", "LLM mode", "Production"]
    assert len(readme.splitlines()) <= 120
    for target in re.findall(r"\]\(((?:docs/|\.env|deploy|compose)[^)#]*)", readme):
        assert (README.parent / target).exists(), target
    for doc in (README.parent / "docs").glob("*.md"):
        for target in re.findall(r"\]\(([\w./-]+\.(?:md|yaml|example))", doc.read_text(encoding="utf-8")):
            assert (doc.parent / target).exists(), f"{doc.name} links to a missing {target}"


@pytest.mark.slow
def test_chat_puts_each_questions_examples_under_it_and_renders_markup(runner: CliRunner) -> None:
    script = "We classify 3M insurance claims a month, 120k labeled claims, an ML team of 6\nhelp\nquit\n"
    result = runner.invoke(main, ["chat", "--today", "2026-11-29"], input=script)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    first = next(n for n, line in enumerate(lines) if line.startswith("1. "))
    second = next(n for n, line in enumerate(lines) if line.startswith("2. "))
    assert second == first + 2 and lines[first + 1].strip().startswith("(e.g.")
    assert "*recommend now*" not in result.output and "recommend now" in result.output


@pytest.mark.slow  # the whole command: tests/workflows/test_chart.py draws charts in process
def test_tco_chart_writes_a_png(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "cost.png"
    result = runner.invoke(main, ["tco", "--requests", "2000000", "--examples", "50000", "--chart", str(out)])
    assert result.exit_code == 0, result.output
    assert f"Chart: {out}" in result.output
    assert out.read_bytes().startswith(b"\x89PNG")


@pytest.mark.slow
def test_tco_chart_to_an_unwritable_place_is_a_clean_error(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["tco", "--requests", "1000", "--chart", str(tmp_path / "missing" / "c.png")])
    assert result.exit_code != 0
    assert "Cannot write the chart" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("chart", [False, True])
def test_tco_with_assumptions_too_large_to_compute_is_a_clean_error(
    runner: CliRunner, tmp_path: Path, chart: bool
) -> None:
    out = tmp_path / "c.png"
    absurd = ["--set", "base_input_tokens=1e308", "--set", "output_tokens=1e308"]
    result = runner.invoke(main, ["tco", "--requests", "2000000", *absurd, *(["--chart", str(out)] if chart else [])])
    assert result.exit_code == 1
    assert "too large to compute" in result.output and "Traceback" not in result.output
    assert not out.exists()


@pytest.mark.slow
def test_chat_prints_the_charts_path_under_the_card(
    runner: CliRunner, tmp_path: Path, knowledge_into: Callable[[Path], Path]
) -> None:
    knowledge_into(tmp_path)
    script = "We want a chatbot for HR questions\nno ML team and no labeled data\nrecommend now\nquit\n"
    result = runner.invoke(main, ["chat"], input=script, env={"ADVISOR_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 0, result.output
    line = next(ln for ln in result.output.splitlines() if "Cost chart:" in ln)
    path = Path(line.split("Cost chart:", 1)[1].strip())
    assert path.is_file() and path.read_bytes().startswith(b"\x89PNG")


@pytest.mark.slow
def test_chat_new_and_another_project_keep_the_previous_assessment(runner: CliRunner) -> None:
    from bot.config import Settings
    from bot.storage.store import Store

    script = (
        "We want a bot that answers questions about our leave policy, no labeled data, no ML team\n"
        "new\n"
        "we'd like to classify 2M shipping invoices a month, 90k labeled invoices, an ML team of 5\n"
        "another idea: a tool that drafts replies to supplier emails\n"
        "quit\n"
    )
    result = runner.invoke(main, ["chat", "--today", "2026-11-29"], input=script)
    assert result.exit_code == 0, result.output
    assert result.output.count("The previous assessment is kept") == 2
    store = Store(Settings().db_path)
    uses = [str(store.latest_intake(row["id"]).known().get("use_case")) for row in store.assessments()]
    store.close()
    assert any("leave policy" in u for u in uses) and any("shipping invoices" in u for u in uses)
    assert any("supplier emails" in u for u in uses)
    exported = json.loads(runner.invoke(main, ["export", "--since", "all", "--format", "json"]).output)
    assert {row["id"] for row in exported} >= {row["id"] for row in Store(Settings().db_path).assessments()}
