"""Tests for kata 14.5, the magazine's CMS. Run: pytest katas/14_projects/05_blog_cms_backend

Every test runs on the fast `session` fixture: the kata's tables are created in the test's
transaction and the posts, comments and tags are seeded with Core in a shuffled order. Search tests
then call `create_search_index(connection)` (the FTS5 table and its triggers on SQLite, the GIN
index on PostgreSQL: all of it rolled back with the test) and `search_posts`.

The PostgreSQL index test takes the SELECT your search sent (from the `queries` log) and asks
PostgreSQL for its plan with `EXPLAIN (FORMAT JSON)`, after `SET LOCAL enable_seqscan = off` (on a
handful of rows the planner would rightly prefer reading the table; switched off, it uses any
index that can answer the query, so the test checks that the search's expression can use it).
"""

from __future__ import annotations

import random
import re
from typing import Any

import pytest
from sqlalchemy import Connection, func, insert, select, text
from sqlalchemy.orm import Session

from fixtures.target import learner_module

blog = learner_module(__file__, "blog_cms_backend")

CATEGORIES = {1: "Tea", 2: "Coffee", 3: "Empty"}
# id: (category, title, body, published)
POSTS = {
    14: (1, "Green tea at dawn", "We brewed green tea in the garden and drank it slowly.", True),
    33: (1, "Tea tea tea", "tea tea tea tea tea with more tea", True),
    27: (1, "Teapots", "A history of teapots and the potters who throw them.", True),
    8: (2, "Tea or coffee", "Some mornings call for tea, others for coffee beans.", True),
    19: (2, "Black coffee", "Black coffee, brewed strong.", True),
    11: (1, "Draft: tea secrets", "tea tea tea tea tea tea tea tea secrets", False),
    22: (1, "Oolong notes", "oolong leaves roll", True),
    30: (1, "Oolong notes", "oolong leaves roll", True),
}
COMMENTS = {14: 3, 33: 2, 30: 1, 11: 4, 8: 2}  # post id: how many comments
TAGS = {1: "morning", 2: "green", 3: "silly", 4: "strong", 5: "oolong"}
POST_TAGS = {14: [2, 1], 33: [3], 19: [4, 1], 22: [5], 30: [5], 11: [3]}


def seed(connection: Connection) -> None:
    blog.Base.metadata.create_all(connection)
    shuffle = random.Random(145).shuffle
    connection.execute(insert(blog.Category.__table__), [{"id": i, "name": n} for i, n in CATEGORIES.items()])
    posts = [
        {"id": i, "category_id": c, "title": t, "body": b, "published": p}
        for i, (c, t, b, p) in POSTS.items()
    ]
    shuffle(posts)
    connection.execute(insert(blog.Post.__table__), posts)
    comments = [
        {"post_id": pid, "author": f"reader{n}", "body": f"comment {n} on {pid}"}
        for pid, count in COMMENTS.items()
        for n in range(count)
    ]
    shuffle(comments)
    connection.execute(insert(blog.Comment.__table__), comments)
    tags = [{"id": i, "name": n} for i, n in TAGS.items()]
    shuffle(tags)
    connection.execute(insert(blog.Tag.__table__), tags)
    links = [{"post_id": p, "tag_id": t} for p, ts in POST_TAGS.items() for t in ts]
    shuffle(links)
    connection.execute(insert(blog.post_tags), links)


@pytest.fixture
def cms(session: Session) -> Session:
    seed(session.connection())
    return session


def indexed(cms: Session) -> Session:
    """The seeded session after the learner's create_search_index (called in the test, not in a fixture)."""
    blog.create_search_index(cms.connection())
    return cms


def containing_all(words: list[str]) -> set[int]:
    return {
        pid
        for pid, (_, title, body, published) in POSTS.items()
        if published and all(re.search(rf"\b{w}\b", f"{title} {body}", re.IGNORECASE) for w in words)
    }


# -- task 1: the search index ---------------------------------------------------------------------------


@pytest.mark.task(1)
def test_the_search_structure_of_the_database_exists(cms: Session) -> None:
    connection = cms.connection()
    blog.create_search_index(connection)
    if connection.dialect.name == "sqlite":
        sql = connection.execute(
            text("SELECT sql FROM sqlite_master WHERE name = :name"), {"name": blog.FTS_TABLE}
        ).scalar_one_or_none()
        assert sql is not None and re.search(r"using\s+fts5", sql, re.IGNORECASE), (
            f"on SQLite, create_search_index should create the FTS5 table {blog.FTS_TABLE!r} "
            f"(CREATE VIRTUAL TABLE {blog.FTS_TABLE} USING fts5(...)); found {sql!r}"
        )
    else:
        definition = connection.execute(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = :name"), {"name": blog.SEARCH_INDEX}
        ).scalar_one_or_none()
        assert definition is not None and "USING gin" in definition and "to_tsvector" in definition, (
            f"on PostgreSQL, create_search_index should create the GIN index {blog.SEARCH_INDEX!r} on "
            f"to_tsvector('english', title || ' ' || body); found {definition!r}"
        )


@pytest.mark.task(1)
def test_posts_already_there_are_found(cms: Session) -> None:
    searchable = indexed(cms)
    found = set(blog.search_posts(searchable, "oolong"))
    assert found == {22, 30}, (
        "posts written before the index was created must be searchable (SQLite: fill the FTS table from "
        f"posts, e.g. its 'rebuild' command); 'oolong' should find posts 22 and 30, found {sorted(found)}"
    )


@pytest.mark.task(1)
def test_the_index_follows_inserts_updates_and_deletes(cms: Session) -> None:
    searchable = indexed(cms)
    session = searchable
    session.add(
        blog.Post(
            id=40, category_id=2, title="Cold brew", body="Steeped overnight in the fridge.", published=True
        )
    )
    session.flush()
    renamed = session.get(blog.Post, 27)
    assert renamed is not None
    renamed.title = "Kettles"
    renamed.body = "A history of kettles."
    gone = session.get(blog.Post, 19)
    assert gone is not None
    session.delete(gone)
    session.flush()
    checks = [
        ("overnight", [40], "a post inserted after the index was created"),
        ("kettles", [27], "the new words of an updated post"),
        ("teapots", [], "the old words of an updated post"),
        ("black", [], "a deleted post"),
    ]
    for words, expected, what in checks:
        found = blog.search_posts(session, words)
        assert list(found) == expected, (
            f"the index must follow changes to posts: {words!r} ({what}) should find {expected}, found {list(found)}. "
            "SQLite's external-content FTS5 table is only told through triggers on posts (AFTER INSERT, "
            "AFTER UPDATE, AFTER DELETE; removing uses the 'delete' command with the old values)"
        )


# -- task 2: search ---------------------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("brewing", {14, 19}),
        ("Coffee", {8, 19}),
        ("green  tea", {14}),
        ("secrets", set()),
        (" morning ", {8}),
    ],
    ids=["stemmed", "case", "two words, two spaces", "drafts left out", "padded"],
)
def test_search_finds_published_posts_with_every_word(cms: Session, words: str, expected: set[int]) -> None:
    searchable = indexed(cms)
    found = blog.search_posts(searchable, words)
    assert sorted(found) == sorted(expected), (
        f"search_posts({words!r}) should find the published posts containing every word, stemmed "
        f"('brewing' finds 'brewed', 'mornings' is found by 'morning'), drafts never: expected {sorted(expected)}, "
        f"found {sorted(found)} (a LIKE '%word%' does not stem; full-text search does)"
    )


@pytest.mark.task(2)
def test_the_best_match_comes_first_and_ties_go_to_the_newest(cms: Session) -> None:
    searchable = indexed(cms)
    ranked = list(blog.search_posts(searchable, "tea"))
    assert set(ranked) == containing_all(["tea"]) and ranked[:1] == [33], (
        "'tea' should find posts 8, 14 and 33, with 33 ('tea' eight times) first: order by bm25() on SQLite "
        f"(smaller is better: ascending) or ts_rank() on PostgreSQL (bigger is better: descending); got {ranked}"
    )
    twins = list(blog.search_posts(searchable, "oolong leaves"))
    assert twins == [30, 22], (
        "posts 22 and 30 are identical, so their ranks tie: the newest (higher id) comes first, [30, 22]; "
        f"got {twins}. Add the tie-break to ORDER BY"
    )
    assert list(blog.search_posts(searchable, "tea", limit=1)) == [33], (
        "limit=1 should return only the best match"
    )


HOSTILE = [
    ("tea -coffee", {8}, "'-' is no NOT: both words are looked for"),
    ('"green tea', {14}, "an unbalanced quote"),
    ("tea*", containing_all(["tea"]), "'*' is no prefix search: 'teapots' is not 'tea'"),
    ("(tea", containing_all(["tea"]), "a parenthesis"),
    ("NEAR(tea coffee)", set(), "NEAR is a word here, and no post contains it"),
    ("green OR black", set(), "OR is no operator: no post has both green and black"),
    ("title:tea", set(), "'title:' is no column filter"),
    ("'; DROP TABLE posts; --", set(), "SQL in the search box"),
    ('"', set(), "a lone quote"),
    ("*", set(), "a lone star"),
    ("-", set(), "a lone dash"),
    ("", set(), "nothing"),
    ("   ", set(), "only spaces"),
]


@pytest.mark.task(2)
@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("green tea*", '"green" "tea*"'),
        ('say "hi"', '"say" """hi"""'),
        ('O"Brien', '"O""Brien"'),
        ("  tea \t -coffee  ", '"tea" "-coffee"'),
        ("   ", ""),
    ],
    ids=["star", "quoted word", "quote inside", "runs of spaces", "blank"],
)
def test_fts5_query_quotes_every_word_and_doubles_its_quotes(words: str, expected: str) -> None:
    # A pure function (no database): it runs on every backend. Dropping a quote instead of doubling it
    # changes the words searched for (`O"Brien` would become the one word `OBrien`).
    assert blog.fts5_query(words) == expected, (
        f"fts5_query({words!r}) should be {expected!r}: every word (split on any whitespace) in double "
        f"quotes, a double quote inside a word doubled, nothing for no word; got {blog.fts5_query(words)!r}"
    )


@pytest.mark.task(2)
@pytest.mark.parametrize(("words", "expected", "why"), HOSTILE, ids=[h[0] or "empty" for h in HOSTILE])
def test_hostile_input_neither_breaks_the_query_nor_changes_its_meaning(
    cms: Session, queries: Any, words: str, expected: set[int], why: str
) -> None:
    searchable = indexed(cms)
    queries.clear()
    try:
        found = blog.search_posts(searchable, words)
    except Exception as error:  # noqa: BLE001 - judged by the test
        pytest.fail(
            f"search_posts({words!r}) raised {type(error).__name__}: {str(error).splitlines()[0]} — what a user "
            "types is text to look for, never query syntax (SQLite: put each word in double quotes, doubling "
            "the quotes inside; PostgreSQL: plainto_tsquery)",
            pytrace=False,
        )
    assert sorted(found) == sorted(expected), (
        f"search_posts({words!r}) ({why}) should find {sorted(expected)}, found {sorted(found)}: the input must "
        "mean 'posts with all these words', whatever operators it looks like"
    )
    if words.strip():
        pasted = [s.sql for s in queries.statements if words.strip() in s.sql]
        assert not pasted, (
            f"the search text was pasted into the SQL instead of being bound: {pasted[0][:200]}"
        )
    with queries.paused():
        assert searchable.scalar(select(func.count()).select_from(blog.Post)) == len(POSTS), (
            "posts must survive"
        )


@pytest.mark.task(2)
def test_the_search_sorts_in_the_database_with_a_tie_break(cms: Session, queries: Any) -> None:
    searchable = indexed(cms)
    queries.clear()
    blog.search_posts(searchable, "tea", limit=2)
    selects = queries.matching(r"^\s*SELECT")
    assert len(selects) == 1, (
        f"one SELECT should do the search, ranking and limit; the code sent {len(selects)}"
    )
    sql = " ".join(selects[0].sql.split())
    assert re.search(r"\bLIMIT\b", sql, re.IGNORECASE), (
        "the LIMIT belongs in the SELECT, not in Python slicing"
    )
    order_by = re.split(r"\bORDER BY\b", sql, flags=re.IGNORECASE)
    assert len(order_by) > 1 and re.search(r"\b(id|rowid)\b", order_by[-1], re.IGNORECASE), (
        f"the ORDER BY should rank and then break ties by the post's id; the SQL was: {sql[:400]}"
    )


def plan_index_names(plan: Any) -> set[str]:
    names: set[str] = set()
    stack = [plan]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "Index Name" in node:
                names.add(node["Index Name"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return names


@pytest.mark.task(2)
@pytest.mark.backends("postgresql", reason="GIN indexes and EXPLAIN (FORMAT JSON) are PostgreSQL's")
def test_postgresql_answers_the_search_from_the_gin_index(cms: Session, queries: Any) -> None:
    searchable = indexed(cms)
    connection = searchable.connection()
    queries.clear()
    blog.search_posts(searchable, "green tea")
    selects = queries.matching(r"^\s*SELECT")
    assert selects, "search_posts sent no SELECT"
    statement = selects[-1]
    with queries.paused():
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        connection.exec_driver_sql("SET LOCAL jit = off")
        plan = connection.exec_driver_sql(
            "EXPLAIN (FORMAT JSON) " + statement.sql, statement.params
        ).scalar_one()
        connection.exec_driver_sql("SET LOCAL enable_seqscan = on")
    used = plan_index_names(plan)
    assert blog.SEARCH_INDEX in used, (
        f"the search should be answered from the GIN index {blog.SEARCH_INDEX!r}; the plan used {sorted(used) or 'no index'}. "
        "PostgreSQL uses an expression index only when the query repeats its expression exactly: "
        "search_document() @@ plainto_tsquery('english', …) (Post.body.match() searches to_tsvector(body), "
        "another expression)"
    )


# -- task 3: a category page --------------------------------------------------------------------------


def expected_summaries(category: int) -> list[tuple[str, int, list[str]]]:
    posts = sorted(
        ((title, pid) for pid, (cat, title, _, published) in POSTS.items() if cat == category and published),
    )
    return [
        (title, COMMENTS.get(pid, 0), sorted(TAGS[t] for t in POST_TAGS.get(pid, []))) for title, pid in posts
    ]


@pytest.mark.task(3)
@pytest.mark.parametrize(("name", "category"), [("Tea", 1), ("Coffee", 2), ("Empty", 3)])
def test_post_summaries_count_comments_in_the_database_within_two_statements(
    cms: Session, queries: Any, name: str, category: int
) -> None:
    queries.clear()
    summaries = blog.post_summaries(cms, name)
    got = [(s.title, s.comment_count, list(s.tags)) for s in summaries]
    expected = expected_summaries(category)
    assert got == expected, (
        f"post_summaries({name!r}) should list the published posts by title (ties by id) with their number of "
        f"comments (0 for none: count the comment ids of a LEFT JOIN, not the rows) and sorted tag names:\n"
        f"  expected {expected}\n  got      {got}"
    )
    queries.assert_at_most(
        2, because="one SELECT with the comment counts (an aggregate), one to load every post's tags"
    )
    comment_rows = [
        s
        for s in queries.statements
        if re.search(r"\bFROM comments\b", s.sql, re.IGNORECASE)
        and not re.search(r"count\(", s.sql, re.IGNORECASE)
    ]
    assert not comment_rows, (
        "the comments should be counted by the database (count()), never loaded to be counted"
    )
    # SQLite keeps posts in id order (id is the rowid), so ties in title come back by id even without
    # a tie-break: the ORDER BY sent says whether there is one.
    posts_query = next(
        s.sql for s in queries.statements if re.search(r"\bFROM posts\b", s.sql, re.IGNORECASE)
    )
    ordering = re.split(r"\border\s+by\b", posts_query, flags=re.IGNORECASE)[-1]
    assert re.search(r"title.*\bid\b", ordering, re.IGNORECASE | re.DOTALL), (
        "two posts may share a title ('Oolong notes'): the posts' SELECT should ORDER BY the title, then the "
        f"id as a tie-break; its ORDER BY was: {ordering.strip()[:200]!r}"
    )
