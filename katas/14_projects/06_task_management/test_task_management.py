"""Tests for kata 14.6, the task board. Run: pytest katas/14_projects/06_task_management

Every test runs on the fast `session` fixture (everything rolled back after the test): the kata's
tables are created in the test's transaction, users, projects, tasks and assignments are seeded
with Core (shuffled, with ids that do not follow the insertion order), then `enable_audit(session)`
is called and the test changes tasks through the ORM as the board's request handlers do:
`session.commit()`, `session.rollback()` and `session.begin_nested()` included.

The audit trail is read back with a plain SELECT on the test's connection, ordered by its id.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import Connection, insert, select
from sqlalchemy.orm import Session

from fixtures.target import learner_module

tm = learner_module(__file__, "task_management")

USERS = {7: "Ada", 3: "Brian", 12: "Chen", 5: "Dora", 9: "Emeka"}
PROJECTS = {2: "Website", 1: "Warehouse"}
# id: (project, title, status, priority)
TASKS = {
    21: (2, "Draw the logo", "open", 1),
    14: (2, "Write the copy", "open", 2),
    30: (2, "Pick a font", "done", 3),
    18: (1, "Count the boxes", "open", 2),
    25: (1, "Order tape", "open", 1),
}
ASSIGNED = {21: [7, 3], 14: [3, 12], 30: [5], 18: [9], 25: [9, 7]}


def seed(connection: Connection) -> None:
    tm.Base.metadata.create_all(connection)
    shuffle = random.Random(146).shuffle
    users = [{"id": i, "name": n} for i, n in USERS.items()]
    shuffle(users)
    connection.execute(insert(tm.User.__table__), users)
    connection.execute(insert(tm.Project.__table__), [{"id": i, "name": n} for i, n in PROJECTS.items()])
    tasks = [
        {"id": i, "project_id": p, "title": t, "status": s, "priority": pr}
        for i, (p, t, s, pr) in TASKS.items()
    ]
    shuffle(tasks)
    connection.execute(insert(tm.Task.__table__), tasks)
    pairs = [{"task_id": t, "user_id": u} for t, us in ASSIGNED.items() for u in us]
    shuffle(pairs)
    connection.execute(insert(tm.assignments), pairs)


@pytest.fixture
def board(session: Session) -> Session:
    seed(session.connection())
    session.commit()  # the seed stays when the code under test rolls back
    return session


def audited(board: Session) -> Session:
    tm.enable_audit(board)
    return board


def trail(session: Session) -> list[tuple[Any, ...]]:
    """(task_id, action, field, old_value, new_value) of every audit entry, in the order written."""
    entries = tm.AuditEntry.__table__
    return [
        tuple(row)
        for row in session.connection().execute(
            select(
                entries.c.task_id, entries.c.action, entries.c.field, entries.c.old_value, entries.c.new_value
            ).order_by(entries.c.id)
        )
    ]


def show(entries: list[tuple[Any, ...]]) -> str:
    return "\n".join(f"    {entry}" for entry in entries) or "    (none)"


# -- task 1: the audit trail ------------------------------------------------------------------------------


@pytest.mark.task(1)
def test_creating_tasks_writes_a_create_entry_with_the_new_id(board: Session) -> None:
    session = audited(board)
    first = tm.Task(project_id=2, title="Choose colours")
    second = tm.Task(project_id=1, title="Label the shelves", priority=1)
    session.add_all([first, second])
    session.flush()
    expected = sorted(
        [
            (first.id, "create", None, None, "Choose colours"),
            (second.id, "create", None, None, "Label the shelves"),
        ]
    )
    assert sorted(trail(session)) == expected, (
        "each new task should get one entry (task_id = its new id, 'create', field None, old None, new = "
        f"its title). Expected\n{show(expected)}\nfound\n{show(trail(session))}\n(in before_flush the task "
        "has no id yet: set the entry's `task` relationship to the new Task and the flush fills task_id)"
    )


@pytest.mark.task(1)
def test_an_update_writes_one_entry_per_field_that_really_changed(board: Session) -> None:
    session = audited(board)
    task = session.get(tm.Task, 14)
    assert task is not None
    task.title = "Write the copy, again"
    task.priority = 1
    task.status = "open"  # the value it already has: no entry
    session.flush()
    expected = sorted(
        [
            (14, "update", "priority", "2", "1"),
            (14, "update", "title", "Write the copy", "Write the copy, again"),
        ]
    )
    found = sorted(trail(session))
    assert found == expected, (
        "an update should write one entry per audited field whose value changed, with the old and the new "
        "value as text, and none for a field set to the value it already had (its history has no change). "
        f"Expected\n{show(expected)}\nfound\n{show(found)}"
    )


@pytest.mark.task(1)
def test_the_old_value_is_recorded_even_when_the_task_was_not_loaded(board: Session) -> None:
    session = audited(board)
    task = session.get(tm.Task, 21)
    assert task is not None
    session.commit()  # expires the task: its attributes are not loaded any more
    task.status = "done"
    task.priority = 3
    task.title = "Draw the logo"  # the value it already has, set while not loaded: no entry
    session.commit()
    expected = sorted([(21, "update", "priority", "1", "3"), (21, "update", "status", "open", "done")])
    found = sorted(trail(session))
    assert found == expected, (
        "after a commit the task's attributes are expired; setting one then does not load the old value, "
        "so the attribute's history has no old value. The audit must still say what it was, and a field "
        "set to the value it already had (the title here) is no change. Expected\n"
        f"{show(expected)}\nfound\n{show(found)}\n(look at mapped_column(..., active_history=True))"
    )


@pytest.mark.task(1)
def test_deleting_a_task_writes_a_delete_entry_with_its_title(board: Session) -> None:
    session = audited(board)
    task = session.get(tm.Task, 18)
    assert task is not None
    session.commit()  # expired: the title must be loaded to be recorded
    session.delete(task)
    session.commit()
    found = trail(session)
    assert found == [(18, "delete", None, "Count the boxes", None)], (
        "deleting a task should write one entry (its id, 'delete', field None, old = its title, new None); "
        f"found\n{show(found)}"
    )


@pytest.mark.task(1)
def test_assigning_users_through_the_relationship_is_not_an_update(board: Session) -> None:
    session = audited(board)
    task = session.get(tm.Task, 25)
    brian = session.get(tm.User, 3)
    assert task is not None and brian is not None
    task.assignees.append(brian)
    task.title = task.title  # set, but unchanged
    session.flush()
    assert trail(session) == [], (
        "no audited field changed (a new assignee is not a change of title, status or priority, and a "
        f"title set to itself is no change): expected no entry, found\n{show(trail(session))}"
    )


@pytest.mark.task(1)
def test_every_flush_is_audited_once_autoflush_included(board: Session) -> None:
    session = audited(board)
    task = session.get(tm.Task, 25)
    assert task is not None
    task.priority = 3
    session.execute(select(tm.Task.id).where(tm.Task.priority == 3)).all()  # autoflush sends the change
    task.status = "done"
    session.flush()
    task.title = "Order more tape"
    session.commit()
    expected = [
        (25, "update", "priority", "1", "3"),
        (25, "update", "status", "open", "done"),
        (25, "update", "title", "Order tape", "Order more tape"),
    ]
    found = trail(session)
    assert found == expected, (
        "three flushes (an autoflush before a query, an explicit flush, the commit's flush) each changed "
        "one field: expected one entry each, in that order, written by the flush that sent the change "
        f"(before_flush runs for every flush):\n{show(expected)}\nfound\n{show(found)}"
    )


# -- task 2: complete and correct under rollbacks -----------------------------------------------------------


@pytest.mark.task(2)
def test_a_rolled_back_change_leaves_no_entry(board: Session) -> None:
    session = audited(board)
    task = session.get(tm.Task, 21)
    assert task is not None
    task.title = "A logo nobody will see"
    session.flush()
    session.rollback()  # the request failed
    other = session.get(tm.Task, 14)
    assert other is not None
    other.status = "done"
    session.commit()
    found = trail(session)
    assert found == [(14, "update", "status", "open", "done")], (
        "the first change was rolled back, so its entry must go with it; only the committed change is "
        "audited. Write the entries into the same session in before_flush (same transaction), not into "
        f"a list that outlives a rollback, nor on another connection. Found\n{show(found)}"
    )


@pytest.mark.task(2)
def test_a_rolled_back_savepoint_leaves_none_of_its_entries(board: Session) -> None:
    session = audited(board)
    kept = session.get(tm.Task, 18)
    assert kept is not None
    kept.priority = 1
    session.flush()
    try:
        with session.begin_nested():
            doomed = session.get(tm.Task, 25)
            assert doomed is not None
            doomed.status = "done"
            session.add(tm.Task(project_id=1, title="Never happened"))
            session.flush()
            raise RuntimeError("the savepoint's work is abandoned")
    except RuntimeError:
        pass
    session.commit()
    found = trail(session)
    assert found == [(18, "update", "priority", "2", "1")], (
        "the change flushed before the savepoint is kept; everything done inside the rolled-back savepoint "
        "(an update, a new task) must leave no entry: expected only task 18's priority, found\n"
        f"{show(found)}"
    )


@pytest.mark.task(2)
def test_the_entries_commit_with_the_change_in_the_same_transaction(
    board: Session, connection: Connection
) -> None:
    session = audited(board)
    task = session.get(tm.Task, 30)
    assert task is not None
    task.status = "open"
    session.commit()
    status = connection.execute(
        select(tm.Task.__table__.c.status).where(tm.Task.__table__.c.id == 30)
    ).scalar_one()
    found = trail(session)
    assert status == "open" and found == [(30, "update", "status", "done", "open")], (
        "after the commit the change and its entry should both be there, written on the session's own "
        f"connection and transaction; found status {status!r} and entries\n{show(found)}"
    )
    assert tm.AuditEntry not in {type(o) for o in session.identity_map.values() if o in session.dirty}, (
        "no audit entry should be left pending in the session after the commit"
    )


# -- task 3: assignments -----------------------------------------------------------------------------------


def notifications(session: Session) -> list[tuple[int, str]]:
    table = tm.Notification.__table__
    return sorted(tuple(r) for r in session.connection().execute(select(table.c.user_id, table.c.message)))


def assignees(session: Session, task_id: int) -> list[int]:
    return sorted(
        session.connection()
        .execute(select(tm.assignments.c.user_id).where(tm.assignments.c.task_id == task_id))
        .scalars()
    )


@pytest.mark.task(3)
def test_assign_adds_only_new_assignees_and_notifies_each_once(board: Session) -> None:
    session = board
    new = tm.assign(session, 21, [12, 3, 9, 12])  # Brian (3) is already assigned; Chen twice
    session.flush()
    assert list(new) == [9, 12], f"assign should return the newly assigned ids, sorted: [9, 12]; got {new}"
    assert assignees(session, 21) == [3, 7, 9, 12], (
        f"task 21 should now have users 3, 7, 9 and 12, each once; found {assignees(session, 21)}"
    )
    expected = [(9, "You were assigned to: Draw the logo"), (12, "You were assigned to: Draw the logo")]
    assert notifications(session) == expected, (
        "each NEWLY assigned user gets one notification 'You were assigned to: <title>' (Brian was already "
        f"assigned: none for him); expected {expected}, found {notifications(session)}"
    )


@pytest.mark.task(3)
def test_assign_refuses_an_unknown_task(board: Session) -> None:
    with pytest.raises(tm.UnknownTask):
        tm.assign(board, 99, [3])
    assert notifications(board) == [], "nothing should be written for an unknown task"


@pytest.mark.task(3)
def test_assign_reads_as_much_for_one_user_as_for_many(board: Session, queries: Any) -> None:
    session = board
    session.add_all([tm.User(id=100 + i, name=f"Temp {i}") for i in range(8)])
    session.commit()
    counts = {}
    for task_id, users in ((14, [100]), (18, [101, 102, 103, 104, 105, 106])):
        queries.clear()
        tm.assign(session, task_id, users)
        session.flush()
        counts[len(users)] = queries.matching(r"^\s*SELECT")
    one, many = (len(counts[1]), len(counts[6]))
    assert many == one and many <= 3, (
        f"assign read with {one} SELECT(s) for 1 user and {many} for 6 users: it should read the same few "
        "rows whatever the number of users (the task, who is already assigned: WHERE user_id IN (...)), "
        "not one query per user. The SELECTs for 6 users:\n" + "\n".join(f"    {s.sql}" for s in counts[6])
    )
    with queries.paused():
        assert len(notifications(session)) == 7, "expected one notification per newly assigned user (7)"


# -- task 4: notify a project ------------------------------------------------------------------------------


@pytest.mark.task(4)
@pytest.mark.parametrize(
    ("project", "recipients"),
    [(2, [3, 7, 12]), (1, [7, 9])],  # project 2: task 30 is done, so Dora (5) is left out
    ids=["website", "warehouse"],
)
def test_notify_project_reaches_each_assignee_of_its_open_tasks_once(
    board: Session, queries: Any, project: int, recipients: list[int]
) -> None:
    message = "Stand-up moved to 10:30"
    queries.clear()
    sent = tm.notify_project(board, project, message)
    board.flush()
    selects = queries.matching(r"^\s*SELECT")
    with queries.paused():
        found = notifications(board)
    assert found == [(u, message) for u in recipients], (
        f"every user assigned to an open task of project {project} gets the message once (a user on two "
        f"tasks once, done tasks left out): expected users {recipients}, found {[u for u, _ in found]}"
    )
    assert sent == len(recipients), (
        f"notify_project should return how many were written ({len(recipients)}), got {sent}"
    )
    assert len(selects) <= 1, (
        "finding the recipients is one SELECT (a join with DISTINCT, or INSERT ... SELECT), not a query per "
        f"task: the code sent {len(selects)}:\n" + "\n".join(f"    {s.sql}" for s in selects)
    )


@pytest.mark.task(4)
def test_notify_project_binds_the_message(board: Session, queries: Any) -> None:
    message = "Don't panic: the '; DROP TABLE notifications; -- build is fixed"
    queries.clear()
    tm.notify_project(board, 1, message)
    board.flush()
    assert message in queries.values_sent(), (
        "the message should be sent as a bound parameter, never pasted into SQL"
    )
    with queries.paused():
        assert {m for _, m in notifications(board)} == {message}, (
            "the message should be stored exactly as given"
        )
