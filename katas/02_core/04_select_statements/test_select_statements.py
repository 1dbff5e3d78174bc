"""Tests for kata 2.4, select statements. Run: pytest katas/02_core/04_select_statements"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    Text,
    insert,
)

from fixtures.isolation import rolled_back
from fixtures.target import learner_module

select_statements = learner_module(__file__, "select_statements")

# The tests' own copy of the schema (the same as in select_statements.py), to create the table.
schema = MetaData()
products = Table(
    "products",
    schema,
    Column("id", Integer, primary_key=True),
    Column("sku", String(20), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("category", String(50), nullable=False),
    Column("price_cents", Integer, nullable=False),
    Column("stock", Integer, nullable=False),
    Column("discontinued", Boolean, nullable=False),
    Column("description", Text, nullable=False),
)

COLUMNS = ("sku", "name", "category", "price_cents", "stock", "discontinued")
# Inserted in this order: ids follow it, and it is deliberately NOT the order any task asks for.
ROWS = [
    ("BK-104", "Notebook", "Stationery", 350, 12, False),
    ("BK-101", "Notebook", "Stationery", 350, 0, False),
    ("BK-102", "Notebook", "Stationery", 420, 3, False),
    ("GM-210", "Chess set", "Games", 2500, 4, False),
    ("GM-205", "Backgammon", "Games", 2500, 2, False),
    ("GM-230", "Go board", "Games", 4200, 9, True),
    ("KC-310", "Wooden train", "Kids' corner", 1800, 5, False),
    ("KC-301", "Puzzle cube", "Kids' corner", 900, 7, False),
    ("KC-305", "Kite", "Kids' corner", 1800, 1, False),
    ("MU-401", "Harmonica", "Music", 1500, 0, True),
    ("MU-402", "Ukulele", "Music", 3900, 2, True),
    ("BK-110", "Atlas", "Books", 2900, 6, False),
    ("BK-099", "Catalogue 2025", "Books", 0, 100, False),
    ("BK-120", "Zoology for kids", "Books", 1800, 0, False),
]
PRODUCTS: list[dict[str, Any]] = [dict(zip(COLUMNS, row)) for row in ROWS]
# A second catalogue for the tests of tasks 1, 3, 5 and 6, so that an answer written for one cannot pass.
PART = PRODUCTS[3:11]
CATALOGUES = pytest.mark.parametrize("rows", [PRODUCTS, PART], ids=["whole catalogue", "part of it"])
LONG_TEXT = "A product description the web shop shows on the product page. " * 40


def create_products(connection: Connection, rows: list[dict[str, Any]]) -> None:
    schema.create_all(connection)
    if rows:
        connection.execute(insert(products), [{**row, "description": LONG_TEXT} for row in rows])


@pytest.fixture
def catalogue(connection: Connection) -> Connection:
    """The products above, inside the test's rolled-back transaction."""
    create_products(connection, PRODUCTS)
    return connection


@pytest.fixture
def empty_catalogue(connection: Connection) -> Connection:
    """The products table without products."""
    create_products(connection, [])
    return connection


def selects(queries: Any) -> list[Any]:
    return queries.matching(r"^\s*SELECT")


def row_limit(statement: Any) -> int | None:
    """The row count a SELECT asks for with LIMIT n or FETCH FIRST n ROWS, parameter or literal; None if none."""
    found = re.search(
        r"\b(?:LIMIT|FETCH\s+(?:FIRST|NEXT))\s+\(?\s*(\?|%\((\w+)\)s|\d+)", statement.sql, re.IGNORECASE
    )
    if found is None:
        return None
    value, name = found.group(1), found.group(2)
    if value.isdigit():
        return int(value)
    if name is not None:
        return int(statement.params[name])
    return int(statement.params[statement.sql[: found.start(1)].count("?")])  # qmark: count the ?s before it


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
@CATALOGUES
def test_price_list_returns_sku_name_and_price_ordered_by_sku(
    connection: Connection, rows: list[dict[str, Any]]
) -> None:
    create_products(connection, rows)
    expected = sorted((p["sku"], p["name"], p["price_cents"]) for p in rows)
    got = select_statements.price_list(connection)
    assert [tuple(row) for row in got] == expected, (
        "price_list() should return one (sku, name, price_cents) tuple per product, ordered by sku; "
        f"expected {expected[:3]} ..., got {got[:3]!r} ..."
    )


@pytest.mark.task(1)
def test_price_list_does_not_fetch_the_descriptions(catalogue: Connection, queries: Any) -> None:
    select_statements.price_list(catalogue)
    fetched_all = [s.sql for s in queries.statements if re.search(r"\bdescription\b", s.sql, re.IGNORECASE)]
    assert not fetched_all, (
        "price_list() asked the database for the description column too (select(products) selects "
        "every column). Name the three columns you need in select(...). SQL sent:\n" + "\n".join(fetched_all)
    )


# -- task 2 -------------------------------------------------------------------------------------


def expected_names(category: str, max_price: int | None) -> list[str]:
    return sorted(
        p["name"]
        for p in PRODUCTS
        if p["category"] == category
        and not p["discontinued"]
        and (max_price is None or p["price_cents"] <= max_price)
    )


@pytest.mark.task(2)
@pytest.mark.parametrize(
    ("category", "max_price"),
    [("Games", None), ("Stationery", None), ("Books", 2900), ("Kids' corner", 1800), ("Kids' corner", 1799)],
    ids=["games", "stationery", "books up to the atlas", "kids up to 18.00", "kids up to 17.99"],
)
def test_find_products_filters_by_category_and_price(
    catalogue: Connection, category: str, max_price: int | None
) -> None:
    expected = expected_names(category, max_price)
    got = select_statements.find_products(catalogue, category, max_price)
    assert list(got) == expected, (
        f"find_products({category!r}, max_price_cents={max_price}) should return the names of that "
        "category's products that are not discontinued"
        + ("" if max_price is None else " and cost at most that much (the limit itself included)")
        + f", ordered by name: expected {expected}, got {got!r}"
    )


@pytest.mark.task(2)
def test_find_products_sends_the_category_as_a_bound_parameter(catalogue: Connection, queries: Any) -> None:
    select_statements.find_products(catalogue, "Kids' corner")
    pasted = [s.sql for s in queries.statements if "corner" in s.sql]
    assert not pasted, (
        "find_products() pasted the category into the SQL text; compare with "
        "products.c.category == category, which sends it as a bound parameter, quotes and all. "
        "SQL sent:\n" + "\n".join(pasted)
    )
    sent = [value for s in queries.statements for value in s.values]
    assert "Kids' corner" in sent, (
        f"the category should travel as a bound parameter; the parameters sent were {sent}"
    )


@pytest.mark.task(2)
def test_find_products_treats_a_limit_of_zero_as_free_products_only(catalogue: Connection) -> None:
    got = select_statements.find_products(catalogue, "Books", 0)
    assert list(got) == ["Catalogue 2025"], (
        "max_price_cents=0 is a real limit (free products only), not 'no limit': only the free "
        f"catalogue costs 0, got {got!r}. Test `is not None`, not truthiness."
    )


@pytest.mark.task(2)
def test_find_products_never_shows_discontinued_products(catalogue: Connection) -> None:
    got = select_statements.find_products(catalogue, "Music")
    assert list(got) == [], f"every Music product is discontinued, so nothing should be found, got {got!r}"


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
@CATALOGUES
def test_by_price_lists_products_in_stock_most_expensive_first_ties_by_name(
    connection: Connection, queries: Any, rows: list[dict[str, Any]]
) -> None:
    create_products(connection, rows)
    queries.clear()
    in_stock = [p for p in rows if p["stock"] > 0]
    expected = [
        (p["name"], p["price_cents"]) for p in sorted(in_stock, key=lambda p: (-p["price_cents"], p["name"]))
    ]
    got = select_statements.by_price(connection)
    assert [tuple(row) for row in got] == expected, (
        "by_price() should list (name, price_cents) of the products with stock > 0, the most "
        "expensive first; equal prices (Backgammon and Chess set, Kite and Wooden train) by name. "
        f"Expected {expected}, got {got!r}"
    )
    # Both keys in the ORDER BY: a database sort on the price alone finished by a Python sort on the
    # name passes on the data, but ties are the database's job too.
    order_clauses = [
        match.group(1)
        for s in selects(queries)
        if (match := re.search(r"\bORDER\s+BY\b(.*)$", s.sql, re.IGNORECASE | re.DOTALL))
    ]
    ordered = [
        clause
        for clause in order_clauses
        if re.search(r"\bDESC\b", clause, re.IGNORECASE) and "," in clause  # a second key, whatever its label
    ]
    assert ordered, (
        "sort in the database: the SELECT should have an ORDER BY on the price, descending, then the name "
        f"(order_by(..., ...)), not a Python sort of the ties. SQL sent:\n{queries.listing()}"
    )


# -- task 4 -------------------------------------------------------------------------------------


def catalogue_order(rows: list[dict[str, Any]]) -> list[str]:
    return [p["sku"] for p in sorted(rows, key=lambda p: (p["name"], p["sku"]))]


@pytest.mark.task(4)
def test_page_one_is_the_start_of_the_catalogue(catalogue: Connection) -> None:
    expected = catalogue_order(PRODUCTS)[:4]
    got = select_statements.page(catalogue, 1, 4)
    assert list(got) == expected, (
        "page 1 (pages count from 1) should hold the first 4 skus of the catalogue ordered by name, "
        f"then sku: expected {expected}, got {got!r}"
    )


@pytest.mark.task(4)
@pytest.mark.parametrize("size", [1, 3, 5])
def test_pages_cover_the_catalogue_once_in_order(catalogue: Connection, size: int) -> None:
    expected = catalogue_order(PRODUCTS)
    pages = [
        list(select_statements.page(catalogue, number, size))
        for number in range(1, len(expected) // size + 3)
    ]
    assert [sku for p in pages for sku in p] == expected, (
        f"pages 1, 2, 3 ... of size {size}, put together, should list every sku exactly once in "
        f"catalogue order (name, then sku): expected {expected}, got the pages {pages}"
    )
    assert all(len(p) == size for p in pages[: len(expected) // size]), (
        f"every page but the last should hold exactly {size} skus, got {pages}"
    )
    assert pages[-1] == [], f"a page past the end of the catalogue should be empty, got {pages[-1]}"


@pytest.mark.task(4)
def test_page_is_fetched_with_limit_and_offset(catalogue: Connection, queries: Any) -> None:
    got = select_statements.page(catalogue, 3, 2)
    expected = catalogue_order(PRODUCTS)[4:6]
    assert list(got) == expected, f"page 3 of size 2 should be {expected}, got {got!r}"
    statements = selects(queries)
    assert len(statements) == 1, f"one SELECT per page, the code sent {len(statements)}:\n{queries.listing()}"
    limit = row_limit(statements[0])
    assert limit is not None, (
        "the page should be cut in the database (limit(...) renders LIMIT), not by fetching the "
        f"whole catalogue and slicing it in Python. SQL sent:\n{statements[0].describe()}"
    )
    assert limit == 2, (
        f"the SELECT asked the database for {limit} rows, but page 3 of size 2 needs 2: skip the "
        f"first two pages with offset(...) rather than fetching them. SQL sent:\n{statements[0].describe()}"
    )


@pytest.mark.task(4)
@pytest.mark.parametrize(("number", "size"), [(0, 5), (-1, 5), (1, 0)])
def test_page_rejects_numbers_and_sizes_below_one(catalogue: Connection, number: int, size: int) -> None:
    with pytest.raises(ValueError):
        select_statements.page(catalogue, number, size)


@pytest.mark.task(4)
@example(names=["Pen", "Atlas", "Pen", "Kite", "Pen"], size=2)  # runs first: a quick, readable failure
@given(
    names=st.lists(st.sampled_from(["Atlas", "Kite", "Notebook", "Pen"]), min_size=0, max_size=12),
    size=st.integers(min_value=1, max_value=4),
)
def test_pages_follow_name_then_sku_whatever_the_insert_order(
    empty_catalogue: Connection, queries: Any, names: list[str], size: int
) -> None:
    # skus descend while rows are inserted: insertion order is never the expected order of ties
    rows = [
        {
            "sku": f"SKU-{99 - i:02}",
            "name": name,
            "category": "Misc",
            "price_cents": 100,
            "stock": 1,
            "discontinued": False,
        }
        for i, name in enumerate(names)
    ]
    with rolled_back(empty_catalogue):
        if rows:
            empty_catalogue.execute(insert(products), [{**row, "description": ""} for row in rows])
        queries.clear()  # show only this example's statements if it fails
        expected = catalogue_order(rows)
        got = [
            sku
            for n in range(1, len(rows) // size + 2)
            for sku in select_statements.page(empty_catalogue, n, size)
        ]
        assert got == expected, (
            f"with products named {names} and pages of {size}, the pages put together should follow "
            f"name, then sku (the tie-breaker): expected {expected}, got {got}"
        )


# -- task 5 -------------------------------------------------------------------------------------


@pytest.mark.task(5)
@CATALOGUES
def test_export_query_names_its_columns_with_labels(
    connection: Connection, rows: list[dict[str, Any]]
) -> None:
    create_products(connection, rows)
    statement = select_statements.export_query()
    assert isinstance(statement, Select), (
        f"export_query() should build and return a select(...) statement, not {type(statement).__name__}"
    )
    result = connection.execute(statement)
    keys = list(result.keys())
    assert keys == ["sku", "product", "category", "price", "available"], (
        "the export writes result.keys() as its CSV header: expected the columns "
        f"sku, product, category, price, available (in that order), got {keys}. label() names a column."
    )
    exported = [dict(row) for row in result.mappings()]
    expected = [
        {
            "sku": p["sku"],
            "product": p["name"],
            "category": p["category"],
            "price": p["price_cents"],
            "available": p["stock"] > 0,
        }
        for p in sorted(rows, key=lambda p: p["sku"])
    ]
    assert exported == expected, (
        "one row per product ordered by sku; product is the name, price the price in cents, "
        f"available is stock > 0. Expected (first two) {expected[:2]}, got {exported[:2]}"
    )
    kinds = sorted({type(row["available"]).__name__ for row in exported})
    assert kinds == ["bool"], (
        "available should be True or False (a boolean expression such as products.c.stock > 0), "
        f"not values of type {kinds}"
    )


# -- task 6 -------------------------------------------------------------------------------------


@pytest.mark.task(6)
@CATALOGUES
def test_categories_lists_each_category_still_sold_once(
    connection: Connection, queries: Any, rows: list[dict[str, Any]]
) -> None:
    create_products(connection, rows)
    queries.clear()
    expected = sorted({p["category"] for p in rows if not p["discontinued"]})
    got = select_statements.categories(connection)
    assert list(got) == expected, (
        "categories() should list every category with at least one product that is not "
        f"discontinued, once each, alphabetically (Music sells nothing any more): expected {expected}, got {got!r}"
    )
    deduplicated = [
        s.sql for s in selects(queries) if re.search(r"\bDISTINCT\b|\bGROUP\s+BY\b", s.sql, re.IGNORECASE)
    ]
    assert deduplicated, (
        "let the database remove the duplicates (select(...).distinct() renders SELECT DISTINCT) "
        f"instead of fetching one row per product and using a Python set. SQL sent:\n{queries.listing()}"
    )


@pytest.mark.task(6)
def test_categories_of_an_empty_catalogue_is_an_empty_list(empty_catalogue: Connection) -> None:
    got = select_statements.categories(empty_catalogue)
    assert list(got) == [], f"no products, no categories: expected [], got {got!r}"
