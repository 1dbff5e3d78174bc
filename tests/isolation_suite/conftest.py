"""The hostile suite's referee: each test must start on an empty database, in a shuffled order.

Run by tests/test_isolation.py in a subprocess (several workers, several rounds); not
collected by the normal run (its files are named hostile_*.py).
"""

from __future__ import annotations

import logging
import os
import random
from pathlib import Path

import pytest

from fixtures.database import Database

HERE = Path(__file__).parent
LISTENER_FIRED = HERE / ".listener-fired"  # per-run marker a leaked listener would write


class LoggingSnapshot:
    """The logging configuration a test's code may change: root and sqlalchemy.* loggers."""

    def __init__(self) -> None:
        self.state = self._take()

    @staticmethod
    def _take() -> dict[str, tuple[object, ...]]:
        loggers = [logging.root] + [
            lg for name, lg in logging.Logger.manager.loggerDict.items()
            if name.startswith("sqlalchemy") and isinstance(lg, logging.Logger)
        ]
        state: dict[str, tuple[object, ...]] = {
            lg.name: (lg.level, tuple(type(h).__name__ for h in lg.handlers if type(h).__module__ != "_pytest.logging"),
                      lg.propagate, lg.disabled)
            for lg in loggers
        }
        state["(logging.disable)"] = (logging.root.manager.disable,)
        return state

    def changes(self) -> list[str]:
        now = self._take()
        default = (logging.NOTSET, (), True, False)  # a logger made since (an echoing engine's own)
        return [f"{name}: {now[name]} was {self.state.get(name, default)}"
                for name in now if now[name] != self.state.get(name, default)]


LOGGING_AT_START = LoggingSnapshot()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    seed = int(os.environ.get("KATA_HOSTILE_SEED", "0"))
    ours = [item for item in items if Path(str(item.path)).parent == HERE]
    if seed and ours:
        random.Random(seed).shuffle(ours)
        others = [item for item in items if item not in ours]
        items[:] = ours + others


@pytest.fixture(scope="session", autouse=True)
def report_database_name(database: Database) -> None:
    """Tell the outer test which worker database was used, so it can check it was dropped."""
    names_file = os.environ.get("KATA_HOSTILE_DBNAMES")
    if names_file:
        with open(names_file, "a") as out:
            out.write(f"{database.backend.url.database}\n")


@pytest.fixture(autouse=True)
def starts_on_an_empty_database(database: Database) -> None:
    left = database.leftovers()
    assert not left, f"a previous test left these behind: {left}"
