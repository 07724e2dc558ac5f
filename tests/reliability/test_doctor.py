"""`ai-advisor doctor`: what is checked, what it says to fix, its exit code, and that it never prints a secret."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import main
from bot.doctor import required_scopes
from tests.e2e.conftest import free_port
from tests.leaks import LEAKS
from tests.llm.fake_openai import FakeOpenAI
from tests.slack_emulator import SlackEmulator
from tests.tokens import APP_TOKEN, BOT_TOKEN, OPENAI_KEY, SIGNING_SECRET

pytestmark = pytest.mark.usefixtures("knowledge_in_data_dir")  # the index built once, copied


@pytest.fixture(scope="module")
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator(scopes=required_scopes()) as emu:
        yield emu


def doctor(monkeypatch: pytest.MonkeyPatch, *args: str, **env: str) -> Result:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(main, ["doctor", *args])
    LEAKS.check(result.output, "ai-advisor doctor output")
    assert "Traceback" not in result.output
    return result


def slack_env(emu: SlackEmulator) -> dict[str, str]:
    return {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": emu.url}


@pytest.mark.slow
def test_a_good_configuration_passes(monkeypatch: pytest.MonkeyPatch, slack: SlackEmulator) -> None:
    with FakeOpenAI().running() as fake:
        result = doctor(monkeypatch, **slack_env(slack), OPENAI_BASE_URL=fake.base_url, OPENAI_API_KEY=OPENAI_KEY)
        first, probe = fake.bodies()  # a tiny call, then a forced tool call
        assert first["max_completion_tokens"] == 1 and "tools" not in first
        assert probe["tools"][0]["function"]["name"] == "record_answer"
        assert probe["tool_choice"]["function"]["name"] == "record_answer"
    assert result.exit_code == 0, result.output
    out = result.output
    assert "All good." in out and "FAIL" not in out
    assert "workspace 'Example Workspace'" in out and f"all {len(required_scopes())} scopes granted" in out
    assert "knowledge" in out and "passages" in out and "writable" in out and "answered" in out
    assert "[ ok ] llm tool calling: supported" in out and "[ ok ] teams: not configured" in out
    assert not any(s in out for s in (BOT_TOKEN, SIGNING_SECRET, OPENAI_KEY))


def test_without_slack_it_is_the_terminal_app(monkeypatch: pytest.MonkeyPatch) -> None:
    result = doctor(monkeypatch, "--json")
    assert result.exit_code == 0, result.output
    checks = {c["name"]: c for c in json.loads(result.output)["checks"]}
    assert checks["slack"]["ok"] and "terminal" in checks["slack"]["detail"]
    assert checks["llm"]["ok"] and "offline" in checks["llm"]["detail"]


def test_a_secret_too_short_to_be_real_is_a_warning_and_does_not_garble_the_logs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.config import Settings
    from bot.logs import Scrubber, secrets_of

    result = doctor(monkeypatch, "--json", SLACK_APP_TOKEN=APP_TOKEN, SLACK_SIGNING_SECRET="s3")
    checks = {c["name"]: c for c in json.loads(result.output)["checks"]}
    assert checks["secrets"]["warn"] and "SLACK_SIGNING_SECRET shorter than 8" in checks["secrets"]["detail"]
    assert "s3" not in checks["secrets"]["detail"]
    scrub = Scrubber(secrets_of(Settings(slack_signing_secret="s3", slack_bot_token=BOT_TOKEN)))  # type: ignore[arg-type]
    assert scrub("posted 3 cards in thread s3") == "posted 3 cards in thread s3"  # not "[SLACK_SIGNING_SECRET]"
    assert scrub(f"token {BOT_TOKEN} refused") == "token [SLACK_BOT_TOKEN] refused"
    healthy = doctor(monkeypatch, "--json", SLACK_SIGNING_SECRET=SIGNING_SECRET)
    assert "secrets" not in {c["name"] for c in json.loads(healthy.output)["checks"]}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("env", "problem", "fix"),
    [
        ({"SLACK_BOT_TOKEN": "xoxp-1234-user-token"}, "not 'xoxb-'", "Bot User OAuth Token"),
        ({"SLACK_APP_TOKEN": BOT_TOKEN}, "not 'xapp-'", "App-Level Token"),
        ({"SLACK_SIGNING_SECRET": APP_TOKEN}, "holds a token", "Signing Secret"),
        ({"SLACK_SIGNING_SECRET": ""}, "neither SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN for Socket Mode"),
        ({"ADVISOR_LOG_LEVEL": "LOUD"}, "ADVISOR_LOG_LEVEL", "set ADVISOR_LOG_LEVEL"),
    ],
)
def test_misconfigured_tokens_are_named_with_the_fix(
    monkeypatch: pytest.MonkeyPatch, slack: SlackEmulator, env: dict[str, str], problem: str, fix: str
) -> None:
    result = doctor(monkeypatch, **{**slack_env(slack), **env})
    assert result.exit_code == 1, result.output
    assert problem in result.output and fix in result.output and "to fix." in result.output


@pytest.mark.slow
def test_missing_scopes_are_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    scopes = [s for s in required_scopes() if s not in ("reactions:write", "im:history")]
    with SlackEmulator(scopes=scopes) as emu:
        result = doctor(monkeypatch, **slack_env(emu))
    assert result.exit_code == 1
    assert "missing scopes: im:history, reactions:write" in result.output or (
        "missing scopes: reactions:write, im:history" in result.output
    )
    assert "reinstall" in result.output


@pytest.mark.slow
def test_unreachable_services_are_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    result = doctor(
        monkeypatch,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=dead + "/api/",
        OPENAI_BASE_URL=dead + "/v1",
        ADVISOR_LLM_TIMEOUT="2",
    )
    assert result.exit_code == 1
    assert f"cannot reach {dead}/api/" in result.output and "SLACK_API_URL" in result.output
    assert "did not answer" in result.output and "OPENAI_BASE_URL" in result.output


def test_an_unwritable_database_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the database directory should be")
    result = doctor(monkeypatch, ADVISOR_DB=str(blocker / "advisor.db"))
    assert result.exit_code == 1
    assert "database" in result.output and "ADVISOR_DB" in result.output


def test_queued_work_and_given_up_replies_are_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.config import Settings
    from bot.services import Services

    svc = Services(Settings())
    svc.outbox.enqueue("C1", "1.0", {"text": "x"}, conversation_id=None)
    dead = svc.outbox.enqueue("C1", "2.0", {"text": "y"}, conversation_id=None)
    with svc.store.transaction() as db:
        db.execute("update outbox set state = 'dead' where id = ?", [dead])
    svc.store.close()
    result = doctor(monkeypatch)
    assert result.exit_code == 0
    assert "[warn] delivery: 1 repl(ies) to post, 1 given up, 0 turn(s) to answer" in result.output


@pytest.mark.slow
@pytest.mark.parametrize(
    ("reply", "problem"),
    [
        ({"content": "Sure: yes."}, "answered without calling the tool"),  # a server that ignores `tools`
        ({"status": 500}, "refused a tool call: "),
    ],
)
def test_a_model_without_tool_calling_is_reported(
    monkeypatch: pytest.MonkeyPatch, reply: dict[str, object], problem: str
) -> None:
    with FakeOpenAI().running() as fake:
        fake.script({"content": "OK"}, reply)
        result = doctor(monkeypatch, OPENAI_BASE_URL=fake.base_url, ADVISOR_LLM_MODEL="tiny-chat")
    assert result.exit_code == 1, result.output
    assert f"[FAIL] llm tool calling: tiny-chat {problem}" in result.output
    assert "extraction uses tool calling" in result.output


@pytest.mark.slow
@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({}, "SETTINGS__CLIENTSECRET, CONNECTIONS__SERVICE_CONNECTION__SETTINGS__TENANTID"),
        ({"CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTSECRET": "not-a-real-secret"}, "SETTINGS__TENANTID"),
        ({"CONNECTIONS__SERVICE_CONNECTION__SETTINGS__AUTHTYPE": "Certificate"}, "SETTINGS__TENANTID"),
    ],
)
def test_a_teams_client_id_without_the_rest_is_not_all_good(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], missing: str
) -> None:
    result = doctor(monkeypatch, CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID="00000000-aaaa-bbbb", **env)
    assert result.exit_code == 1 and "All good." not in result.output
    line = next(x for x in result.output.splitlines() if x.startswith("[FAIL] teams:"))
    assert line.endswith(f"{missing}: `serve-teams` will not start"), line
    assert "Entra ID app registration" in result.output


def test_a_complete_or_managed_identity_teams_configuration_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    result = doctor(
        monkeypatch,
        CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID="00000000-aaaa-bbbb",
        CONNECTIONS__SERVICE_CONNECTION__SETTINGS__AUTHTYPE="UserManagedIdentity",
    )
    assert result.exit_code == 0, result.output
    assert "[ ok ] teams: client id 00000… with UserManagedIdentity auth" in result.output


@pytest.mark.slow
@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({"AZURE_OPENAI_ENDPOINT": "https://example.openai.azure.com"}, "AZURE_OPENAI_API_KEY"),
        ({"AZURE_OPENAI_DEPLOYMENT": "gpt-4o-mini"}, "AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY"),
    ],
)
def test_a_half_set_azure_configuration_is_reported(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], missing: str
) -> None:
    result = doctor(monkeypatch, **env)
    assert result.exit_code == 1, result.output
    assert f"[FAIL] azure openai: some Azure OpenAI settings are set, but not {missing}: the model is not used" in (
        result.output
    )


def test_oauth_mode_needs_its_state_secret_and_a_proper_redirect(monkeypatch: pytest.MonkeyPatch) -> None:
    oauth = {
        "SLACK_CLIENT_ID": "111.222",
        "SLACK_CLIENT_SECRET": "oauth-client-secret",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
    }
    result = doctor(monkeypatch, "--json", **oauth, SLACK_REDIRECT_URI="https://advisor.example.com/callback")
    checks = {c["name"]: c for c in json.loads(result.output)["checks"]}
    assert checks["slack oauth"]["ok"] and "slack bot token" not in checks  # no bot token expected
    assert not checks["slack oauth state secret"]["ok"] and "openssl rand" in checks["slack oauth state secret"]["fix"]
    assert not checks["slack oauth redirect"]["ok"] and "/slack/oauth_redirect" in checks["slack oauth redirect"]["fix"]
    assert result.exit_code == 1


def test_oauth_mode_with_its_settings_and_a_leftover_bot_token(monkeypatch: pytest.MonkeyPatch) -> None:
    oauth = {
        "SLACK_CLIENT_ID": "111.222",
        "SLACK_CLIENT_SECRET": "oauth-client-secret",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
    }
    result = doctor(monkeypatch, "--json", **oauth, SLACK_STATE_SECRET="a-state-secret", SLACK_BOT_TOKEN=BOT_TOKEN)
    checks = {c["name"]: c for c in json.loads(result.output)["checks"]}
    assert checks["slack oauth"]["ok"] and "slack oauth state secret" not in checks
    assert checks["slack bot token"]["ok"] and "ignored in OAuth mode" in checks["slack bot token"]["detail"]
    assert "slack auth" not in checks  # the ignored token is not checked with Slack
    assert "oauth-client-secret" not in result.output and "a-state-secret" not in result.output
