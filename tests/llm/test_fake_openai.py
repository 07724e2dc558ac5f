"""The fake OpenAI server checks requests as the real services would (the LLM tests are only as good as it is)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from tests.llm.fake_openai import FakeOpenAI

KEY = "azure-key-the-fake-server-only-checks-is-there"


def test_fake_server_checks_azure_requests_like_azure(fake: FakeOpenAI) -> None:
    base = f"{fake.azure_endpoint}/openai/deployments/advisor-4o/chat/completions"
    body = json.dumps({"messages": [{"role": "user", "content": "hi"}]}).encode()

    def status(url: str, headers: dict[str, str]) -> int:
        request = urllib.request.Request(url, body, {"Content-Type": "application/json", **headers})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return exc.code

    assert status(base + "?api-version=2024-10-21", {}) == 401
    assert status(base, {"api-key": KEY}) == 404
    assert status(base + "?api-version=2024-10-21", {"api-key": KEY}) == 200
