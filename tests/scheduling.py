"""Which test process runs which test under `pytest -n`: pytest-xdist's `load` scheduling, except that the tests
needing a heavy library only they use start on one process, so only that one imports it.

LangChain (about a second to import) is imported where a test builds a prompt, not when the modules are collected;
under plain `load` scheduling those tests fall to whichever process asks next, and each process that runs one pays
the import. Here each group goes whole to one process with its first
tests; everything else is balanced as `load` balances it, and a process with nothing else left still takes another
group's tests rather than idle.
"""

from __future__ import annotations

from xdist.scheduler import LoadScheduling
from xdist.workermanage import WorkerController

# Test id prefixes of the tests that import a library nothing else in `make test-fast` imports.
GROUPS: dict[str, tuple[str, ...]] = {
    "langchain": ("tests/llm/", "tests/test_retrieval.py::test_retriever_contract"),
}


def group_of(nodeid: str) -> str | None:
    """The group a test belongs to, by its id."""
    return next((name for name, prefixes in GROUPS.items() if nodeid.startswith(prefixes)), None)


class GroupedLoadScheduling(LoadScheduling):
    """`load` scheduling that sends each group's tests to one process (the groups dealt out in turn)."""

    _home: dict[int, str] | None = None  # test index -> the worker id its group goes to

    def _homes(self) -> dict[int, str]:
        if self._home is None:
            assert self.collection is not None
            workers = sorted(node.gateway.id for node in self.nodes)
            where = {name: workers[n % len(workers)] for n, name in enumerate(GROUPS)}
            self._home = {i: where[g] for i, nodeid in enumerate(self.collection) if (g := group_of(nodeid))}
        return self._home

    def _send_tests(self, node: WorkerController, num: int) -> None:
        home = self._homes()
        mine = [i for i in self.pending if home.get(i) == node.gateway.id]  # all of its groups' tests, at once
        free = [i for i in self.pending if i not in home][:num]
        chosen = mine + free or self.pending[:num]  # only other processes' groups left: better than idling
        if chosen:
            taken = set(chosen)
            self.pending[:] = [i for i in self.pending if i not in taken]
            self.node2pending[node].extend(chosen)
            node.send_runtest_some(chosen)
