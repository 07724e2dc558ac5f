"""Issue 18, defect 3 over real HTTP: a knowledge directory's symlinks out of it (an app's .env, /etc/passwd) are
refused and named, and text shaped like a secret in a knowledge file is never posted by `/ai-advisor ask`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from tests import slack_requests as sr
from tests.e2e.conftest import Server
from tests.slack_emulator import Call, SlackEmulator
from tests.tokens import BOT_TOKEN, OPENAI_KEY, SIGNING_SECRET

pytestmark = pytest.mark.e2e

IN_DIR_KEY = "sk-proj-" + "Q" * 30  # shaped like a key, written inside a knowledge file itself


def knowledge(root: Path) -> Path:
    """An app directory with its .env, and a knowledge directory beside it with links out and a leaky runbook."""
    app = root / "app"
    app.mkdir(parents=True)
    (app / ".env").write_text(
        f"SLACK_BOT_TOKEN={BOT_TOKEN}\nSLACK_SIGNING_SECRET={SIGNING_SECRET}\nOPENAI_API_KEY={OPENAI_KEY}\n"
    )
    kb = root / "kb"
    kb.mkdir()
    (kb / "notes.md").symlink_to(Path("..") / "app" / ".env")
    (kb / "passwd.md").symlink_to("/etc/passwd")
    (kb / "inside.md").write_text("# Inside\n\n## Runbook\n\nOur runbook for the zebracorn deploy.\n")
    (kb / "alias.md").symlink_to("inside.md")  # a link that stays inside the directory is fine
    (kb / "runbook.md").write_text(
        "# Runbook\n\n## Zebracorn deploy settings\n\nThe zebracorn deploy reads these settings:\n\n"
        f"DEPLOY_TOKEN=plain-value-zebracorn\nexport OPENAI_API_KEY={IN_DIR_KEY}\n\n"
        "Or pass the zebracorn token xoxb-1234-5678-abcdefghijklmnop directly.\n"
    )
    return kb


@pytest.fixture(scope="module")
def server(emulator: SlackEmulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("kbroot")
    kb = knowledge(root)
    srv = Server(emulator, root / "data", env={"ADVISOR_KNOWLEDGE_DIRS": str(kb)}).start()
    yield srv
    srv.stop()


def ask(server: Server, question: str) -> Call:
    hook = server.emulator.webhook_url(f"ask-{abs(hash(question))}")
    seen = len(server.emulator.calls("webhook"))
    status, _, _ = server.client.post_command(
        sr.slash_command_form(f"ask {question}", channel_id="CKB01", response_url=hook)
    )
    assert status == 200
    return server.emulator.wait_for("webhook", seen + 1, timeout=30)[-1]


@pytest.mark.parametrize(
    "question",
    ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET OPENAI_API_KEY", "root bin bash", "zebracorn deploy token settings"],
)
def test_ask_never_posts_linked_files_or_secret_shaped_text(server: Server, question: str) -> None:
    reply = json.dumps(ask(server, question).params)
    for secret in (BOT_TOKEN, SIGNING_SECRET, OPENAI_KEY, IN_DIR_KEY, "plain-value-zebracorn", "xoxb-1234", "root:x:0"):
        assert secret not in reply, (secret, reply[:600])
    if question.startswith("zebracorn"):
        assert "zebracorn" in reply and "REDACTED" in reply  # the passage itself is still found and quoted


def test_the_index_names_the_refused_links(server: Server) -> None:
    env = {
        "ADVISOR_DATA_DIR": str(server.data_dir),
        "ADVISOR_KNOWLEDGE_DIRS": server.extra_env["ADVISOR_KNOWLEDGE_DIRS"],
    }
    result = CliRunner().invoke(main, ["index"], env=env)
    refused = [line for line in result.output.splitlines() if "outside its knowledge directory" in line]
    assert any("kb/notes.md" in line for line in refused) and any("kb/passwd.md" in line for line in refused)
    assert not any("kb/alias.md" in line for line in refused)  # a link within the directory is indexed
    assert BOT_TOKEN not in result.output


def test_doctor_names_the_refused_links(server: Server) -> None:
    env = {
        "ADVISOR_DATA_DIR": str(server.data_dir),
        "ADVISOR_KNOWLEDGE_DIRS": server.extra_env["ADVISOR_KNOWLEDGE_DIRS"],
    }
    result = CliRunner().invoke(main, ["doctor", "--json"], env=env)
    assert "kb/notes.md" in result.output and "kb/passwd.md" in result.output and BOT_TOKEN not in result.output
