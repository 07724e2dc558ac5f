"""Authentication: with credentials every request needs a valid token; anonymous mode only when asked for."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.errors import InputError
from bot.services import Services
from bot.teams.auth import teams_auth
from bot.teams.serve import build
from tests.sqlite_store import sqlite_db
from tests.teams.conftest import teams_services
from tests.teams.harness import AgentServer, Chat, Connector, Teams, User, http

pytestmark = pytest.mark.filterwarnings("ignore::aiohttp.web.NotAppKeyWarning")

CREDENTIALS = {
    "connections__service_connection__settings__clientid": "00000000-1111-2222-3333-444444444444",
    "connections__service_connection__settings__clientsecret": "not-a-real-secret",
    "connections__service_connection__settings__tenantid": "55555555-6666-7777-8888-999999999999",
}

PREFIX = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"
SECRET = CREDENTIALS["connections__service_connection__settings__clientsecret"]


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AgentServer, Services]]:
    services = teams_services(tmp_path_factory.mktemp("secured"), **CREDENTIALS)
    server = AgentServer(build(services)).start()
    yield server, services
    server.stop()


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer not-a-jwt"},
        {"Authorization": "Bearer eyJhbGciOiJub25lIn0.eyJhdWQiOiJ4In0."},
    ],
)
def test_unsigned_requests_are_refused(
    secured: tuple[AgentServer, Services], connector: Connector, headers: dict[str, str]
) -> None:
    server, services = secured
    teams = Teams(server.url, connector)
    status, sent = teams.post(teams.message(Chat.personal(), User("aad-x"), "We want a classifier"), headers)
    assert status == 401 and sent == []
    assert sqlite_db(services.store).table("conversations").count == 0


def test_health_needs_no_token(secured: tuple[AgentServer, Services]) -> None:
    assert http("GET", secured[0].url + "/healthz") == (200, {"ok": True})


def test_credentials_turn_anonymous_mode_off(tmp_path: Path) -> None:
    auth = teams_auth(teams_services(tmp_path, **CREDENTIALS).settings)
    assert not auth.anonymous
    assert auth.configuration.CLIENT_ID == "00000000-1111-2222-3333-444444444444"
    # replies carry the bot's token, so they only go to Microsoft's service hosts over https
    assert auth.hosts.is_allowed("https://smba.trafficmanager.net/amer/")
    assert not auth.hosts.is_allowed("http://smba.trafficmanager.net/amer/")
    assert not auth.hosts.is_allowed("https://attacker.example/")
    assert not auth.hosts.is_allowed("https://127.0.0.1/")


def test_no_credentials_and_no_anonymous_mode_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID"):
        teams_auth(teams_services(tmp_path).settings)


@pytest.mark.parametrize("with_credentials", [False, True])
def test_anonymous_mode_is_explicit_and_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, with_credentials: bool
) -> None:
    extra = CREDENTIALS if with_credentials else {}
    with caplog.at_level(logging.WARNING, logger="bot.teams"):
        auth = teams_auth(teams_services(tmp_path, advisor_teams_anonymous=True, **extra).settings)
    assert auth.anonymous and auth.configuration.ANONYMOUS_ALLOWED
    assert any("ADVISOR_TEAMS_ANONYMOUS is on" in r.getMessage() for r in caplog.records)


def test_cli_refuses_to_serve_with_a_client_id_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from bot.cli import main

    monkeypatch.setattr("bot.logs.configure", lambda *a, **k: None)  # keep the session's logging (and leak scan)
    monkeypatch.setenv(f"{PREFIX}CLIENTID", "00000000-aaaa-bbbb")
    result = CliRunner().invoke(main, ["serve-teams", "--port", "1"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"not the rest of its credentials: set {PREFIX}CLIENTSECRET, {PREFIX}TENANTID" in result.output


def test_cli_refuses_to_serve_without_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from bot.cli import main

    monkeypatch.setattr("bot.logs.configure", lambda *a, **k: None)  # keep the session's logging (and leak scan)
    result = CliRunner().invoke(main, ["serve-teams", "--port", "1"])
    assert result.exit_code == 1 and "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID" in result.output
    assert "Traceback" not in result.output


def test_every_connection_setting_reaches_the_sdk(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Certificate auth from the environment and the issuer list from .env: all of them, not a fixed few."""
    app, tenant = CREDENTIALS[f"{PREFIX.lower()}clientid"], CREDENTIALS[f"{PREFIX.lower()}tenantid"]
    pfx = str(tmp_path / "bot.pfx")
    for name, value in {
        "CLIENTID": app,
        "TENANTID": tenant,
        "AUTHTYPE": "certificate",
        "CERTPFXFILE": pfx,
        "SENDX5C": "true",
    }.items():
        monkeypatch.setenv(PREFIX + name, value)
    issuers = f"https://api.botframework.com,https://sts.windows.net/{tenant}/"
    Path(".env").write_text(f"{PREFIX}ISSUERS={issuers}\n{PREFIX}CLIENTSECRET={SECRET}\n", encoding="utf-8")
    with caplog.at_level(logging.DEBUG):
        settings = Settings()
        config = teams_auth(settings).configuration
    forwarded = {
        "auth": config.AUTH_TYPE,
        "pfx": config.CERT_PFX_FILE,
        "x5c": config.SEND_X5C,
        "issuers": config.ISSUERS,
        "client": config.CLIENT_ID,
        "tenant": config.TENANT_ID,
        "secret": config.CLIENT_SECRET,
    }
    assert forwarded == {
        "auth": "certificate",
        "pfx": pfx,
        "x5c": True,
        "issuers": issuers.split(","),
        "client": app,
        "tenant": tenant,
        "secret": SECRET,
    }
    assert config.VALIDATE_ISSUER  # the advisor checks issuers unless told not to
    assert SECRET not in repr(settings) and SECRET not in str(settings.model_dump()) and SECRET not in caplog.text


def test_the_issuer_check_can_be_turned_off(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(PREFIX + "VALIDATE_ISSUER", "false")
    assert not teams_auth(teams_services(tmp_path, **CREDENTIALS).settings).configuration.VALIDATE_ISSUER


def test_unusable_connection_settings_are_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(PREFIX + "AUTHTYPE", "certificate")  # and no CERTPFXFILE
    with pytest.raises(InputError, match="not usable: CERT_PFX_FILE is required for certificate authentication"):
        teams_auth(teams_services(tmp_path, **CREDENTIALS).settings)
