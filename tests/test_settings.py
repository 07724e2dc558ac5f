"""Settings from files and fixed places: `<NAME>_FILE` for every secret, absolute data locations, and the `.env`
files read whatever the working directory."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import Settings, secret_names
from bot.errors import InputError

CLI = Path(sys.executable).parent / "ai-advisor"
SECRETS = secret_names(Settings)


def test_every_secret_setting_is_known() -> None:
    # A new secret setting gets a `_FILE` variant without more code; this list is what the docs promise.
    assert set(SECRETS) >= {
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTSECRET",
        "OPENAI_API_KEY",
        "AZURE_OPENAI_API_KEY",
        "ADVISOR_READYZ_TOKEN",
    }


@pytest.mark.parametrize("name", SECRETS)
def test_each_secret_is_read_from_its_file(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "secret"
    secret.write_text(f"value-of-{name.lower()}\n", encoding="utf-8")  # the trailing newline is not part of it
    monkeypatch.setenv(f"{name}_FILE", str(secret))
    value = getattr(Settings(), name.lower())
    assert value is not None and value.get_secret_value() == f"value-of-{name.lower()}"


def test_a_secret_and_its_file_together_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "token").write_text("xoxb-1-file", encoding="utf-8")
    monkeypatch.setenv("SLACK_BOT_TOKEN_FILE", str(tmp_path / "token"))
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1-env")
    with pytest.raises(InputError, match="both SLACK_BOT_TOKEN and SLACK_BOT_TOKEN_FILE"):
        Settings()


@pytest.mark.slow  # starts a process
def test_an_unreadable_secret_file_is_one_clear_line(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "token"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "SLACK_BOT_TOKEN_FILE": str(missing)}
    proc = subprocess.run([str(CLI), "doctor"], env=env, capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == f"Error: invalid setting: SLACK_BOT_TOKEN_FILE={missing}: No such file or directory"


def test_an_empty_secret_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "empty").write_text("\n", encoding="utf-8")
    monkeypatch.setenv("OPENAI_API_KEY_FILE", str(tmp_path / "empty"))
    with pytest.raises(InputError, match="is empty"):
        Settings()


def test_the_default_data_directory_is_the_users_not_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ADVISOR_DATA_DIR")
    settings = Settings()
    assert settings.advisor_data_dir == tmp_path / "xdg-data" / "ai-advisor"
    assert settings.db_path == tmp_path / "xdg-data" / "ai-advisor" / "advisor.db"


def test_relative_locations_are_made_absolute_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADVISOR_DATA_DIR", "state")
    monkeypatch.setenv("ADVISOR_DB", "~/x/advisor.db")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    settings = Settings()
    assert settings.advisor_data_dir == tmp_path / "state"
    assert settings.db_path == tmp_path / "home" / "x" / "advisor.db"


def test_env_files_from_the_config_directory_and_the_working_directory(tmp_path: Path) -> None:
    config = tmp_path / "xdg-config" / "ai-advisor"
    config.mkdir(parents=True)
    (config / ".env").write_text("ADVISOR_LLM_MODEL=from-config\nADVISOR_LOG_LEVEL=WARNING\n", encoding="utf-8")
    assert Settings().advisor_llm_model == "from-config"  # read from any working directory
    (tmp_path / ".env").write_text("ADVISOR_LLM_MODEL=from-cwd\n", encoding="utf-8")
    settings = Settings()
    assert settings.advisor_llm_model == "from-cwd" and settings.advisor_log_level == "WARNING"


def test_every_setting_is_in_env_example() -> None:
    example = (Path(__file__).resolve().parents[1] / ".env.example").read_text(encoding="utf-8")
    names = [name.upper() for name in Settings.model_fields if name != "connections"]  # CONNECTIONS__* is a prefix
    missing = [n for n in names if not re.search(rf"(?m)^#? ?{n}=", example)]
    assert not missing, f"not in .env.example: {missing}"
    for secret in SECRETS:
        assert secret in example.split("<NAME>_FILE")[0], f"{secret} is not listed among the *_FILE secrets"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://advisor.example.com/", "https://advisor.example.com"),
        ("https://advisor.example.com/teams", "https://advisor.example.com/teams"),
        ("http://localhost:3978", "http://localhost:3978"),
        ("http://127.0.0.1:3978/", "http://127.0.0.1:3978"),
    ],
)
def test_the_teams_public_url_is_a_base_url(value: str, expected: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADVISOR_TEAMS_PUBLIC_URL", value)
    assert Settings().advisor_teams_public_url == expected


@pytest.mark.parametrize(
    "value",
    [
        "http://advisor.example.com",  # Teams clients load images over HTTPS only
        "advisor.example.com",
        "ftp://advisor.example.com",
        "https://",
        "https://advisor.example.com/?x=1",
        "https://user:pw@advisor.example.com",
    ],
)
def test_an_unusable_teams_public_url_is_refused(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from bot.cli import main

    monkeypatch.setenv("ADVISOR_TEAMS_PUBLIC_URL", value)
    result = CliRunner().invoke(main, ["doctor"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "invalid setting: ADVISOR_TEAMS_PUBLIC_URL" in result.output and "https://" in result.output
