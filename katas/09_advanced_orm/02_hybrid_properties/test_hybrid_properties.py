"""Tests for kata 9.2, hybrid properties. Run: pytest katas/09_advanced_orm/02_hybrid_properties"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Column, Date, Integer, MetaData, String, Table, insert, select
from sqlalchemy.orm import Session

from fixtures.target import learner_module

hybrid_properties = learner_module(__file__, "hybrid_properties")

schema = MetaData()
members = Table(
    "members",
    schema,
    Column("id", Integer, primary_key=True),
    Column("first_name", String(50)),
    Column("last_name", String(50)),
    Column("nickname", String(50)),
    Column("points", Integer),
    Column("balance_cents", Integer),
)
subscriptions = Table(
    "subscriptions",
    schema,
    Column("id", Integer, primary_key=True),
    Column("member_id", Integer),
    Column("plan", String(20)),
    Column("monthly_cents", Integer),
    Column("starts_on", Date),
    Column("ends_on", Date),
)

MEMBER_COLUMNS = ("id", "first_name", "last_name", "nickname", "points", "balance_cents")
MEMBERS = [
    dict(zip(MEMBER_COLUMNS, row))
    for row in [
        (1, "Ada", "Lovelace", None, 1500, -250),
        (2, "Bo", "Diddley", "Bo D", 100, 0),
        (3, "Cy", "Young", None, 99, 1200),
        (4, "Di", "Spencer", "Lady Di", 1000, -1),
        (5, "Ed", "Sheeran", None, 0, 30),
        (6, "Flo", "Jo", None, 999, -99_999),
        (7, "Gus", "Grissom", "Astro", 250, 150),
        (8, "Hal", "Jordan", "", 100, -100),  # an empty nickname is not NULL: it is shown (as '')
        (9, "Ida", "Wells", "Ida  B ", 1000, 200),  # spaces are the nickname's own: kept as they are
    ]
]
D = datetime.date
SUBSCRIPTIONS = [
    {"id": 1, "member_id": 1, "plan": "full", "monthly_cents": 4500, "starts_on": D(2024, 1, 1), "ends_on": None},
    {"id": 2, "member_id": 2, "plan": "student", "monthly_cents": 2500, "starts_on": D(2024, 3, 1), "ends_on": D(2024, 6, 1)},
    {"id": 3, "member_id": 3, "plan": "off-peak", "monthly_cents": 800, "starts_on": D(2024, 5, 15), "ends_on": D(2024, 5, 20)},
    {"id": 4, "member_id": 2, "plan": "full", "monthly_cents": 4500, "starts_on": D(2024, 9, 1), "ends_on": None},
    {"id": 6, "member_id": 1, "plan": "off-peak", "monthly_cents": 800, "starts_on": D(2024, 5, 1), "ends_on": D(2024, 10, 1)},
    {"id": 5, "member_id": 5, "plan": "family", "monthly_cents": 9000, "starts_on": D(2025, 1, 1), "ends_on": D(2025, 12, 31)},
]


def display(m: dict[str, Any]) -> str:
    return m["nickname"] if m["nickname"] is not None else f"{m['first_name']} {m['last_name']}"


def tier(points: int) -> str:
    return "gold" if points >= 1000 else "silver" if points >= 100 else "bronze"


def active(s: dict[str, Any], day: datetime.date) -> bool:
    return bool(s["starts_on"] <= day and (s["ends_on"] is None or day < s["ends_on"]))


@pytest.fixture
def gym(session: Session) -> Session:
    """The members and subscriptions above, written with Core (test-side tables)."""
    schema.create_all(session.connection())
    session.execute(insert(members), MEMBERS)
    session.execute(insert(subscriptions), SUBSCRIPTIONS)
    return session


def in_sql(build: Callable[[], Any], what: str) -> Any:
    """Build a class-level (SQL) expression; a hybrid written only for Python breaks here."""
    try:
        return build()
    except (TypeError, AttributeError) as error:
        problem = f"{type(error).__name__}: {error}"
    pytest.fail(
        f"{what} could not be turned into SQL: {problem}. At class level the hybrid's function gets "
        "columns, not values: Python's if/and/or/abs()/round() cannot work on them. Give the hybrid an "
        ".expression that builds SQL (case(), func.coalesce(), func.abs(), and_(), or_(), .is_(None)).",
        pytrace=False,
    )


def sorted_by_the_statement(sql: str) -> bool:
    """True when the statement itself (not a subquery of it) has an ORDER BY."""
    while re.search(r"\([^()]*\)", sql):
        sql = re.sub(r"\([^()]*\)", "", sql)
    return bool(re.search(r"\bORDER\s+BY\b", sql, re.IGNORECASE))


def member(**overrides: Any) -> Any:
    values = {"first_name": "Ann", "last_name": "Other", "nickname": None, "points": 0, "balance_cents": 0}
    values.update(overrides)
    return hybrid_properties.Member(**values)


# -- task 1 -----------------------------------------------------------------------------------


@pytest.mark.task(1)
@pytest.mark.parametrize("balance", [-1, 0, 1, -5000, 5000])
def test_is_overdrawn_on_an_object(balance: int) -> None:
    got = member(balance_cents=balance).is_overdrawn
    assert got is (balance < 0) or got == (balance < 0), (
        f"a member with balance_cents={balance} is_overdrawn should be {balance < 0}, got {got!r}"
    )


@pytest.mark.task(1)
def test_is_overdrawn_and_yearly_cents_in_a_query(gym: Session) -> None:
    M, S = hybrid_properties.Member, hybrid_properties.Subscription
    overdrawn = gym.scalars(in_sql(lambda: select(M.id).where(M.is_overdrawn).order_by(M.id), "Member.is_overdrawn")).all()
    expected = [m["id"] for m in MEMBERS if m["balance_cents"] < 0]
    assert list(overdrawn) == expected, (
        f"select(Member.id).where(Member.is_overdrawn) should return the members with a negative balance, "
        f"{expected}; got {list(overdrawn)}"
    )
    yearly = gym.execute(in_sql(lambda: select(S.id, S.yearly_cents).order_by(S.id), "Subscription.yearly_cents")).all()
    expected_yearly = sorted((s["id"], s["monthly_cents"] * 12) for s in SUBSCRIPTIONS)
    assert [tuple(r) for r in yearly] == expected_yearly, (
        f"Subscription.yearly_cents in a SELECT should be monthly_cents * 12: expected {expected_yearly}, got {yearly}"
    )
    assert member().is_overdrawn is False or member().is_overdrawn == False, "a zero balance is not overdrawn"
    s = S(plan="x", monthly_cents=1234, starts_on=D(2024, 1, 1), ends_on=None, member_id=1)
    assert s.yearly_cents == 1234 * 12, f"on an object, yearly_cents should be 14808, got {s.yearly_cents!r}"


# -- task 2 -----------------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize("row", MEMBERS, ids=[repr(display(m)) for m in MEMBERS])
def test_display_name_on_an_object(row: dict[str, Any]) -> None:
    m = member(**{k: v for k, v in row.items() if k != "id"})
    assert m.display_name == display(row), (
        f"display_name of {row['first_name']} {row['last_name']} with nickname {row['nickname']!r} should be "
        f"{display(row)!r}, got {m.display_name!r}"
    )


@pytest.mark.task(2)
def test_display_name_is_computed_by_the_database(gym: Session) -> None:
    M = hybrid_properties.Member
    got = [tuple(r) for r in gym.execute(in_sql(lambda: select(M.id, M.display_name).order_by(M.id), "Member.display_name"))]
    expected = [(m["id"], display(m)) for m in MEMBERS]
    assert got == expected, (
        "select(Member.id, Member.display_name) should get the nickname, or 'first last' when it is NULL, "
        f"from the database: expected {expected}, got {got}. (At class level `cls.nickname is not None` "
        "is always True: a column object is not None.)"
    )
    found = gym.scalars(select(M.id).where(M.display_name == "Ada Lovelace")).all()
    assert list(found) == [1], f"where(Member.display_name == 'Ada Lovelace') should find member 1, got {list(found)}"


@pytest.mark.task(2)
def test_display_name_agrees_in_python_and_in_sql(gym: Session) -> None:
    """The two sides of a hybrid are two implementations: on every row, NULL and '' included, they must agree."""
    M = hybrid_properties.Member
    in_database = {i: name for i, name in gym.execute(in_sql(lambda: select(M.id, M.display_name), "Member.display_name"))}
    on_objects = {m.id: m.display_name for m in gym.scalars(select(M))}
    differ = {i: (on_objects[i], in_database.get(i)) for i in on_objects if on_objects[i] != in_database.get(i)}
    assert not differ, (
        "display_name should give the same answer on an object (Python) and in a query (SQL); for these members "
        f"(id: (Python, SQL)) it does not: {differ}. A nickname of '' is not None: it is shown as it is, by both "
        "sides (`if self.nickname:` treats it as missing, coalesce() does not)."
    )


# -- task 3 -----------------------------------------------------------------------------------


@pytest.mark.task(3)
@pytest.mark.parametrize("points", [0, 99, 100, 101, 999, 1000, 25_000])
def test_tier_on_an_object(points: int) -> None:
    got = member(points=points).tier
    assert got == tier(points), f"a member with {points} points should be {tier(points)!r}, got {got!r}"


@pytest.mark.task(3)
@pytest.mark.parametrize("wanted", ["gold", "silver", "bronze"])
def test_tier_filters_in_the_database(gym: Session, wanted: str) -> None:
    M = hybrid_properties.Member
    got = gym.scalars(in_sql(lambda: select(M.id).where(M.tier == wanted).order_by(M.id), "Member.tier")).all()
    expected = [m["id"] for m in MEMBERS if tier(m["points"]) == wanted]
    assert list(got) == expected, (
        f"where(Member.tier == {wanted!r}) should return members {expected} (gold from 1000 points, silver "
        f"from 100, bronze below), got {list(got)}"
    )
    tiers = [tuple(r) for r in gym.execute(select(M.id, M.tier).order_by(M.id))]
    assert tiers == [(m["id"], tier(m["points"])) for m in MEMBERS], f"select(Member.tier) gave {tiers}"


@pytest.mark.task(3)
def test_balance_abs_cents_in_python_and_in_sql(gym: Session) -> None:
    for balance in (-250, 0, 75):
        got = member(balance_cents=balance).balance_abs_cents
        assert got == abs(balance), f"balance_abs_cents of {balance} should be {abs(balance)}, got {got!r}"
    M = hybrid_properties.Member
    found = gym.scalars(
        in_sql(lambda: select(M.id).where(M.balance_abs_cents >= 200).order_by(M.id), "Member.balance_abs_cents")
    ).all()
    expected = [m["id"] for m in MEMBERS if abs(m["balance_cents"]) >= 200]
    assert list(found) == expected, (
        f"where(Member.balance_abs_cents >= 200) should find {expected} (debts count by their size), got {list(found)}"
    )


# -- task 4 -----------------------------------------------------------------------------------


@pytest.mark.task(4)
@pytest.mark.parametrize(
    ("starts", "ends", "day", "expected"),
    [
        (D(2024, 3, 1), D(2024, 6, 1), D(2024, 2, 29), False),
        (D(2024, 3, 1), D(2024, 6, 1), D(2024, 3, 1), True),
        (D(2024, 3, 1), D(2024, 6, 1), D(2024, 5, 31), True),
        (D(2024, 3, 1), D(2024, 6, 1), D(2024, 6, 1), False),
        (D(2024, 3, 1), None, D(2030, 1, 1), True),
        (D(2024, 3, 1), None, D(2023, 1, 1), False),
    ],
    ids=["before the start", "on the first day", "the last day", "on the end day", "open-ended", "before open-ended"],
)
def test_active_on_on_an_object(starts: datetime.date, ends: datetime.date | None, day: datetime.date, expected: bool) -> None:
    s = hybrid_properties.Subscription(plan="x", monthly_cents=100, starts_on=starts, ends_on=ends, member_id=1)
    got = s.active_on(day)
    assert bool(got) is expected and isinstance(got, bool), (
        f"a subscription from {starts} to {ends} (end day excluded) active_on({day}) should be {expected}, got {got!r}"
    )


@pytest.mark.task(4)
@pytest.mark.parametrize("day", [D(2024, 1, 1), D(2024, 5, 15), D(2024, 5, 20), D(2024, 6, 1), D(2025, 6, 1), D(2023, 12, 31)])
def test_active_on_filters_in_the_database(gym: Session, day: datetime.date) -> None:
    S = hybrid_properties.Subscription
    got = gym.scalars(in_sql(lambda: select(S.id).where(S.active_on(day)).order_by(S.id), "Subscription.active_on(day)")).all()
    expected = sorted(s["id"] for s in SUBSCRIPTIONS if active(s, day))
    assert list(got) == expected, (
        f"where(Subscription.active_on({day})) should return subscriptions {expected} (started on or before "
        f"that day, and open-ended or ending after it), got {list(got)}"
    )


# -- task 5 -----------------------------------------------------------------------------------


@pytest.mark.task(5)
@pytest.mark.parametrize("wanted", ["gold", "silver", "bronze"])
def test_leaderboard_filters_and_sorts_in_one_query(gym: Session, queries: Any, wanted: str) -> None:
    queries.clear()
    got = hybrid_properties.leaderboard(gym, wanted)
    expected = sorted(display(m) for m in MEMBERS if tier(m["points"]) == wanted)
    assert list(got) == expected, f"leaderboard({wanted!r}) should be {expected}, got {list(got)}"
    queries.assert_count(1, because="one SELECT, filtered with Member.tier and ordered by Member.display_name")
    assert sorted_by_the_statement(queries.sql[0]), (
        "the database sorts: the SELECT should end with ORDER BY display_name (order_by(Member.display_name)), "
        f"not leave the order to chance or to a Python sort.\n{queries.listing()}"
    )
    assert wanted in queries.values_sent(), (
        f"the tier {wanted!r} should be a bound parameter of the SELECT's WHERE: the database filters, "
        "not Python after loading every member"
    )


@pytest.mark.task(5)
@pytest.mark.parametrize("day", [D(2024, 5, 16), D(2024, 9, 1), D(2025, 3, 3), D(2020, 1, 1)])
def test_members_active_on_a_day(gym: Session, queries: Any, day: datetime.date) -> None:
    queries.clear()
    got = [m.id for m in hybrid_properties.members_active_on(gym, day)]
    expected = sorted({s["member_id"] for s in SUBSCRIPTIONS if active(s, day)})
    assert got == expected, (
        f"members_active_on({day}) should return members {expected}, each once, by id; got {got}"
    )
    queries.assert_count(1, because="one SELECT that uses Subscription.active_on(day) in SQL")
    assert sorted_by_the_statement(queries.sql[0]), (
        "the members should come by id because the SELECT says so (order_by(Member.id)): SQLite happens to read "
        f"them in id order, PostgreSQL need not.\n{queries.listing()}"
    )
