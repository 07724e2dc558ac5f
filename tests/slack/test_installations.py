"""OAuth mode's stores over the project's database (SQLite and PostgreSQL) and bot tokens refreshed before use."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Installation

from bot.slack.installations import DatabaseInstallationStore, SignedStateStore, SingleFlightRotator, WorkspaceClients
from bot.slack.oauth import bolt_authorize
from bot.storage.installations import Installations, OAuthStates
from bot.storage.outbox import DeliveryError
from bot.storage.store import Store
from tests.slack_emulator import Fault, Grant, SlackEmulator

CLIENT = "111.222"


@pytest.fixture
def store(migrated_database: str) -> Iterator[Store]:
    found = Store(migrated_database)
    yield found
    found.close()


def installation(
    team: str | None, *, enterprise: str | None = None, token: str = "xoxb-1", **more: object
) -> Installation:
    return Installation(
        app_id="A1",
        enterprise_id=enterprise,
        team_id=team,
        user_id="UINSTALLER",
        bot_token=token,
        bot_id="B1",
        bot_user_id="UBOT",
        bot_scopes="chat:write,commands",
        is_enterprise_install=team is None,
        **more,  # type: ignore[arg-type]
    )


def test_the_newest_installation_of_a_workspace_wins_and_reads_back_whole(store: Store) -> None:
    installs = DatabaseInstallationStore(Installations(store), CLIENT)
    installs.save(installation("T1", token="xoxb-old"))
    expires = int(time.time()) + 3600
    installs.save(installation("T1", token="xoxb-new", bot_refresh_token="xoxe-1", bot_token_expires_at=expires))
    installs.save(installation("T2", token="xoxb-other"))
    found = installs.find_installation(enterprise_id=None, team_id="T1")
    assert found is not None and found.bot_token == "xoxb-new" and found.bot_refresh_token == "xoxe-1"
    assert found.bot_token_expires_at == expires and found.bot_scopes == ["chat:write", "commands"]
    bot = installs.find_bot(enterprise_id=None, team_id="T2")
    assert bot is not None and bot.bot_token == "xoxb-other"
    assert installs.find_installation(enterprise_id=None, team_id="T3") is None
    # Another app (client id) sharing the database sees none of them.
    assert DatabaseInstallationStore(Installations(store), "999.999").find_bot(enterprise_id=None, team_id="T1") is None


def test_an_org_wide_install_covers_the_workspaces_of_its_org_only(store: Store) -> None:
    installs = DatabaseInstallationStore(Installations(store), CLIENT)
    installs.save(installation(None, enterprise="E1", token="xoxb-org"))
    for team in ("T1", "T2"):
        bot = installs.find_bot(enterprise_id="E1", team_id=team)
        assert bot is not None and bot.bot_token == "xoxb-org"
    found = installs.find_installation(enterprise_id="E1", team_id="T1", is_enterprise_install=True)
    assert found is not None and found.is_enterprise_install
    assert installs.find_bot(enterprise_id="E2", team_id="T1") is None
    assert installs.find_bot(enterprise_id=None, team_id="T1") is None


def test_uninstalling_forgets_the_workspace(store: Store) -> None:
    installs = DatabaseInstallationStore(Installations(store), CLIENT)
    installs.save(installation("T1"))
    installs.save(installation("T2"))
    installs.delete_all(enterprise_id=None, team_id="T1")
    assert installs.find_bot(enterprise_id=None, team_id="T1") is None
    assert installs.find_bot(enterprise_id=None, team_id="T2") is not None


def test_states_are_signed_single_use_and_expire(store: Store) -> None:
    states = SignedStateStore(OAuthStates(store), "state-secret")
    state = states.issue()
    nonce = state.split(".")[0]
    assert not states.consume(f"{nonce}.{'0' * 32}")  # forged signature: refused, and the nonce is not spent
    assert not SignedStateStore(OAuthStates(store), "another-secret").consume(state)
    assert states.consume(state)
    assert not states.consume(state)  # used once
    assert not states.consume("no-dot-at-all") and not states.consume("")
    expired = SignedStateStore(OAuthStates(store), "state-secret", expires=-1).issue()
    assert not states.consume(expired)


def _clients(emulator: SlackEmulator, store: Store) -> tuple[WorkspaceClients, DatabaseInstallationStore]:
    installs = DatabaseInstallationStore(Installations(store), emulator.client_id)
    api = WebClient(base_url=emulator.url, retry_handlers=[])
    rotator = SingleFlightRotator(
        installs, client_id=emulator.client_id, client_secret=emulator.client_secret, client=api
    )
    return WorkspaceClients(installs, rotator, base_url=emulator.url, timeout=5, rotate_before_minutes=120), installs


def _install(emulator: SlackEmulator, installs: DatabaseInstallationStore, grant: Grant) -> str:
    """Exchange a code as the install flow does and store what Slack answered; returns the token."""
    emulator.add_oauth_code("code-" + str(grant.team_id), grant)
    answer = WebClient(base_url=emulator.url).oauth_v2_access(
        client_id=emulator.client_id, client_secret=emulator.client_secret, code="code-" + str(grant.team_id)
    )
    installs.save(
        installation(
            grant.team_id,
            token=answer["access_token"],
            bot_refresh_token=answer.get("refresh_token"),
            bot_token_expires_in=answer.get("expires_in"),
        )
    )
    return str(answer["access_token"])


def test_a_token_about_to_expire_is_refreshed_and_saved_before_use(store: Store) -> None:
    with SlackEmulator() as emulator:
        clients, installs = _clients(emulator, store)
        first = _install(emulator, installs, Grant("TROT1", rotating=True, expires_in=60, refreshed_expires_in=43_200))
        client = clients.client("TROT1", None)
        assert client.token != first and client.token in emulator.tokens_of("TROT1")
        refreshed = installs.find_bot(enterprise_id=None, team_id="TROT1")
        assert refreshed is not None and refreshed.bot_token == client.token  # saved for the next use
        assert client.chat_postMessage(channel="C1", text="hi")["ok"]
        # Now it lives 12 hours: used as is, no second refresh.
        assert clients.client("TROT1", None).token == client.token
        refreshes = [c for c in emulator.calls("oauth.v2.access") if c.params.get("grant_type") == "refresh_token"]
        assert len(refreshes) == 1


def test_a_token_that_does_not_rotate_is_used_as_stored(store: Store) -> None:
    with SlackEmulator() as emulator:
        clients, installs = _clients(emulator, store)
        token = _install(emulator, installs, Grant("TFIX1"))
        assert clients.client("TFIX1", None).token == token
        assert not emulator.calls("oauth.v2.access")[1:]  # only the code exchange


def test_no_installation_or_a_failed_refresh_is_a_delivery_error(store: Store) -> None:
    with SlackEmulator() as emulator:
        clients, installs = _clients(emulator, store)
        with pytest.raises(DeliveryError) as missing:
            clients.client("TNONE", None)
        assert missing.value.error == "not_installed" and not missing.value.retryable
        installs.save(
            installation("TBAD", bot_refresh_token="xoxe-unknown", bot_token_expires_at=int(time.time()) + 60)
        )
        with pytest.raises(DeliveryError) as refused:
            clients.client("TBAD", None)
        assert refused.value.error == "invalid_refresh_token"


def _refreshes(emulator: SlackEmulator) -> list[object]:
    return [c for c in emulator.calls("oauth.v2.access") if c.params.get("grant_type") == "refresh_token"]


@pytest.fixture
def replica_stores(database: str) -> Iterator[list[Store]]:
    """The stores of two processes refreshing at once: on PostgreSQL, two replicas (each its own connections and
    advisory locks); on SQLite, where one process holds the database, that process's one store, used twice."""
    stores = [Store(database), Store(database)] if database.startswith("postgresql") else [Store(database)] * 2
    yield stores
    for store in set(stores):
        store.close()


@pytest.mark.slow
def test_replicas_refreshing_one_token_at_once_ask_slack_once_and_share_its_answer(
    replica_stores: list[Store],
) -> None:
    with SlackEmulator() as emulator:
        replicas = [_clients(emulator, store)[0] for store in replica_stores]
        installs = _clients(emulator, replica_stores[0])[1]
        first = _install(emulator, installs, Grant("TRACE", rotating=True, expires_in=60, refreshed_expires_in=43_200))
        # The first refresh is slow to answer: the other replica asks for the token meanwhile. Unguarded, it would
        # refresh too, with the refresh token Slack has just used up (invalid_refresh_token). A quarter of a second
        # is ample for the other thread to ask: with the refresh lock made a no-op both tests fail (3 runs of 3).
        emulator.fail_next("oauth.v2.access", Fault.delay(0.25))
        with ThreadPoolExecutor(2) as pool:
            tokens = list(pool.map(lambda clients: clients.client("TRACE", None).token, replicas))
        assert len(_refreshes(emulator)) == 1
        assert tokens[0] == tokens[1] != first and tokens[0] in emulator.tokens_of("TRACE")
        stored = installs.find_bot(enterprise_id=None, team_id="TRACE")
        assert stored is not None and stored.bot_token == tokens[0]
        with replica_stores[0].reading() as db:  # the install and one refresh: handing it back saved nothing new
            assert db.execute("select count(*) from app_installations").fetchone()[0] == 2


@pytest.mark.slow
def test_a_request_and_the_outbox_refreshing_at_once_ask_slack_once(replica_stores: list[Store]) -> None:
    with SlackEmulator() as emulator:
        outbox_clients, installs = _clients(emulator, replica_stores[0])
        in_requests = _clients(emulator, replica_stores[1])[0]
        authorize = bolt_authorize(in_requests.store, in_requests.rotator, logging.getLogger("bolt"), 120)
        first = _install(emulator, installs, Grant("TMIX", rotating=True, expires_in=60, refreshed_expires_in=43_200))
        emulator.fail_next("oauth.v2.access", Fault.delay(0.25))

        def in_a_request() -> str | None:
            context = BoltContext({"client": WebClient(base_url=emulator.url, retry_handlers=[])})
            result = authorize(context=context, enterprise_id=None, team_id="TMIX", user_id="UINSTALLER")
            return result.bot_token if result is not None else None

        def in_the_outbox() -> str | None:
            return outbox_clients.client("TMIX", None).token

        calls: list[Callable[[], str | None]] = [in_a_request, in_the_outbox]
        with ThreadPoolExecutor(2) as pool:
            tokens = list(pool.map(lambda call: call(), calls))
        assert len(_refreshes(emulator)) == 1
        assert tokens[0] == tokens[1] != first
