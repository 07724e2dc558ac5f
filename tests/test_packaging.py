"""The container image, compose file and Kubernetes manifests: they parse, and their user, ports, probes, data
location and secrets are what docs/production.md says. The image is built only where a container engine works."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import Settings, secret_names
from tests import slack_requests as sr
from tests.e2e.helpers import FULL, is_card
from tests.slack_emulator import SlackEmulator
from tests.slack_requests import SlackClient

ROOT = Path(__file__).resolve().parents[1]
DOCS = (ROOT / "docs" / "production.md").read_text(encoding="utf-8")
UID = 10001
PORT = 3000


def dockerfile() -> dict[str, list[str]]:
    """The final stage's instructions (continuation lines joined), by keyword."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    stages = text.split("\nFROM ")
    out: dict[str, list[str]] = {"FROM": [stages[-1].splitlines()[0].split()[0]]}
    for line in stages[-1].splitlines()[1:]:
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, rest = line.strip().partition(" ")
            out.setdefault(keyword.upper(), []).append(" ".join(rest.split()))
    return out


def manifests() -> dict[str, dict[str, Any]]:
    """Every Kubernetes object under deploy/, by kind."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted((ROOT / "deploy").glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            assert isinstance(doc, dict) and doc.get("apiVersion") and doc.get("kind"), path
            found[doc["kind"]] = doc
    return found


def test_the_image_runs_as_the_documented_user_with_data_under_data() -> None:
    image = dockerfile()
    assert image["FROM"] == ["python:3.11-slim"]
    assert image["USER"] == [f"{UID}:{UID}"] and f"user **{UID}**" in DOCS
    assert json.loads(image["ENTRYPOINT"][0]) == ["ai-advisor"] and '`ENTRYPOINT ["ai-advisor"]`' in DOCS
    cmd = json.loads(image["CMD"][0])
    assert cmd == ["serve", "--port", str(PORT), "--health-port", str(PORT)]
    assert f"`{' '.join(cmd)}`" in DOCS
    assert any("ADVISOR_DATA_DIR=/data" in env for env in image["ENV"]) and image["VOLUME"] == ['["/data"]']
    assert image["EXPOSE"] == [str(PORT)]
    (healthcheck,) = image["HEALTHCHECK"]
    assert f"http://127.0.0.1:{PORT}/healthz" in healthcheck and "`HEALTHCHECK` calls" in DOCS


def test_compose_runs_the_advisor_on_postgresql_15() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    postgres, advisor = compose["services"]["postgres"], compose["services"]["advisor"]
    assert postgres["image"] == "postgres:15" and "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    url = advisor["environment"]["DATABASE_URL"]
    assert url.startswith("postgresql://advisor:") and url.endswith("@postgres:5432/advisor")
    assert advisor["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert advisor["ports"] == [f"{PORT}:{PORT}"] and advisor["environment"]["ADVISOR_DATA_DIR"] == "/data"
    assert advisor["build"] == "."


def test_the_deployment_has_two_replicas_probes_resources_and_secrets() -> None:
    objects = manifests()
    deployment, service, secret = objects["Deployment"], objects["Service"], objects["Secret"]
    assert deployment["spec"]["replicas"] == 2
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsUser"] == UID and pod["securityContext"]["runAsNonRoot"] is True
    (container,) = pod["containers"]
    assert container["args"] == json.loads(dockerfile()["CMD"][0])
    (port,) = container["ports"]
    assert port == {"name": "http", "containerPort": PORT}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert {"cpu", "memory"} <= set(container["resources"]["requests"])
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    env = {e["name"]: e for e in container["env"]}
    assert env["DATABASE_URL"]["valueFrom"]["secretKeyRef"]["name"] == secret["metadata"]["name"]
    # Every secret comes from the Secret: as a file (`<NAME>_FILE`) or a secretKeyRef, never a literal value.
    keys = set(secret["stringData"])
    secret_settings = set(secret_names(Settings))
    for name, item in env.items():
        base = name.removesuffix("_FILE")
        if name.endswith("_FILE"):
            assert base in secret_settings, name
            mount = next(m for m in container["volumeMounts"] if item["value"].startswith(m["mountPath"] + "/"))
            volume = next(v for v in pod["volumes"] if v["name"] == mount["name"])
            assert volume["secret"]["secretName"] == secret["metadata"]["name"]
            file = item["value"].rsplit("/", 1)[1]
            assert file in {i["path"] for i in volume["secret"]["items"]} and file in keys
        elif base in secret_settings or name == "DATABASE_URL":
            assert item["valueFrom"]["secretKeyRef"]["key"] in keys, name
    grace = pod["terminationGracePeriodSeconds"]
    assert grace > float(env["ADVISOR_SHUTDOWN_TIMEOUT"]["value"])
    for words in ("liveness `GET /healthz`", "readiness `GET /readyz`", "Container port **3000**", "2 replicas"):
        assert words in DOCS, words


def test_kustomization_names_every_manifest_but_the_example_secret() -> None:
    kustomization = yaml.safe_load((ROOT / "deploy" / "kustomization.yaml").read_text(encoding="utf-8"))
    on_disk = {p.name for p in (ROOT / "deploy").glob("*.yaml")} - {"kustomization.yaml", "secret.example.yaml"}
    assert set(kustomization["resources"]) == on_disk


def _engine() -> str | None:
    docker = shutil.which("docker")
    if docker is None:
        return None
    try:
        ok = subprocess.run([docker, "info"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return None
    return docker if ok else None


def test_the_image_carries_the_postgresql_driver() -> None:
    # The same image runs on SQLite or, with DATABASE_URL, on PostgreSQL (compose.yaml, deploy/): without the
    # extra it refused every PostgreSQL start ("DATABASE_URL needs psycopg"), found by running the built image.
    build, final = (ROOT / "Dockerfile").read_text(encoding="utf-8").split("\nFROM ")[-2:]
    assert "pip wheel --no-cache-dir --wheel-dir /wheels '.[postgres]'" in build
    assert "--no-index --find-links /wheels 'ai-advisor[postgres]'" in final


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ready(client: SlackClient) -> bool:
    try:
        return client.get("/readyz")[0] == 200
    except OSError:  # not listening yet
        return False


@pytest.mark.slow  # builds an image and starts a container
@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_the_image_builds_and_answers_a_signed_event_as_documented(engine: str, request: pytest.FixtureRequest) -> None:
    docker = _engine()
    if docker is None:
        pytest.skip("no usable container engine here (`docker info` fails or docker is not installed)")
    tag = "ai-advisor:test-packaging"
    subprocess.run([docker, "build", "-q", "-t", tag, str(ROOT)], check=True, timeout=1800, capture_output=True)
    inspect = json.loads(subprocess.run([docker, "image", "inspect", tag], capture_output=True, check=True).stdout)
    config = inspect[0]["Config"]
    assert config["User"] == f"{UID}:{UID}" and config["Entrypoint"] == ["ai-advisor"]
    assert config["Healthcheck"]["Test"][0] == "CMD"
    out = subprocess.run([docker, "run", "--rm", tag, "--version"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "version" in out.stdout
    driver = [docker, "run", "--rm", "--entrypoint", "python", tag, "-c", "import psycopg, psycopg_pool"]
    assert subprocess.run(driver, capture_output=True, timeout=120).returncode == 0
    # The default command, as the docs run it, on the host's network beside a local Slack Web API emulator.
    secret, port, name = "packaging-test-secret", _free_port(), f"advisor-packaging-{os.getpid()}"
    with SlackEmulator() as emulator:
        env = {"SLACK_BOT_TOKEN": "xoxb-packaging", "SLACK_SIGNING_SECRET": secret, "SLACK_API_URL": emulator.url}
        if engine == "postgres":  # the session's throwaway cluster listens on the host's loopback
            env["DATABASE_URL"] = request.getfixturevalue("pg_url")
        run = [docker, "run", "-d", "--name", name, "--network", "host"]
        run += [item for key, value in env.items() for item in ("-e", f"{key}={value}")]
        subprocess.run([*run, tag, "serve", "--port", str(port), "--health-port", str(port)], check=True, timeout=60)
        try:
            client = SlackClient(f"http://127.0.0.1:{port}", secret)
            deadline = time.monotonic() + 60
            while not _ready(client):
                assert time.monotonic() < deadline, "the container never became ready"
                time.sleep(0.5)
            assert client.post_event(sr.event_body(sr.app_mention(f"<@{sr.BOT_USER_ID}> {FULL}")))[0] == 200
            emulator.wait_for("chat.postMessage", 1, 30, ok_only=True, predicate=is_card)
            user = subprocess.run([docker, "exec", name, "id", "-u"], capture_output=True, text=True, check=True)
            assert user.stdout.strip() == str(UID)
        finally:
            subprocess.run([docker, "rm", "-f", name], capture_output=True, timeout=60)
