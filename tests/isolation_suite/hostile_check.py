"""Plain tests that run between the hostile ones: they fail if anything leaked into them."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.isolation_suite.conftest import LISTENER_FIRED


@pytest.mark.parametrize("round_", range(6))
def test_the_database_is_empty_and_listeners_are_gone(connection, queries, round_) -> None:
    connection.exec_driver_sql("CREATE TABLE learner_notes (x INTEGER)")  # would clash with a leftover
    connection.execute(text("SELECT count(*) FROM learner_notes"))
    assert not LISTENER_FIRED.exists(), LISTENER_FIRED.read_text()
    assert queries.count == 2, queries.listing()
