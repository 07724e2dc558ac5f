"""Production operations over real processes and HTTP: Prometheus metrics at /metrics, /healthz and /readyz on
--health-port in Socket Mode, start-up failures as one clear line with a non-zero exit, and a quiet normal start."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.logs import parse_lines
from tests import processes
from tests import slack_requests as sr
from tests.e2e.conftest import CLI, SECRET, Server, free_port, wait_healthy
from tests.e2e.helpers import FULL, wait_posts
from tests.slack_emulator import SlackEmulator
from tests.slack_requests import SlackClient
from tests.tokens import APP_TOKEN, BOT_TOKEN

pytestmark = pytest.mark.e2e


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus exposition by (name, sorted labels)."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_metrics_count_events_acks_turns_and_deliveries(emulator: SlackEmulator, tmp_path: Path) -> None:
    server = Server(emulator, tmp_path / "data").start()
    try:
        event = sr.app_mention(f"<@{sr.BOT_USER_ID}> {FULL}", channel="CMETRICS1")
        assert server.client.post_event(sr.event_body(event))[0] == 200
        assert server.client.post_event(sr.event_body(event))[0] == 200  # Slack's retry: deduped
        wait_posts(emulator, "CMETRICS1")
        deadline = time.monotonic() + 10
        while True:  # the delivery is counted once Slack's answer is back
            status, headers, body = server.client.get("/metrics")
            found = samples(body.decode())
            if found.get(("advisor_deliveries_total", (("outcome", "sent"),)), 0) >= 1:
                break
            assert time.monotonic() < deadline, body.decode()[-3000:]
            time.sleep(0.1)
        assert status == 200 and headers["content-type"].startswith("text/plain")
        assert found[("advisor_events_received_total", (("platform", "slack"),))] == 2
        assert found[("advisor_events_acked_total", (("status", "200"),))] == 2
        assert found[("advisor_events_deduped_total", (("platform", "slack"),))] == 1
        assert found[("advisor_ack_seconds_count", (("mode", "http"),))] == 2
        assert ("advisor_ack_seconds_count", (("mode", "socket"),)) not in found
        assert found[("advisor_turns_total", (("outcome", "recommendation"), ("platform", "slack")))] == 1
        assert found[("advisor_inbox_turns", ())] == 0
        assert found[("advisor_outbox_oldest_age_seconds", (("platform", "slack"),))] == 0
        assert found[("advisor_outbox_oldest_age_seconds", (("platform", "teams"),))] == 0
        assert found[("advisor_outbox_messages", (("platform", "slack"), ("state", "sent")))] >= 1
        assert found[("advisor_outbox_messages", (("platform", "teams"), ("state", "pending")))] == 0
        assert ("advisor_llm_calls_total", (("outcome", "ok"),)) not in found  # offline: no model call
    finally:
        server.stop()


def test_a_normal_start_logs_no_warnings(emulator: SlackEmulator, tmp_path: Path) -> None:
    server = Server(emulator, tmp_path / "data").start()
    server.stop()
    lines = parse_lines(server.log.read_text(encoding="utf-8").splitlines())
    assert lines and not [line for line in lines if line["level"] not in ("INFO", "DEBUG")], lines


class HeldConnectionsOpen:
    """Slack's Web API in front of the emulator, holding `apps.connections.open` (Socket Mode's first call) until
    released, then refusing the app token: a Socket Mode server stays in start-up as long as the test needs."""

    def __init__(self, emulator: SlackEmulator) -> None:
        self.release = release = threading.Event()
        upstream = emulator.url

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.endswith("/apps.connections.open"):
                    release.wait(60)
                    answer = json.dumps({"ok": False, "error": "invalid_auth"}).encode()
                else:
                    method = self.path.rsplit("/", 1)[-1]
                    headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                    req = urllib.request.Request(upstream + method, data=body, headers=headers, method="POST")
                    with urllib.request.urlopen(req, timeout=10) as resp:
                        answer = resp.read()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/api/"

    def __enter__(self) -> HeldConnectionsOpen:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def held_slack(emulator: SlackEmulator) -> Iterator[HeldConnectionsOpen]:
    with HeldConnectionsOpen(emulator) as held:
        yield held


def _env(api_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ADVISOR_", "OPENAI_"))}
    env.update(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=api_url, ADVISOR_DATA_DIR=str(data_dir), **extra)
    return env


def test_socket_mode_serves_probes_and_metrics_on_the_health_port(
    held_slack: HeldConnectionsOpen, tmp_path: Path
) -> None:
    port = free_port()
    log = tmp_path / "socket.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(CLI), "serve", "--host", "127.0.0.1", "--health-port", str(port)],
            env=_env(held_slack.url, tmp_path / "data", SLACK_APP_TOKEN=APP_TOKEN),
            stdout=subprocess.DEVNULL,
            stderr=out,
        )
    probes = SlackClient(f"http://127.0.0.1:{port}", SECRET)
    try:
        wait_healthy(probes, proc, log, timeout=60)
        status, _, body = probes.get("/readyz")
        assert status == 200 and json.loads(body)["checks"]["database"]["ok"]
        status, _, body = probes.get("/metrics")
        assert status == 200 and "advisor_outbox_oldest_age_seconds" in body.decode()
        assert probes.get("/slack/events")[0] == 404  # Socket Mode takes no events over HTTP
        # Slack now refuses the app token: one clear line, a non-zero exit, no traceback.
        held_slack.release.set()
        assert proc.wait(timeout=30) == 1
    finally:
        processes.stop(proc)
    text = log.read_text()
    assert "Traceback" not in text
    last = text.strip().splitlines()[-1]
    assert last.startswith("Error: Slack refused to start the app (invalid_auth)"), text[-2000:]


def test_slack_unreachable_at_start_is_one_clear_line(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}/api/"  # nothing listens there
    proc = subprocess.run(
        [str(CLI), "serve", "--host", "127.0.0.1", "--port", str(free_port())],
        env=_env(dead, tmp_path / "data", SLACK_SIGNING_SECRET=SECRET),
        capture_output=True,
        timeout=120,
    )
    err = proc.stderr.decode()
    assert proc.returncode == 1 and "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith(f"Error: cannot reach Slack at {dead}"), err[-2000:]


def test_sigterm_stops_the_socket_mode_server(held_slack: HeldConnectionsOpen, tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [str(CLI), "serve", "--socket", "--host", "127.0.0.1", "--health-port", str(port)],
        env=_env(held_slack.url, tmp_path / "data", SLACK_APP_TOKEN=APP_TOKEN),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    probes = SlackClient(f"http://127.0.0.1:{port}", SECRET)
    try:
        wait_healthy(probes, proc, None, timeout=60)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        processes.stop(proc)


def test_the_images_healthcheck_command_passes_on_a_serving_process_and_fails_without_one(server: Server) -> None:
    from tests.test_packaging import PORT, dockerfile

    (healthcheck,) = dockerfile()["HEALTHCHECK"]
    command = json.loads(healthcheck[healthcheck.index("CMD ") + 4 :])
    assert command[0] == "python"

    def run(port: int) -> int:
        script = command[-1].replace(f":{PORT}/", f":{port}/")
        return subprocess.run([sys.executable, *command[1:-1], script], capture_output=True, timeout=30).returncode

    assert run(server.port) == 0
    assert run(free_port()) != 0


def test_the_containers_command_line_serves_http_mode_with_probes_on_its_port(
    emulator: SlackEmulator, tmp_path: Path
) -> None:
    from tests.test_packaging import dockerfile

    port = free_port()
    args = [a.replace("3000", str(port)) for a in json.loads(dockerfile()["CMD"][0])]
    proc = subprocess.Popen(
        [str(CLI), *args, "--host", "127.0.0.1"],
        env=_env(emulator.url, tmp_path / "data", SLACK_SIGNING_SECRET=SECRET),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = SlackClient(f"http://127.0.0.1:{port}", SECRET)
    try:
        wait_healthy(client, proc, None, timeout=60)
        assert client.get("/readyz")[0] == 200 and client.get("/metrics")[0] == 200
        assert (
            client.post_event(sr.event_body(sr.app_mention(f"<@{sr.BOT_USER_ID}> hi", channel="CCMDLINE1")))[0] == 200
        )
    finally:
        processes.stop(proc)


def test_a_different_health_port_in_http_mode_is_a_usage_error(tmp_path: Path) -> None:
    proc = subprocess.run(
        [str(CLI), "serve", "--port", str(free_port()), "--health-port", str(free_port())],
        env=_env("http://127.0.0.1:9/api/", tmp_path / "data", SLACK_SIGNING_SECRET=SECRET),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and "--health-port is for Socket Mode" in proc.stderr
