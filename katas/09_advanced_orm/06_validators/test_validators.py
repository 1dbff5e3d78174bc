"""Tests for kata 9.6, validators. Run: pytest katas/09_advanced_orm/06_validators"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from fixtures.target import learner_module

validators = learner_module(__file__, "validators")

GOOD = {"email": "ada@example.com", "name": "Ada Lovelace", "phone": None, "country": "GB"}


def customer(**overrides: Any) -> Any:
    return validators.Customer(**{**GOOD, **overrides})


def refused(field: str, bad: Any, build: Any) -> ValueError:
    """Run `build`; it must raise a ValueError that names the field and shows the bad value."""
    try:
        build()
    except ValueError as error:
        message = str(error)
        assert field in message and (repr(bad) in message or str(bad) in message), (
            f"the ValueError for {field}={bad!r} should say which field and which value were refused, so "
            f"the person reading it can fix it; the message was {message!r}"
        )
        return error
    pytest.fail(f"{field}={bad!r} should be refused with a ValueError, and it was accepted", pytrace=False)


def make_tables(session: Session) -> None:
    validators.Base.metadata.create_all(session.connection())


# -- task 1: email ----------------------------------------------------------------------------


@pytest.mark.task(1)
@pytest.mark.parametrize(
    ("given", "stored"),
    [(" Ada@Example.COM ", "ada@example.com"), ("BO.DIDDLEY@mail.co.uk", "bo.diddley@mail.co.uk"), ("x@Y.io\t", "x@y.io")],
)
def test_email_is_normalised_in_the_constructor_and_on_assignment(given: str, stored: str) -> None:
    c = customer(email=given)
    assert c.email == stored, f"Customer(email={given!r}) should hold {stored!r}, it holds {c.email!r}"
    other = customer()
    other.email = given
    assert other.email == stored, f"assigning email={given!r} should store {stored!r}, got {other.email!r}"


@pytest.mark.task(1)
@pytest.mark.parametrize(
    "bad",
    [
        "no-at-sign",
        "ada@example",
        "ada@@example.com",
        "ada@example.com@example.com",
        "ada lovelace@example.com",
        "ada@exam ple.com",
        "ada@example.com  x",
        "@example.com",
        "ada@.com",
        "ada@.example.com",
        "ada@example..com",
        "ada@example.com.",
        "ada@example.",
        "   ",
        "",
    ],
)
def test_malformed_emails_are_refused_and_the_old_value_kept(bad: str) -> None:
    c = customer()
    refused("email", bad, lambda: setattr(c, "email", bad))
    assert c.email == GOOD["email"], f"a refused assignment should leave the old email, it is now {c.email!r}"
    refused("email", bad, lambda: customer(email=bad))


@pytest.mark.task(1)
def test_validation_happens_before_any_sql_and_the_clean_value_is_stored(session: Session, queries: Any) -> None:
    make_tables(session)
    queries.clear()
    c = customer(email="  Grace@Navy.MIL ")
    with pytest.raises(ValueError):
        c.email = "not an email"
    queries.assert_count(0, because="validators run in Python at assignment, not at flush")
    session.add(c)
    session.flush()
    with queries.paused():
        stored = session.execute(text("SELECT email FROM customers WHERE id = :id"), {"id": c.id}).scalar_one()
    assert stored == "grace@navy.mil", f"the database should hold the normalised email, it holds {stored!r}"


# -- task 2: several fields -------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize(
    ("field", "given", "stored"),
    [
        ("name", "  Ada   Lovelace ", "Ada Lovelace"),
        ("name", "Bo\tDiddley", "Bo Diddley"),
        ("phone", "+33 6 12-34-56-78", "+33612345678"),
        ("phone", "+1 (555) 010.9999", "+15550109999"),
        ("phone", "+1234 5678", "+12345678"),
        ("phone", "+123 456 789 012 345", "+123456789012345"),
        ("phone", "+ 44 (0) 20.7946-0958", "+440207946" + "0958"),
        ("country", " fr", "FR"),
        ("country", "Us", "US"),
    ],
)
def test_customer_fields_are_normalised(field: str, given: Any, stored: Any) -> None:
    c = customer(**{field: given})
    assert getattr(c, field) == stored, f"{field}={given!r} should be stored as {stored!r}, got {getattr(c, field)!r}"


@pytest.mark.task(2)
@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("name", "   "),
        ("name", ""),
        ("phone", "0612345678"),
        ("phone", "+33 6"),
        ("phone", "+33 6 12 34 56 78 90 12 34"),
        ("phone", "+123 4567"),
        ("phone", "+1234 5678 9012 3456"),
        ("phone", "+33 6 CALL ME"),
        ("phone", "++33612345678"),
        ("phone", "33+612345678"),
        ("phone", "+33/6/12/34/56/78"),
        ("phone", "+33_612345678"),
        ("phone", ""),
        ("country", "XX"),
        ("country", "FRA"),
    ],
)
def test_bad_customer_fields_are_refused(field: str, bad: str) -> None:
    c = customer()
    before = getattr(c, field)
    refused(field, bad, lambda: setattr(c, field, bad))
    assert getattr(c, field) == before, f"a refused {field} should leave the old value {before!r}"


@pytest.mark.task(2)
def test_no_phone_is_fine(session: Session) -> None:
    c = customer(phone=None)
    assert c.phone is None, f"phone=None means no phone, and should be kept as None, got {c.phone!r}"
    c.phone = "+44 20 7946 0958"
    assert c.phone == "+442079460958", f"'+44 20 7946 0958' should be stored as '+442079460958', got {c.phone!r}"
    c.phone = None
    assert c.phone is None, "a phone number can be removed again (None)"


@pytest.mark.task(2)
@pytest.mark.parametrize("quantity", [1, 3, 999])
def test_order_line_sku_is_normalised_and_good_quantities_kept(quantity: int) -> None:
    line = validators.OrderLine(product_sku="  tea-01 ", quantity=quantity)
    assert (line.product_sku, line.quantity) == ("TEA-01", quantity), (
        f"OrderLine(product_sku='  tea-01 ', quantity={quantity}) should hold ('TEA-01', {quantity}), "
        f"it holds {(line.product_sku, line.quantity)!r}"
    )


@pytest.mark.task(2)
@pytest.mark.parametrize(
    ("field", "bad"),
    [("quantity", 0), ("quantity", -2), ("quantity", 1000), ("quantity", True), ("quantity", 1.5), ("quantity", "2"), ("product_sku", "  ")],
)
def test_bad_order_line_fields_are_refused(field: str, bad: Any) -> None:
    line = validators.OrderLine(product_sku="X-1", quantity=1)
    refused(field, bad, lambda: setattr(line, field, bad))


# -- task 3: collections ----------------------------------------------------------------------


def line(sku: str, quantity: int = 1) -> Any:
    return validators.OrderLine(product_sku=sku, quantity=quantity)


def order(status: str = "open", skus: tuple[str, ...] = ()) -> Any:
    o = validators.Order(status="open", customer=customer())
    for sku in skus:
        o.lines.append(line(sku))
    o.status = status
    return o


@pytest.mark.task(3)
def test_an_order_refuses_a_second_line_for_the_same_product(session: Any) -> None:
    o = order(skus=("TEA-01", "MUG-02"))
    refused("lines", "TEA-01", lambda: o.lines.append(line(" tea-01")))
    assert [x.product_sku for x in o.lines] == ["TEA-01", "MUG-02"], (
        f"the refused line should not be in the order; its lines are {[x.product_sku for x in o.lines]}"
    )
    o.lines.append(line("CUP-03"))
    assert len(o.lines) == 3, "a line for another product should be accepted"


@pytest.mark.task(3)
def test_every_way_of_adding_a_line_is_validated(session: Any) -> None:
    o = order(skus=("TEA-01",))
    # The backref: setting the line's order appends it to order.lines, and the collection validator runs.
    refused("lines", "TEA-01", lambda: validators.OrderLine(product_sku="TEA-01", quantity=2, order=o))
    other = order()
    refused("lines", "JAM-09", lambda: other.lines.extend([line("JAM-09"), line("jam-09")]))


@pytest.mark.task(3)
def test_a_shipped_order_refuses_added_and_removed_lines(session: Session) -> None:
    make_tables(session)
    o = order(status="shipped", skus=("TEA-01", "MUG-02"))
    session.add(o)
    session.flush()
    error = refused_any("lines", lambda: o.lines.append(line("CUP-03")))
    assert "ship" in str(error).lower(), f"the message should say the order is shipped: {error}"
    first = o.lines[0]
    refused_any("lines", lambda: o.lines.remove(first))
    assert [x.product_sku for x in o.lines] == ["TEA-01", "MUG-02"], (
        "a shipped order's lines must stay as they are: include_removes=True lets the validator refuse a "
        f"removal too. Lines now: {[x.product_sku for x in o.lines]}"
    )
    o.status = "open"
    o.lines.remove(first)
    assert [x.product_sku for x in o.lines] == ["MUG-02"], "an open order may lose a line"


def refused_any(field: str, build: Any) -> ValueError:
    try:
        build()
    except ValueError as error:
        assert field in str(error), f"the ValueError should name {field!r}: {error}"
        return error
    pytest.fail(f"this change of {field} should be refused with a ValueError, and it was accepted", pytrace=False)
