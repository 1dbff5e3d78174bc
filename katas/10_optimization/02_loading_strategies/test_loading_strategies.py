"""Tests for kata 10.2, loading strategies. Run: pytest katas/10_optimization/02_loading_strategies

Each test fills the tables (at two sizes, rows inserted in a shuffled order), calls your
function, then reads the objects as the page does, inside a query budget that counts the
function's statements and the page's lazy loads. A budget that holds at both sizes cannot be met
by one query per row; the statements are also checked for tables the page never reads.
"""

from __future__ import annotations

import random
import re
from typing import Any

import pytest
from sqlalchemy import BigInteger, Column, ForeignKey, MetaData, String, Table, Text, insert, inspect
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import Session

from fixtures.target import learner_module

loading_strategies = learner_module(__file__, "loading_strategies")

# The tests' own copy of the schema. BIGINT ids: on SQLite only an INTEGER PRIMARY KEY is the
# rowid, so rows stay in their shuffled insertion order and ties on a name do not come back by id.
schema = MetaData()
teams = Table("teams", schema, Column("id", BigInteger, primary_key=True), Column("name", String(100)))
members = Table(
    "members",
    schema,
    Column("id", BigInteger, primary_key=True),
    Column("name", String(100)),
    Column("team_id", ForeignKey("teams.id")),
)
projects = Table(
    "projects",
    schema,
    Column("id", BigInteger, primary_key=True),
    Column("name", String(100)),
    Column("description", Text),
    Column("team_id", ForeignKey("teams.id")),
)
tasks = Table(
    "tasks",
    schema,
    Column("id", BigInteger, primary_key=True),
    Column("title", String(200)),
    Column("project_id", ForeignKey("projects.id")),
    Column("assignee_id", ForeignKey("members.id"), nullable=True),
)
comments = Table(
    "comments",
    schema,
    Column("id", BigInteger, primary_key=True),
    Column("body", Text),
    Column("task_id", ForeignKey("tasks.id")),
    Column("author_id", ForeignKey("members.id")),
)

SIZES = {
    "small": (3, 8, 5, 20, 50),
    "large": (8, 40, 25, 120, 320),
}  # teams, members, projects, tasks, comments


class Data:
    """The rows inserted, as dicts by table name."""

    def __init__(self, rows: dict[str, list[dict[str, Any]]]) -> None:
        self.rows = rows

    def by_id(self, table: str) -> dict[int, dict[str, Any]]:
        return {row["id"]: row for row in self.rows[table]}

    def children(self, table: str, key: str, parent_id: int) -> list[dict[str, Any]]:
        return [row for row in self.rows[table] if row[key] == parent_id]


def seed(session: Session, size: str, rng_seed: int = 10) -> Data:
    rng = random.Random(rng_seed)
    n_teams, n_members, n_projects, n_tasks, n_comments = SIZES[size]

    def ids(count: int) -> list[int]:
        return rng.sample(range(1, 50 * count), count)

    rows: dict[str, list[dict[str, Any]]] = {}
    team_ids = ids(n_teams)
    rows["teams"] = [{"id": i, "name": f"Team {rng.choice('AB')}"} for i in team_ids]
    busy_teams = team_ids[1:]  # the first team has no members and no projects
    rows["members"] = [
        {"id": i, "name": f"Member {rng.choice('CDE')}", "team_id": rng.choice(busy_teams)}
        for i in ids(n_members)
    ]
    rows["projects"] = [
        {
            "id": i,
            "name": f"Project {rng.choice('FG')}",
            "description": "lorem ipsum " * 50,
            "team_id": rng.choice(busy_teams),
        }
        for i in ids(n_projects)
    ]
    member_ids = [m["id"] for m in rows["members"]]
    rows["tasks"] = [
        {
            "id": i,
            "title": f"Task {n}",
            "project_id": rng.choice(rows["projects"])["id"],
            "assignee_id": None if n % 4 == 0 else rng.choice(member_ids),
        }
        for n, i in enumerate(ids(n_tasks))
    ]
    task_ids = [t["id"] for t in rows["tasks"]]
    rows["comments"] = [
        {
            "id": i,
            "body": f"Comment {n}",
            "task_id": rng.choice(task_ids),
            "author_id": rng.choice(member_ids),
        }
        for n, i in enumerate(ids(n_comments))
    ]
    connection = session.connection()
    schema.create_all(connection)
    for table in schema.sorted_tables:
        shuffled = rows[table.name][:]
        rng.shuffle(shuffled)
        connection.execute(insert(table), shuffled)
    return Data(rows)


@pytest.fixture(params=sorted(SIZES, reverse=True), ids=lambda size: f"{size} data")
def data(request: pytest.FixtureRequest, session: Session) -> Data:
    return seed(session, request.param)


def touching(queries: Any, table: str) -> list[str]:
    """The statements whose SQL names `table` (or a column of that name)."""
    pattern = re.compile(rf"\b{table}\b", re.IGNORECASE)
    return [" ".join(s.sql.split()) for s in queries.statements if pattern.search(s.sql)]


def shown(sql: str) -> str:
    return sql if len(sql) < 400 else sql[:400] + " ..."


def by_name(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda row: (row["name"], row["id"]))


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
def test_member_directory_fits_one_statement(session: Session, data: Data, queries: Any) -> None:
    team = data.by_id("teams")
    expected = [(m["id"], m["name"], team[m["team_id"]]["name"]) for m in by_name(data.rows["members"])]
    with queries.budget(
        1, because="a many-to-one read on every row: the members and their teams in ONE statement (a join)"
    ):
        directory = loading_strategies.member_directory(session)
        got = [(m.id, m.name, m.team.name) for m in directory]
    assert got == expected, (
        "member_directory() should return every member by name then id, with their team: "
        f"expected {expected[:4]} ..., got {got[:4]} ..."
    )


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
def test_team_overview_loads_both_collections_within_three_statements(
    session: Session, data: Data, queries: Any
) -> None:
    expected = [
        (
            t["id"],
            sorted(m["id"] for m in data.children("members", "team_id", t["id"])),
            sorted(p["id"] for p in data.children("projects", "team_id", t["id"])),
        )
        for t in by_name(data.rows["teams"])
    ]
    with queries.budget(3, because="the teams, then one statement per collection: members, projects"):
        overview = loading_strategies.team_overview(session)
        got = [(t.id, sorted(m.id for m in t.members), sorted(p.id for p in t.projects)) for t in overview]
    assert got == expected, (
        "team_overview() should return every team by name then id (the one without members too), with its "
        f"members and projects: expected {expected[:3]} ..., got {got[:3]} ..."
    )


@pytest.mark.task(2)
def test_team_overview_never_joins_the_two_collections(session: Session, data: Data, queries: Any) -> None:
    with queries.budget(3, because="the teams, then one statement per collection"):
        overview = loading_strategies.team_overview(session)
        _ = [(len(t.members), len(t.projects)) for t in overview]
    both = [s for s in touching(queries, "members") if re.search(r"\bprojects\b", s, re.IGNORECASE)]
    assert not both, (
        "a statement read members and projects together: joined eager loading of two collections of one "
        "parent returns (members x projects) rows for each team, a cartesian product that grows with both. "
        f"Load each collection with its own SELECT ... IN (selectinload). The statement: {shown(both[0])}"
    )


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
def test_project_list_fits_one_statement(session: Session, data: Data, queries: Any) -> None:
    team = data.by_id("teams")
    expected = [(p["id"], p["name"], team[p["team_id"]]["name"]) for p in by_name(data.rows["projects"])]
    with queries.budget(1, because="the projects and their teams in ONE statement"):
        listed = loading_strategies.project_list(session)
        got = [(p.id, p.name, p.team.name) for p in listed]
    assert got == expected, (
        f"project_list() should return every project by name then id, with its team: expected {expected[:4]} ..., "
        f"got {got[:4]} ..."
    )


@pytest.mark.task(3)
def test_project_list_leaves_the_description_unloaded(session: Session, data: Data, queries: Any) -> None:
    listed = loading_strategies.project_list(session)
    assert listed, "project_list() returned no projects"
    sent = touching(queries, "description")
    assert not sent, (
        "the list never shows a project's description (pages of text each): it should not be in any SELECT. "
        f"defer() it, or load_only() what the list reads. Sent: {shown(sent[0])}"
    )
    loaded = [p.id for p in listed if "description" not in inspect(p).unloaded]
    assert not loaded, f"projects {loaded[:5]} have their description loaded; the list never reads it"


# -- task 4 -------------------------------------------------------------------------------------


def busiest_task(data: Data) -> dict[str, Any]:
    """An assigned task whose comments have several different authors (an N+1 shows)."""

    def authors(task: dict[str, Any]) -> set[int]:
        return {c["author_id"] for c in data.children("comments", "task_id", task["id"])} - {
            task["assignee_id"]
        }

    assigned = [t for t in data.rows["tasks"] if t["assignee_id"] is not None]
    return max(assigned, key=lambda t: (len(authors(t)), -t["id"]))


@pytest.mark.task(4)
@pytest.mark.parametrize("which", ["busiest", "unassigned"])
def test_task_card_fits_three_statements(session: Session, data: Data, queries: Any, which: str) -> None:
    if which == "busiest":
        task = busiest_task(data)
    else:
        task = max(
            (t for t in data.rows["tasks"] if t["assignee_id"] is None),
            key=lambda t: len(data.children("comments", "task_id", t["id"])),
        )
    member = data.by_id("members")
    expected = (
        task["title"],
        data.by_id("projects")[task["project_id"]]["name"],
        member[task["assignee_id"]]["name"] if task["assignee_id"] else None,
        sorted(
            (c["body"], member[c["author_id"]]["name"])
            for c in data.children("comments", "task_id", task["id"])
        ),
    )
    with queries.budget(3, because="the task with its project and assignee, its comments, their authors"):
        card = loading_strategies.task_card(session, task["id"])
        assert card is not None, f"task_card({task['id']}) returned None; the task exists"
        got = (
            card.title,
            card.project.name,
            card.assignee.name if card.assignee else None,
            sorted((c.body, c.author.name) for c in card.comments),
        )
    assert got == expected, f"task {task['id']}'s card: expected {expected}, got {got}"


@pytest.mark.task(4)
def test_task_card_loads_nothing_the_card_does_not_show(session: Session, data: Data, queries: Any) -> None:
    task = busiest_task(data)
    with queries.budget(3, because="the task with its project and assignee, its comments, their authors"):
        card = loading_strategies.task_card(session, task["id"])
        assert card is not None and card.assignee is not None, (
            f"task_card({task['id']}) should return the task"
        )
        _ = [(card.project.name, c.author.name) for c in card.comments]
    sent = touching(queries, "teams")
    assert not sent, (
        "the card shows no team, yet a statement read the teams table: eager-load what the page reads, "
        f"nothing more (no '*' wildcards, no extra joinedload). Sent: {shown(sent[0])}"
    )
    project_state = inspect(card.project)
    assert "tasks" in project_state.unloaded, (
        "the card does not list the project's other tasks: card.project.tasks should stay unloaded"
    )
    assert "team" in inspect(card.assignee).unloaded, (
        "the assignee's team is not on the card: leave it unloaded"
    )
    assert loading_strategies.task_card(session, 10**9) is None, (
        "task_card() of an id that does not exist: None"
    )


# -- task 5 -------------------------------------------------------------------------------------


@pytest.mark.task(5)
def test_tasks_for_export_fits_two_statements(session: Session, data: Data, queries: Any) -> None:
    expected = [
        (t["id"], t["title"], sorted(c["body"] for c in data.children("comments", "task_id", t["id"])))
        for t in sorted(data.rows["tasks"], key=lambda t: t["id"])
    ]
    with queries.budget(2, because="the tasks, then their comments in one SELECT ... IN"):
        exported = loading_strategies.tasks_for_export(session)
        got = [(t.id, t.title, sorted(c.body for c in t.comments)) for t in exported]
    assert got == expected, (
        f"every task by id with its comments: expected {expected[:2]} ..., got {got[:2]} ..."
    )


@pytest.mark.task(5)
@pytest.mark.parametrize("path", ["task.project", "task.assignee", "comment.author"])
def test_tasks_for_export_raises_on_any_lazy_load(
    session: Session, data: Data, queries: Any, path: str
) -> None:
    session.expunge_all()  # objects already in the session would hide a missing raiseload on a many-to-one
    exported = loading_strategies.tasks_for_export(session)
    task = next(t for t in exported if t.comments and t.assignee_id is not None)
    queries.clear()
    try:
        value = {
            "task.project": lambda: task.project,
            "task.assignee": lambda: task.assignee,
            "comment.author": lambda: task.comments[0].author,
        }[path]()
    except InvalidRequestError:
        pass
    else:
        pytest.fail(
            f"reading {path} loaded {value!r} lazily ({queries.count} statement(s)); the export must never "
            "lazy-load: raiseload('*') for the tasks, and chained after the comments' loader for the comments",
            pytrace=False,
        )
    queries.assert_count(0, because=f"reading {path} should raise before sending any SQL")
