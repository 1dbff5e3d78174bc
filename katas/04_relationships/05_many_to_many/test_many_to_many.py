"""Tests for kata 4.5, many to many. Run: pytest katas/04_relationships/05_many_to_many"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import insert, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fixtures.isolation import rolled_back
from fixtures.target import learner_module

many_to_many = learner_module(__file__, "many_to_many")

NAMES = ["python", "sql", "orm", "postgres", "sqlite", "testing", "web", "o'reilly"]


def require_model() -> tuple[Any, Any]:
    Article, Tag = many_to_many.Article, many_to_many.Tag
    problems = []
    table = many_to_many.Base.metadata.tables.get("article_tags")
    if table is None:
        problems.append("there is no table named article_tags in Base.metadata")
    elif not {"article_id", "tag_id"} <= set(table.c.keys()):
        problems.append(f"article_tags should have the columns article_id and tag_id, not {table.c.keys()}")
    for cls, name in ((Article, "tags"), (Tag, "articles")):
        if name not in inspect(cls).relationships:
            problems.append(f"{cls.__name__}.{name} is not a relationship")
    if problems:
        pytest.fail("; ".join(problems) + " (task 1)", pytrace=False)
    return Article, Tag


def make_tables(session: Session) -> tuple[Any, Any]:
    classes = require_model()
    many_to_many.Base.metadata.create_all(session.connection())
    return classes


def stored_pairs(session: Session) -> list[tuple[str, str]]:
    """Every row of article_tags as (article title, tag name), duplicates included, sorted."""
    tables = many_to_many.Base.metadata.tables
    links, articles, tags = tables["article_tags"], tables["articles"], tables["tags"]
    rows = session.execute(
        select(articles.c.title, tags.c.name)
        .select_from(links)
        .join(articles, articles.c.id == links.c.article_id)
        .join(tags, tags.c.id == links.c.tag_id)
    )
    return sorted((title, name) for title, name in rows)


def stored_tag_names(session: Session) -> list[str]:
    return sorted(session.scalars(select(many_to_many.Base.metadata.tables["tags"].c.name)))


def articles(session: Session, *titles: str) -> list[Any]:
    Article, _Tag = require_model()
    made = [Article(title=title) for title in titles]
    session.add_all(made)
    session.flush()
    return made


def preexisting_tags(session: Session, names: list[str]) -> None:
    if names:
        session.execute(insert(many_to_many.Base.metadata.tables["tags"]), [{"name": n} for n in names])


def call(function: Any, *args: Any) -> None:
    try:
        function(*args)
    except IntegrityError as error:
        pytest.fail(
            f"{function.__name__}() was refused by the database: it tried to store a tag name or an "
            f"(article, tag) pair a second time. The database said: {error.orig}",
            pytrace=False,
        )


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
def test_both_collections_stay_in_sync_before_flush(queries: Any) -> None:
    Article, Tag = require_model()
    article, sql, orm = Article(title="Joins"), Tag(name="sql"), Tag(name="orm")
    article.tags.append(sql)
    orm.articles.append(article)
    assert article in sql.articles, "article.tags.append(tag) should append the article to tag.articles"
    assert list(article.tags) == [sql, orm], (
        "tag.articles.append(article) should append the tag to article.tags"
    )
    queries.assert_count(0, because="the two collections are kept in sync in Python")


@pytest.mark.task(1)
def test_each_link_is_one_row_of_the_association_table(session: Session) -> None:
    Article, Tag = make_tables(session)
    sql, orm = Tag(name="sql"), Tag(name="orm")
    session.add_all([Article(title="Joins", tags=[sql, orm]), Article(title="Sessions", tags=[orm])])
    session.flush()
    assert stored_pairs(session) == [("Joins", "orm"), ("Joins", "sql"), ("Sessions", "orm")], (
        "the flush should write one article_tags row per (article, tag) link, with both ids; found "
        f"{stored_pairs(session)}"
    )
    assert stored_tag_names(session) == ["orm", "sql"], "a tag shared by two articles is still one tags row"


@pytest.mark.task(1)
def test_the_database_refuses_the_same_pair_twice(session: Session) -> None:
    make_tables(session)
    (article,) = articles(session, "Joins")
    preexisting_tags(session, ["sql"])
    tables = many_to_many.Base.metadata.tables
    tag_id = session.scalars(select(tables["tags"].c.id)).one()
    session.execute(insert(tables["article_tags"]).values(article_id=article.id, tag_id=tag_id))
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(insert(tables["article_tags"]).values(article_id=article.id, tag_id=tag_id))
    # If this fails: article_tags accepts the same (article_id, tag_id) twice. A composite primary key
    # (both columns primary_key=True) or a UniqueConstraint makes the database refuse it.


@pytest.mark.task(1)
def test_deleting_an_article_deletes_its_links_but_not_the_tags(session: Session) -> None:
    Article, Tag = make_tables(session)
    sql = Tag(name="sql")
    joins, sessions = (
        Article(title="Joins", tags=[sql, Tag(name="orm")]),
        Article(title="Sessions", tags=[sql]),
    )
    session.add_all([joins, sessions])
    session.flush()
    session.delete(joins)
    session.flush()
    assert stored_pairs(session) == [("Sessions", "sql")], (
        "the deleted article's links should be deleted with it"
    )
    assert stored_tag_names(session) == ["orm", "sql"], "tags are shared: deleting an article keeps them"


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize(
    ("existing", "before", "names"),
    [
        ([], [], ["python", "sql"]),
        (["sql", "orm"], [], ["sql", "web"]),
        (["sql", "orm"], ["sql"], ["sql", "orm", "sql"]),
        (["o'reilly"], ["o'reilly"], ["o'reilly", "python", "python", "o'reilly"]),
        (["web"], ["web"], []),
    ],
    ids=["new tags", "reuse an existing tag", "already tagged and repeats", "a quote", "nothing to add"],
)
def test_tag_article_adds_each_tag_once(
    session: Session, existing: list[str], before: list[str], names: list[str]
) -> None:
    _Article, Tag = make_tables(session)
    preexisting_tags(session, existing)
    article, other = articles(session, "Joins", "Other")
    other.tags.extend(session.scalars(select(Tag).where(Tag.name.in_(existing))))
    article.tags.extend(session.scalars(select(Tag).where(Tag.name.in_(before))))
    session.flush()
    call(many_to_many.tag_article, session, article, iter(names))
    expected_names = sorted(set(before) | set(names))
    assert sorted(t.name for t in article.tags) == expected_names, (
        f"after tag_article({names}) the article's tags should be {expected_names} (it had {before}), each once; "
        f"got {sorted(t.name for t in article.tags)}"
    )
    expected_pairs = sorted([("Joins", n) for n in expected_names] + [("Other", n) for n in existing])
    assert stored_pairs(session) == expected_pairs, (
        f"article_tags should hold one row per link, no repeats: expected {expected_pairs}, found "
        f"{stored_pairs(session)}"
    )
    expected_tags = sorted(set(existing) | set(names))
    assert stored_tag_names(session) == expected_tags, (
        f"existing tags should be reused, never created again: expected the tags {expected_tags}, found "
        f"{stored_tag_names(session)}"
    )


@pytest.mark.task(2)
@pytest.mark.parametrize("count", [4, 8], ids=["4 names", "8 names"])
def test_tag_article_sends_a_bounded_number_of_statements(session: Session, queries: Any, count: int) -> None:
    make_tables(session)
    preexisting_tags(session, NAMES[::2])
    (article,) = articles(session, "Joins")
    queries.clear()
    call(many_to_many.tag_article, session, article, NAMES[:count])
    selects = queries.matching(r"^\s*SELECT")
    assert len(selects) <= 2, (
        f"tag_article() with {count} names sent {len(selects)} SELECTs; two are enough whatever the number of "
        "names: one for the existing tags (name IN (...)), one for the article's current tags. One query "
        f"per name does not scale. It sent:\n{queries.listing()}"
    )
    # The INSERTs are the flush's business and not counted: on SQLite the ORM inserts new rows whose
    # ids it needs one at a time, on PostgreSQL in one batch.


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
def test_untag_article_removes_only_those_links(session: Session) -> None:
    Article, Tag = make_tables(session)
    sql, orm, web = Tag(name="sql"), Tag(name="orm"), Tag(name="web")
    joins, other = Article(title="Joins", tags=[sql, orm, web]), Article(title="Other", tags=[sql])
    session.add_all([joins, other])
    session.flush()
    call(many_to_many.untag_article, session, joins, iter(["sql", "web", "unknown"]))
    assert not session.dirty, (
        "untag_article() should flush: right after it returns, the session still has unflushed changes to "
        f"{sorted(map(repr, session.dirty))}"
    )
    assert [t.name for t in joins.tags] == ["orm"], (
        f"only 'orm' should be left on the article, not {joins.tags}"
    )
    assert sql.articles == [other], "the other side should follow: 'sql' is left on the other article only"
    assert stored_pairs(session) == [("Joins", "orm"), ("Other", "sql")], (
        f"untag_article() should delete exactly those article_tags rows; found {stored_pairs(session)}"
    )
    assert stored_tag_names(session) == ["orm", "sql", "web"], (
        "untagging must not delete the tags themselves: other articles may use them"
    )


@pytest.mark.task(3)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["tag", "untag"]),
            st.integers(0, 2),
            st.lists(st.sampled_from(NAMES), max_size=6),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_any_sequence_of_tagging_keeps_rows_and_collections_equal_to_the_sets(
    session: Session, operations: list[tuple[str, int, list[str]]]
) -> None:
    with rolled_back(session):
        make_tables(session)
        made = articles(session, "A", "B", "C")
        expected: list[set[str]] = [set(), set(), set()]
        for step, (operation, index, names) in enumerate(operations, start=1):
            if operation == "tag":
                call(many_to_many.tag_article, session, made[index], list(names))
                expected[index] |= set(names)
            else:
                call(many_to_many.untag_article, session, made[index], list(names))
                expected[index] -= set(names)
            got = [sorted(t.name for t in article.tags) for article in made]
            assert got == [sorted(e) for e in expected], (
                f"after step {step} of {operations}, the articles' tags should be "
                f"{[sorted(e) for e in expected]}; got {got}"
            )
            pairs = stored_pairs(session)
            repeated = [pair for pair, n in Counter(pairs).items() if n > 1]
            assert not repeated, (
                f"after step {step} of {operations}, article_tags holds these pairs twice: {repeated}"
            )
            want = sorted((article.title, n) for article, names_ in zip(made, expected) for n in names_)
            assert pairs == want, (
                f"after step {step} of {operations}, article_tags should hold {want}, not {pairs}"
            )
            tags = stored_tag_names(session)
            assert len(tags) == len(set(tags)), (
                f"after step {step} of {operations}, a tag name is stored twice: {tags}"
            )


# -- task 4 -------------------------------------------------------------------------------------


@pytest.mark.task(4)
@pytest.mark.parametrize("name", ["sql", "orm", "web", "o'reilly", "none"])
def test_articles_tagged_lists_the_titles(session: Session, queries: Any, name: str) -> None:
    Article, Tag = make_tables(session)
    tags = {n: Tag(name=n) for n in ["sql", "orm", "web", "o'reilly"]}
    plan = {
        "Joins": ["sql", "orm"],
        "Sessions": ["orm"],
        "Flask": ["web", "sql"],
        "Books": ["o'reilly"],
        "Bare": [],
    }
    session.add_all(Article(title=title, tags=[tags[n] for n in names]) for title, names in plan.items())
    session.flush()
    session.expire_all()
    queries.clear()
    got = many_to_many.articles_tagged(session, name)
    expected = sorted(title for title, names in plan.items() if name in names)
    assert list(got) == expected, f"articles_tagged({name!r}) should return {expected}, sorted; got {got}"
    queries.assert_count(1, because="one SELECT joining through article_tags")
