"""Secrets the tests configure: distinctive values, so a scan of every log, error and card can prove none leaked.

Use these (not "xoxb-test" or "secret") wherever a test gives the app a token, a signing secret or an API key.
"""

from __future__ import annotations

BOT_TOKEN = "xoxb-7301-TESTONLY-b0tT0ken-neverLogMe"
APP_TOKEN = "xapp-1-A0001-TESTONLY-4ppT0ken-neverLogMe"
SIGNING_SECRET = "5e1f0c3a9b7d2e4f6a8c0b1d3e5f7a9c"  # 32 hex characters, shaped like Slack's
OPENAI_KEY = "sk-test-SECRETSECRETSECRET1234"  # tests/llm/conftest.py
AZURE_KEY = "azk-TESTONLY-4zur3K3y-neverLogMe"

# Secrets other test modules define for themselves, scanned for as well.
ELSEWHERE = (
    "azure0123456789abcdef0123456789ab",  # tests/llm/test_azure.py
    "not-a-real-secret",  # tests/teams/test_auth.py (the Teams client secret)
    "cross-platform-secret",  # tests/teams/test_cross_platform.py
)

SECRETS: tuple[str, ...] = (BOT_TOKEN, APP_TOKEN, SIGNING_SECRET, OPENAI_KEY, AZURE_KEY, *ELSEWHERE)
