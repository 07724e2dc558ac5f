"""The test suite's own rules: `make test-fast` starts no process (tests/conftest.py refuses one) and imports no
module marked slow as a whole."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import _SLOW_MODULE, _leaves_out_slow


def test_a_test_not_marked_slow_cannot_start_a_process() -> None:
    with pytest.raises(AssertionError, match=r"starts a process: mark it @pytest.mark.slow"):
        subprocess.run([sys.executable, "-c", "pass"], check=True)


@pytest.mark.slow
def test_a_slow_test_may_start_one() -> None:
    done = subprocess.run([sys.executable, "-c", "print('ok')"], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "ok"


@pytest.mark.parametrize(
    ("markexpr", "left_out"),
    [
        ("not slow and not e2e", True),  # make test-fast
        ("not (slow or e2e)", True),
        ("", False),  # make test
        ("slow", False),
        ("e2e", False),  # an e2e module may be marked slow too
        ("slow or e2e", False),
        ("not e2e", False),
    ],
)
def test_a_module_marked_slow_is_skipped_unimported_only_when_no_slow_test_could_run(
    markexpr: str, left_out: bool
) -> None:
    assert _leaves_out_slow(markexpr) is left_out


def test_a_module_is_slow_as_a_whole_by_its_pytestmark_line() -> None:
    assert _SLOW_MODULE.search("import pytest\n\npytestmark = pytest.mark.slow  # see the README\n")
    assert _SLOW_MODULE.search('pytestmark = [pytest.mark.filterwarnings("ignore"), pytest.mark.slow]\n')
    assert not _SLOW_MODULE.search("@pytest.mark.slow\ndef test_one() -> None: ...\n")
    assert not _SLOW_MODULE.search("pytestmark = pytest.mark.slower\n")
