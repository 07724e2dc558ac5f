"""Token validation over HTTP: the SDK's real JWT check (signature, audience, issuer) with the production settings.

The SDK fetches signing keys from Microsoft's fixed JWKS URLs, which can't be configured, so the one key lookup
(`PyJWKClient.get_signing_key`) is pointed at a JWKS endpoint served on localhost with a key made here. Everything
after the lookup (signature, expiry, audience, issuer, tenant binding) is the SDK's code under test. Replies need
an outgoing token from Entra ID, so the agent under test signs them with a fixed token and may send them to the
local connector; its inbound configuration is exactly what `teams_auth` builds from the settings.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt import PyJWKClient
from jwt.algorithms import RSAAlgorithm
from microsoft_agents.hosting.core import AnonymousTokenProvider, ConnectionManager, OutboundHostValidator

from bot.services import Services
from bot.teams.app import TeamsAgent
from bot.teams.auth import TeamsAuth, teams_auth
from bot.teams.serve import web_app
from tests.polling import SERVER_POLL_S
from tests.sqlite_store import sqlite_db
from tests.teams.conftest import teams_services
from tests.teams.harness import AgentServer, Chat, Connector, Teams, User
from tests.teams.test_auth import CREDENTIALS

pytestmark = [pytest.mark.filterwarnings("ignore::aiohttp.web.NotAppKeyWarning"), pytest.mark.slow]

APP_ID = CREDENTIALS["connections__service_connection__settings__clientid"]
BOT_FRAMEWORK = "https://api.botframework.com"  # the issuer of tokens Teams' Bot Connector sends
KID = "advisor-test-key"
OUTGOING = "outgoing-test-token"
FULL = (
    "We want a support ticket classifier; we have 50k clean labeled tickets, 2M requests a month, "
    "an ML team of 5, live in 6 months, budget $300k, not regulated, stable task"
)


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class Jwks:
    """A JWKS endpoint on localhost publishing one public key."""

    def __init__(self, key: rsa.RSAPrivateKey) -> None:
        jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
        body = json.dumps({"keys": [{**jwk, "kid": KID, "use": "sig", "alg": "RS256"}]}).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, args=(SERVER_POLL_S,), daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/discovery/keys"


class FixedToken(AnonymousTokenProvider):
    """Outgoing calls carry a fixed token instead of one from Entra ID (which would need the network)."""

    async def get_access_token(self, resource_url: str, scopes: list[str], force_refresh: bool = False) -> str:
        return OUTGOING


@pytest.fixture(scope="module")
def trusted() -> rsa.RSAPrivateKey:
    return new_key()


@pytest.fixture(scope="module")
def key_lookups(trusted: rsa.RSAPrivateKey) -> Iterator[list[str]]:
    """Key lookups go to the local JWKS endpoint; yields the JWKS URLs the SDK asked for."""
    jwks = Jwks(trusted)
    local = PyJWKClient(jwks.url)
    real = PyJWKClient.get_signing_key
    asked: list[str] = []

    def get_signing_key(self: PyJWKClient, kid: str) -> Any:
        asked.append(self.uri)
        return real(local, kid)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(PyJWKClient, "get_signing_key", get_signing_key)
        yield asked
    jwks.server.shutdown()
    jwks.server.server_close()


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory, key_lookups: list[str]) -> Iterator[tuple[AgentServer, Services]]:
    services = teams_services(tmp_path_factory.mktemp("jwt"), **CREDENTIALS)
    inbound = teams_auth(services.settings).configuration
    outgoing = ConnectionManager(
        provider_factory=lambda _: FixedToken(), connections_configurations={"SERVICE_CONNECTION": inbound}
    )
    auth = TeamsAuth(outgoing, inbound, anonymous=False, hosts=OutboundHostValidator(enabled=False))
    server = AgentServer(web_app(TeamsAgent(services, auth))).start()
    yield server, services
    server.stop()


def token(key: rsa.RSAPrivateKey, connector: Connector, **claims: Any) -> str:
    """A Bot Connector-style token for this bot, signed with `key`; `claims` override the defaults."""
    now = int(time.time())
    body = {
        "iss": BOT_FRAMEWORK,
        "aud": APP_ID,
        "iat": now,
        "nbf": now - 5,
        "exp": now + 600,
        "serviceurl": connector.url,
        "jti": uuid.uuid4().hex,
        **claims,
    }
    return jwt.encode(body, key, algorithm="RS256", headers={"kid": KID})


def post(secured: tuple[AgentServer, Services], connector: Connector, bearer: str) -> tuple[int, list[Any], int]:
    """Post a full description with the token; returns the status, what was sent back, and stored conversations."""
    server, services = secured
    teams = Teams(server.url, connector)
    status, sent = teams.post(
        teams.message(Chat.personal(), User(f"aad-{uuid.uuid4().hex[:8]}"), FULL), {"Authorization": f"Bearer {bearer}"}
    )
    return status, sent, sqlite_db(services.store).table("conversations").count


@pytest.mark.parametrize("case", ["signed with another key", "for another bot", "from another issuer", "expired"])
def test_tokens_that_fail_validation_are_refused(
    secured: tuple[AgentServer, Services],
    connector: Connector,
    trusted: rsa.RSAPrivateKey,
    key_lookups: list[str],
    case: str,
) -> None:
    now = int(time.time())
    bearer = {
        "signed with another key": token(new_key(), connector),
        "for another bot": token(trusted, connector, aud="11111111-2222-3333-4444-555555555555"),
        "from another issuer": token(trusted, connector, iss="https://issuer.example/"),
        "expired": token(trusted, connector, iat=now - 7200, nbf=now - 7200, exp=now - 3600),
    }[case]
    before = sqlite_db(secured[1].store).table("conversations").count
    asked = len(key_lookups)
    status, sent, after = post(secured, connector, bearer)
    assert (status, sent, after) == (401, [], before)
    assert len(key_lookups) == asked + 1  # it got as far as the key: refused by the checks after it


def test_a_valid_token_is_accepted(
    secured: tuple[AgentServer, Services], connector: Connector, trusted: rsa.RSAPrivateKey, key_lookups: list[str]
) -> None:
    before = sqlite_db(secured[1].store).table("conversations").count
    status, sent, after = post(secured, connector, token(trusted, connector))
    assert status in (200, 202) and after == before + 1
    cards = [s for s in sent if s.card]
    assert len(cards) == 1 and cards[0].authorization == f"Bearer {OUTGOING}"
    assert key_lookups[-1] == "https://login.botframework.com/v1/.well-known/keys"  # Bot Framework tokens' keys
