"""The test suite's own rules: `make test-fast` starts no process (tests/conftest.py refuses one)."""

from __future__ import annotations

import subprocess
import sys

import pytest


def test_a_test_not_marked_slow_cannot_start_a_process() -> None:
    with pytest.raises(AssertionError, match=r"starts a process: mark it @pytest.mark.slow"):
        subprocess.run([sys.executable, "-c", "pass"], check=True)


@pytest.mark.slow
def test_a_slow_test_may_start_one() -> None:
    done = subprocess.run([sys.executable, "-c", "print('ok')"], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "ok"
