"""Tests for kata 4.4, one to one. Run: pytest katas/04_relationships/04_one_to_one"""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import Index, UniqueConstraint, insert, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fixtures.target import learner_module

one_to_one = learner_module(__file__, "one_to_one")

NAMES = ["Amara", "Bo", "Carmen", "Dmitri", "Eun-ji", "Farid", "Greta", "Ho"]


def require_model() -> tuple[Any, Any]:
    Customer, Card = one_to_one.Customer, one_to_one.Card
    problems = []
    if "customer_id" not in Card.__table__.c:
        problems.append("Card has no customer_id column")
    for cls, name in ((Customer, "card"), (Card, "customer")):
        if name not in inspect(cls).relationships:
            problems.append(f"{cls.__name__}.{name} is not a relationship")
    if problems:
        pytest.fail("; ".join(problems) + " yet (task 1)", pytrace=False)
    return Customer, Card


def seed(session: Session, seed_value: int, customers: int = 6) -> dict[str, str | None]:
    """Customers and cards inserted with plain SQL: {customer name: card number or None}."""
    require_model()
    metadata = one_to_one.Base.metadata
    metadata.create_all(session.connection())
    rng = random.Random(seed_value)
    owners: dict[str, str | None] = {}
    names = NAMES[:customers]
    rng.shuffle(names)  # stored out of alphabetical order: a query without ORDER BY shows it
    for name in names:
        customer_id = session.execute(
            insert(metadata.tables["customers"])
            .values(name=name)
            .returning(metadata.tables["customers"].c.id)
        ).scalar_one()
        number = f"LC-{rng.randint(1000, 9999)}-{len(owners)}" if rng.random() < 0.6 else None
        if number:
            session.execute(insert(metadata.tables["cards"]).values(number=number, customer_id=customer_id))
        owners[name] = number
    return owners


def cards_by_owner(session: Session) -> dict[str, list[str]]:
    metadata = one_to_one.Base.metadata
    customers, cards = metadata.tables["customers"], metadata.tables["cards"]
    rows = session.execute(
        select(customers.c.name, cards.c.number).join(cards, cards.c.customer_id == customers.c.id)
    )
    found: dict[str, list[str]] = {}
    for name, number in rows:
        found.setdefault(name, []).append(number)
    return found


def customer_named(session: Session, name: str) -> Any:
    Customer, _Card = require_model()
    return session.scalars(select(Customer).where(Customer.name == name)).one()


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
def test_card_and_customer_are_single_objects_on_both_sides() -> None:
    Customer, Card = require_model()
    card, customer = inspect(Customer).relationships["card"], inspect(Card).relationships["customer"]
    assert not card.uselist, (
        "Customer.card should be ONE card or None, not a list (annotate it Mapped[Card | None], or "
        "uselist=False): that is what makes it one-to-one on the Python side"
    )
    assert not customer.uselist, "Card.customer should be one Customer"


@pytest.mark.task(1)
def test_customer_id_is_a_required_unique_foreign_key() -> None:
    _Customer, Card = require_model()
    table = Card.__table__
    column = table.c.customer_id
    assert {fk.target_fullname for fk in column.foreign_keys} == {"customers.id"}, (
        "cards.customer_id should be a foreign key to customers.id"
    )
    assert not column.nullable, "a card always belongs to a customer: customer_id NOT NULL"
    unique = bool(column.unique) or any(
        isinstance(item, (UniqueConstraint, Index))
        and getattr(item, "unique", True)
        and [c.name for c in item.columns] == ["customer_id"]
        for item in list(table.constraints) + list(table.indexes)
    )
    assert unique, (
        "customer_id should be UNIQUE: the relationship's uselist=False only shapes the Python attribute; "
        "the database itself must refuse a second card for the same customer"
    )


@pytest.mark.task(1)
def test_the_database_refuses_a_second_card_for_a_customer(session: Session) -> None:
    owners = seed(session, 1)
    holder = next(name for name, number in owners.items() if number)
    cards = one_to_one.Base.metadata.tables["cards"]
    customer_id = customer_named(session, holder).id
    with pytest.raises(IntegrityError, match=r"(?i)unique|duplicate"), session.begin_nested():
        session.execute(insert(cards).values(number="LC-SECOND", customer_id=customer_id))
    # (the message above is the database's: a UNIQUE constraint on customer_id refused the row)


@pytest.mark.task(1)
def test_setting_the_card_links_both_sides_before_flush(queries: Any) -> None:
    Customer, Card = require_model()
    customer, card = Customer(name="Amara"), Card(number="LC-1")
    customer.card = card
    assert card.customer is customer, "customer.card = card should set card.customer at once (back_populates)"
    other = Card(number="LC-2", customer=Customer(name="Bo"))
    assert other.customer.card is other, "Card(customer=...) should set customer.card at once"
    queries.assert_count(0, because="the two sides are kept in sync in Python")


@pytest.mark.task(1)
def test_a_customer_and_card_are_saved_together(session: Session) -> None:
    Customer, Card = require_model()
    one_to_one.Base.metadata.create_all(session.connection())
    customer = Customer(name="Carmen", card=Card(number="LC-7"))
    session.add(customer)
    session.flush()
    assert cards_by_owner(session) == {"Carmen": ["LC-7"]}, "the card should be saved with its customer"


# -- task 2 -------------------------------------------------------------------------------------


def issue(session: Session, customer: Any, number: str) -> Any:
    try:
        return one_to_one.issue_card(session, customer, number)
    except IntegrityError as error:
        pytest.fail(
            "issue_card() was refused by the database: the unit of work INSERTs the new card before it "
            "DELETEs the old one, and for a moment the customer would have two cards (UNIQUE customer_id). "
            f"Delete the old card and flush first. The database said: {error.orig}",
            pytrace=False,
        )


@pytest.mark.task(2)
@pytest.mark.parametrize("seed_value", [1, 2, 3, 4])
def test_issue_card_replaces_any_old_card(session: Session, seed_value: int) -> None:
    owners = seed(session, seed_value)
    expected = {name: [number] for name, number in owners.items() if number}
    for name in NAMES[:6]:
        customer = customer_named(session, name)
        old = customer.card
        old_number = old.number if old is not None else None
        new_number = f"NEW-{seed_value}-{name}"
        card = issue(session, customer, new_number)
        expected[name] = [new_number]
        assert card.number == new_number and inspect(card).persistent, (
            "issue_card() should flush and return the new card"
        )
        assert customer.card is card, "afterwards customer.card should be the new card"
        if old is not None:
            assert old.id not in set(session.scalars(select(one_to_one.Card.id))), (
                f"{name}'s old card ({old_number}) should be deleted, not kept or renumbered"
            )
    got = cards_by_owner(session)
    assert got == expected, (
        f"after issuing a card to everyone each customer should have exactly the new card; found {got}"
    )


@pytest.mark.task(2)
def test_issue_card_twice_keeps_only_the_last(session: Session) -> None:
    seed(session, 5)
    customer = customer_named(session, "Dmitri")
    issue(session, customer, "LC-A")
    issue(session, customer, "LC-B")
    assert cards_by_owner(session).get("Dmitri") == ["LC-B"], (
        "two issues in a row: only the last card remains"
    )


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
@pytest.mark.parametrize("seed_value", [6, 7])
def test_cancel_card_deletes_the_card_at_the_next_flush(
    session: Session, queries: Any, seed_value: int
) -> None:
    owners = seed(session, seed_value)
    holders = [name for name, number in owners.items() if number]
    customers = {name: customer_named(session, name) for name in holders}
    for customer in customers.values():
        _ = customer.card
    queries.clear()
    for customer in customers.values():
        one_to_one.cancel_card(customer)
    queries.assert_count(0, because="cancel_card() only changes objects: the flush sends the SQL")
    try:
        session.flush()
    except IntegrityError as error:
        pytest.fail(
            "the flush after cancel_card() was refused: a card taken from its customer is an orphan, and "
            "without the delete-orphan cascade the ORM tries to set its customer_id to NULL. "
            f"The database said: {error.orig}",
            pytrace=False,
        )
    left = list(session.scalars(select(one_to_one.Card.number)))
    assert left == [], (
        f"every cancelled card should be deleted, not kept without customer; cards left: {left}"
    )
    assert {c.name for c in session.scalars(select(one_to_one.Customer))} == set(NAMES[:6]), (
        "cancelling a card must not delete its customer"
    )


@pytest.mark.task(3)
def test_cancel_card_of_a_customer_without_card_does_nothing(session: Session) -> None:
    Customer, _Card = require_model()
    customer = Customer(name="Ho")
    one_to_one.cancel_card(customer)
    assert customer.card is None, "a customer without card stays without card"


@pytest.mark.task(3)
def test_deleting_a_customer_deletes_their_card(session: Session) -> None:
    owners = seed(session, 8)
    holder = next(name for name, number in owners.items() if number)
    session.delete(customer_named(session, holder))
    try:
        session.flush()
    except IntegrityError as error:
        pytest.fail(
            f"deleting a customer should delete their card too (cascade): {error.orig}", pytrace=False
        )
    expected = {name: [number] for name, number in owners.items() if number and name != holder}
    assert cards_by_owner(session) == expected, "only the deleted customer's card should go"


# -- task 4 -------------------------------------------------------------------------------------


@pytest.mark.task(4)
@pytest.mark.parametrize("seed_value", [9, 10, 11])
def test_customers_without_card(session: Session, queries: Any, seed_value: int) -> None:
    owners = seed(session, seed_value, customers=8)
    queries.clear()
    got = one_to_one.customers_without_card(session)
    expected = sorted(name for name, number in owners.items() if number is None)
    assert list(got) == expected, (
        f"customers without a card, sorted by name (ORDER BY: the rows are stored in another order): "
        f"expected {expected}, got {got}"
    )
    queries.assert_count(1, because="one SELECT (an outer join, NOT EXISTS, or NOT IN): not one per customer")
