"""tests/scheduling.py: under `pytest -n`, each heavy library's tests go whole to one process, every test runs once,
and the rest is shared out."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest
from xdist.remote import Producer

from tests.scheduling import GROUPS, GroupedLoadScheduling, group_of

OTHERS = [f"tests/advisor/test_tco.py::test_{i}" for i in range(60)] + [
    f"tests/test_store.py::test_{i}" for i in range(60)
]
LLM = [f"tests/llm/test_chains.py::test_{i}" for i in range(8)] + ["tests/test_retrieval.py::test_retriever_contract"]
CHARTS = [f"tests/workflows/test_chart.py::test_{i}" for i in range(4)]


@pytest.fixture
def two_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    """A second heavy library's group beside LangChain's (the chart tests once were one, when they imported
    matplotlib)."""
    monkeypatch.setitem(GROUPS, "charts", ("tests/workflows/test_chart.py::",))


class Worker:
    """What the scheduler uses of xdist's WorkerController: its id, and the tests it was sent."""

    def __init__(self, worker_id: str) -> None:
        self.gateway = SimpleNamespace(id=worker_id)
        self.sent: list[int] = []
        self.shutting_down = False

    def send_runtest_some(self, indices: list[int]) -> None:
        self.sent.extend(indices)

    def shutdown(self) -> None:
        self.shutting_down = True


def run(collection: list[str], workers: list[Worker]) -> dict[str, list[str]]:
    """Schedule `collection` over `workers`, each finishing its oldest pending test in turn; what each ran."""
    config = SimpleNamespace(getvalue=lambda name: [f"{len(workers)}*popen"], getoption=lambda name: None)
    sched = GroupedLoadScheduling(cast(pytest.Config, config), Producer("test", enabled=False))
    nodes = [cast(Any, w) for w in workers]
    for node in nodes:
        sched.add_node(node)
    for node in nodes:
        sched.add_node_collection(node, collection)
    sched.schedule()
    while any(sched.node2pending.values()):
        for node in nodes:
            if sched.node2pending[node]:
                sched.mark_test_complete(node, sched.node2pending[node][0])
    return {w.gateway.id: [collection[i] for i in w.sent] for w in workers}


@pytest.mark.usefixtures("two_groups")
def test_each_group_runs_whole_on_one_process_and_the_rest_is_shared() -> None:
    collection = OTHERS[:50] + LLM[:8] + OTHERS[50:100] + CHARTS + OTHERS[100:] + LLM[8:]
    ran = run(collection, [Worker("gw1"), Worker("gw0")])
    assert sorted(ran["gw0"] + ran["gw1"]) == sorted(collection)  # every test, once
    assert set(LLM) <= set(ran["gw0"]) and set(CHARTS) <= set(ran["gw1"])
    assert all(30 < sum(t in OTHERS for t in tests) < 90 for tests in ran.values())


@pytest.mark.usefixtures("two_groups")
def test_with_one_process_it_runs_everything() -> None:
    collection = LLM + OTHERS[:10] + CHARTS
    assert sorted(run(collection, [Worker("gw0")])["gw0"]) == sorted(collection)


def test_groups_are_found_by_test_id() -> None:
    assert [group_of(t) for t in (LLM[0], LLM[-1], CHARTS[0], OTHERS[0], "tests/test_retrieval.py::test_cli_ask")] == [
        "langchain",
        "langchain",
        None,  # the chart tests import nothing heavy now
        None,
        None,
    ]
