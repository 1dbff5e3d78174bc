"""Tests for kata 4.3, many to one. Run: pytest katas/04_relationships/03_many_to_one"""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import insert, inspect, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fixtures.target import learner_module

many_to_one = learner_module(__file__, "many_to_one")

USERS = ["ada", "brian", "chen", "dana", "emil", "fatou", "grace", "hiro", "o'neil"]
PROJECTS = ["CORE", "WEB", "DOCS"]
WORDS = ["Crash", "Typo", "Slow", "Login", "Export", "Layout", "Timeout", "Upload"]


def require_columns(*names: str) -> Any:
    table = many_to_one.Ticket.__table__
    missing = [name for name in names if name not in table.c]
    if missing:
        pytest.fail(
            f"Ticket has no column {', '.join(missing)} yet: the foreign keys live on the tickets table "
            "(tasks 1 and 2)",
            pytrace=False,
        )
    return table


def require_relationships(*names: str) -> Any:
    Ticket = many_to_one.Ticket
    missing = [name for name in names if name not in inspect(Ticket).relationships]
    if missing:
        pytest.fail(
            f"Ticket.{', Ticket.'.join(missing)} is not a relationship yet (tasks 1 and 2)", pytrace=False
        )
    return Ticket


def make_tables(session: Session) -> None:
    many_to_one.Base.metadata.create_all(session.connection())


def seed(session: Session, seed: int) -> list[dict[str, Any]]:
    """Users, projects and 18 tickets (varied by seed) inserted with plain SQL; returns the tickets
    in id order with names instead of ids."""
    tickets_table = require_columns("project_id", "reporter_id", "assignee_id")
    make_tables(session)
    tables = many_to_one.Base.metadata.tables
    user_ids = {
        name: session.execute(
            insert(tables["users"]).values(name=name).returning(tables["users"].c.id)
        ).scalar_one()
        for name in USERS
    }
    project_ids = {
        key: session.execute(
            insert(tables["projects"]).values(key=key).returning(tables["projects"].c.id)
        ).scalar_one()
        for key in PROJECTS
    }
    rng = random.Random(seed)
    tickets = []
    for number in range(18):
        ticket = {
            "title": f"{rng.choice(WORDS)} #{number}",
            "project": rng.choice(PROJECTS[:2]),  # DOCS stays empty
            "reporter": rng.choice(USERS),
            "assignee": rng.choice(USERS + [None, None, None]),
        }
        ticket["id"] = session.execute(
            insert(tickets_table)
            .values(
                title=ticket["title"],
                project_id=project_ids[ticket["project"]],
                reporter_id=user_ids[ticket["reporter"]],
                assignee_id=user_ids[ticket["assignee"]] if ticket["assignee"] else None,
            )
            .returning(tickets_table.c.id)
        ).scalar_one()
        tickets.append(ticket)
    # Make "no ORDER BY" visible. PostgreSQL: rewriting every third ticket stores the new row versions at
    # the end of the table. SQLite (which keeps rows in id order): an index a DBA might add, which the
    # planner uses to find a project's tickets, in title order.
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("CREATE INDEX ix_tickets_board ON tickets (project_id, title)"))
    session.execute(
        update(tickets_table)
        .where(tickets_table.c.id.in_([t["id"] for t in tickets[::3]]))
        .values(title=tickets_table.c.title)
    )
    return tickets


def flush_refused(session: Session) -> bool:
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        return True
    return False


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
def test_project_id_is_a_required_foreign_key_to_projects() -> None:
    table = require_columns("project_id")
    column = table.c.project_id
    targets = {fk.target_fullname for fk in column.foreign_keys}
    assert targets == {"projects.id"}, (
        f"tickets.project_id should be a foreign key to projects.id (each ticket row points at its project); "
        f"it references {sorted(targets) or 'nothing'}"
    )
    assert not column.nullable, "every ticket belongs to a project: project_id should be NOT NULL"


@pytest.mark.task(1)
def test_a_ticket_is_linked_to_its_project_through_the_relationship(session: Session) -> None:
    require_columns("project_id")
    Ticket = require_relationships("project")
    make_tables(session)
    reporter = many_to_one.User(name="ada")
    session.add(reporter)
    session.flush()
    # Once task 2 is done a ticket needs a reporter: given here through the column.
    extra = {"reporter_id": reporter.id} if "reporter_id" in Ticket.__table__.c else {}
    web = many_to_one.Project(key="WEB")
    ticket = Ticket(title="Broken link", project=web, **extra)
    session.add(ticket)  # the project is saved with it (save-update cascade)
    session.flush()
    assert ticket.project_id == web.id and web.id is not None, (
        "Ticket(project=web) and a flush should save the project and set ticket.project_id to its id; "
        f"got project_id={ticket.project_id!r}, project id={web.id!r}"
    )
    session.expire(ticket)
    assert ticket.project is web, "reading ticket.project should give the Project object back"


@pytest.mark.task(1)
def test_project_is_a_single_project_not_a_list() -> None:
    Ticket = require_relationships("project")
    attribute = inspect(Ticket).relationships["project"]
    assert not attribute.uselist, (
        "Ticket.project should be one Project, not a list: many tickets, one project"
    )
    assert attribute.mapper.class_ is many_to_one.Project, "Ticket.project should be a Project"


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
def test_reporter_is_required_and_assignee_optional() -> None:
    table = require_columns("reporter_id", "assignee_id")
    for name in ("reporter_id", "assignee_id"):
        targets = {fk.target_fullname for fk in table.c[name].foreign_keys}
        assert targets == {"users.id"}, (
            f"tickets.{name} should be a foreign key to users.id, not {sorted(targets)}"
        )
    assert not table.c.reporter_id.nullable, "every ticket was reported by someone: reporter_id NOT NULL"
    assert table.c.assignee_id.nullable, "a new ticket is not assigned yet: assignee_id must allow NULL"


@pytest.mark.task(2)
def test_reporter_and_assignee_are_two_different_users(session: Session) -> None:
    require_columns("project_id", "reporter_id", "assignee_id")
    Ticket = require_relationships("project", "reporter", "assignee")
    make_tables(session)
    ada, brian = many_to_one.User(name="ada"), many_to_one.User(name="brian")
    ticket = Ticket(
        title="Slow search", project=many_to_one.Project(key="CORE"), reporter=ada, assignee=brian
    )
    session.add(ticket)
    session.flush()
    assert (ticket.reporter_id, ticket.assignee_id) == (ada.id, brian.id), (
        "reporter should fill reporter_id and assignee fill assignee_id, each with its own user's id: "
        f"expected ({ada.id}, {brian.id}), got ({ticket.reporter_id}, {ticket.assignee_id})"
    )
    session.expire(ticket)
    assert (ticket.reporter, ticket.assignee) == (ada, brian), (
        "loaded back, ticket.reporter should be ada and ticket.assignee brian"
    )


@pytest.mark.task(2)
def test_an_unassigned_ticket_has_no_assignee(session: Session) -> None:
    require_columns("project_id", "reporter_id", "assignee_id")
    Ticket = require_relationships("project", "reporter", "assignee")
    make_tables(session)
    chen = many_to_one.User(name="chen")
    ticket = Ticket(title="Typo", project=many_to_one.Project(key="DOCS"), reporter=chen, assignee=chen)
    session.add(ticket)
    session.flush()
    ticket.assignee = None
    session.flush()
    assert ticket.assignee_id is None, "setting ticket.assignee = None should store NULL in assignee_id"
    assert ticket.reporter is chen, "unassigning must not touch the reporter"


@pytest.mark.task(2)
def test_a_ticket_without_reporter_is_refused(session: Session) -> None:
    require_columns("project_id", "reporter_id", "assignee_id")
    Ticket = require_relationships("project", "reporter", "assignee")
    make_tables(session)
    session.add(Ticket(title="Who wrote this?", project=many_to_one.Project(key="WEB")))
    assert flush_refused(session), (
        "a ticket without reporter should be refused by the database at flush (reporter_id NOT NULL)"
    )


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
@pytest.mark.parametrize(("project", "seed_value"), [("CORE", 1), ("WEB", 2), ("CORE", 3)])
def test_board_lists_tickets_with_reporter_and_assignee(
    session: Session, queries: Any, project: str, seed_value: int
) -> None:
    tickets = seed(session, seed_value)
    session.expire_all()
    queries.clear()
    got = many_to_one.board(session, project)
    expected = [(t["title"], t["reporter"], t["assignee"]) for t in tickets if t["project"] == project]
    assert list(got) == expected, (
        f"board({project!r}) should list that project's tickets by id as (title, reporter, assignee or None), "
        "unassigned tickets included (an inner join to the assignee drops them), in id order (ORDER BY: without "
        "it the database returns rows in whatever order is cheapest); "
        f"expected {expected}, got {got}"
    )
    queries.assert_at_most(
        3,
        because="reading ticket.reporter and ticket.assignee one ticket at a time sends a query per user: "
        "load them with the tickets (joinedload or selectinload), or join",
    )


@pytest.mark.task(3)
def test_board_of_a_project_without_tickets_is_empty(session: Session) -> None:
    seed(session, 4)
    got = many_to_one.board(session, "DOCS")
    assert list(got) == [], f"DOCS has no tickets: expected [], got {got}"


# -- task 4 -------------------------------------------------------------------------------------


@pytest.mark.task(4)
@pytest.mark.parametrize(("user", "seed_value"), [("ada", 5), ("grace", 6), ("o'neil", 7), ("hiro", 8)])
def test_reported_by_lists_the_tickets_that_user_reported(
    session: Session, queries: Any, user: str, seed_value: int
) -> None:
    tickets = seed(session, seed_value)
    queries.clear()
    got = many_to_one.reported_by(session, user)
    expected = sorted(t["title"] for t in tickets if t["reporter"] == user)
    assigned = sorted(t["title"] for t in tickets if t["assignee"] == user)
    assert list(got) == expected, (
        f"reported_by({user!r}) should return the titles of the tickets {user} REPORTED, sorted: {expected}; "
        f"got {got} (the tickets assigned to {user} are {assigned}: joining users through the assignee "
        "foreign key answers the wrong question)"
    )
    queries.assert_count(1, because="one SELECT with a join through Ticket.reporter")
    assert user in queries.values_sent(), (
        f"reported_by({user!r}) should send the name to the database as a bound parameter of its WHERE clause, "
        "so that the database picks the user's tickets: fetching every ticket and filtering in Python reads the "
        "whole table, and pasting the name into the SQL text is an injection. Values sent: "
        f"{queries.values_sent()}"
    )
