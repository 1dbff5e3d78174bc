"""Kata 11.7: the test suite of lending.py, the library's lending service. You write it.

The kata runs this file with pytest against lending.py (every test must pass) and against
versions of lending.py with a bug planted in them (some test must fail on each). Your tests get
two fixtures, as everywhere in the pack: `session`, a Session inside a transaction that is rolled
back after the test (commits are real for the test, gone after it), and `queries`, the statements
the test's body sent (`queries.count`, `queries.clear()`, `with queries.budget(n):`).

Run only your suite, against lending.py:
    pytest katas/11_testing/07_project_test_suite/project_test_suite.py
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import lending  # type: ignore[import-not-found]  # the kata's folder, which mypy does not search
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fixtures.recording import QueryLog

MONDAY = dt.date(2026, 3, 2)  # the service takes `today` as an argument: tests choose the day


@pytest.fixture(autouse=True)
def tables(session: Session) -> None:
    """The service's tables, made in the test's transaction (they vanish with it). Committed, so that
    a test's own `session.rollback()` undoes the test's uncommitted work, not the tables."""
    lending.Base.metadata.create_all(session.connection())
    session.commit()


# BEGIN SOLUTION
def _member(session: Session, name: str) -> Any:
    return lending.register_member(session, f"{name.lower()}@example.com", name)


def _loans_of(session: Session, member_id: int) -> int:
    """Loans of the member still out, counted by the test itself (not by the code under test)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(lending.Loan)
            .where(lending.Loan.member_id == member_id, lending.Loan.returned_on.is_(None))
        )
        or 0
    )


# END SOLUTION
# BEGIN STUB
# # Your helpers here, if you want some.
# END STUB


class TestMembers:
    """Task 2: register_member()."""

    # BEGIN SOLUTION
    def test_a_registered_member_is_committed(self, session: Session) -> None:
        ana = _member(session, "Ana")
        session.rollback()  # undoes only what was not committed
        assert session.get(lending.Member, ana.id) is not None, "register_member() should commit the member"

    def test_a_taken_email_raises_duplicate_member(self, session: Session) -> None:
        _member(session, "Ana")
        with pytest.raises(lending.DuplicateMember):
            lending.register_member(session, "ana@example.com", "Another Ana")
        names = session.scalars(select(lending.Member.name)).all()
        assert names == ["Ana"], f"the first member stays, the second is refused: {names}"

    # END SOLUTION
    # BEGIN STUB
    # def test_placeholder(self, session: Session) -> None:
    #     raise NotImplementedError  # TODO: replace me with your tests of register_member()
    # END STUB


class TestLending:
    """Task 3: borrow() and return_book()."""

    # BEGIN SOLUTION
    def test_a_loan_is_committed_and_due_after_the_loan_period(self, session: Session) -> None:
        ana = _member(session, "Ana")
        book = lending.add_book(session, "Dune", "Herbert")
        loan = lending.borrow(session, ana.id, book.id, MONDAY)
        loan_id = loan.id
        session.rollback()  # a committed loan survives this; a flushed one would not
        loan = session.get(lending.Loan, loan_id)
        assert loan is not None, "borrow() should commit the loan"
        assert loan.due_on == MONDAY + dt.timedelta(days=lending.LOAN_DAYS)

    def test_a_member_may_have_max_loans_books_and_no_more(self, session: Session) -> None:
        ana = _member(session, "Ana")
        books = [lending.add_book(session, f"Book {n}", "Author") for n in range(lending.MAX_LOANS + 1)]
        for book in books[:-1]:
            lending.borrow(session, ana.id, book.id, MONDAY)
        with pytest.raises(lending.LoanLimitReached):
            lending.borrow(session, ana.id, books[-1].id, MONDAY)
        session.commit()  # the caller goes on: nothing of the refused loan may be committed now
        assert _loans_of(session, ana.id) == lending.MAX_LOANS

    def test_a_book_whose_copies_are_all_out_is_not_available(self, session: Session) -> None:
        ana, ben, cy = _member(session, "Ana"), _member(session, "Ben"), _member(session, "Cy")
        book = lending.add_book(session, "Dune", "Herbert", copies=2)
        lending.borrow(session, ana.id, book.id, MONDAY)
        lending.borrow(session, ben.id, book.id, MONDAY)
        with pytest.raises(lending.NotAvailable):
            lending.borrow(session, cy.id, book.id, MONDAY)
        assert _loans_of(session, cy.id) == 0, "a refused loan must leave nothing in the session"

    def test_a_returned_copy_can_be_borrowed_again(self, session: Session) -> None:
        ana, ben = _member(session, "Ana"), _member(session, "Ben")
        book = lending.add_book(session, "Dune", "Herbert")
        loan = lending.borrow(session, ana.id, book.id, MONDAY)
        lending.return_book(session, loan.id, MONDAY + dt.timedelta(days=3))
        again = lending.borrow(session, ben.id, book.id, MONDAY + dt.timedelta(days=4))
        assert again.member_id == ben.id

    @pytest.mark.parametrize(("days_kept", "fine"), [(1, 0), (14, 0), (15, 25), (17, 75)])
    def test_the_fine_counts_the_days_after_the_due_date(
        self, session: Session, days_kept: int, fine: int
    ) -> None:
        ana = _member(session, "Ana")
        loan = lending.borrow(session, ana.id, lending.add_book(session, "Dune", "Herbert").id, MONDAY)
        assert lending.return_book(session, loan.id, MONDAY + dt.timedelta(days=days_kept)) == fine

    def test_a_loan_cannot_be_returned_twice(self, session: Session) -> None:
        ana = _member(session, "Ana")
        loan = lending.borrow(session, ana.id, lending.add_book(session, "Dune", "Herbert").id, MONDAY)
        lending.return_book(session, loan.id, MONDAY)
        with pytest.raises(lending.LendingError):
            lending.return_book(session, loan.id, MONDAY)

    # END SOLUTION
    # BEGIN STUB
    # def test_placeholder(self, session: Session) -> None:
    #     raise NotImplementedError  # TODO: replace me with your tests of borrow() and return_book()
    # END STUB


class TestCatalogue:
    """Task 4: catalogue_page()."""

    # BEGIN SOLUTION
    def test_pages_start_at_one_and_hold_per_page_books(self, session: Session) -> None:
        for title in ["Emma", "Dune", "Beloved", "Carrie", "Araby"]:
            lending.add_book(session, title, "Author")
        pages = [
            [b.title for b in lending.catalogue_page(session, page, per_page=2)] for page in (1, 2, 3, 4)
        ]
        assert pages == [["Araby", "Beloved"], ["Carrie", "Dune"], ["Emma"], []]

    def test_books_with_the_same_title_are_sorted_by_author(self, session: Session) -> None:
        for author in ["Zola", "Austen", "Mann"]:  # added in an order that is not the expected one
            lending.add_book(session, "Poems", author)
        authors = [b.author for b in lending.catalogue_page(session, 1)]
        assert authors == ["Austen", "Mann", "Zola"]

    def test_a_page_below_one_is_refused(self, session: Session) -> None:
        with pytest.raises(ValueError):
            lending.catalogue_page(session, 0)

    # END SOLUTION
    # BEGIN STUB
    # def test_placeholder(self, session: Session) -> None:
    #     raise NotImplementedError  # TODO: replace me with your tests of catalogue_page()
    # END STUB


class TestReports:
    """Task 5: books_on_loan_to() and overdue_report()."""

    # BEGIN SOLUTION
    def test_books_on_loan_are_the_members_own_and_not_the_returned_ones(self, session: Session) -> None:
        # Books first, so that no book's id equals a member's id by accident.
        dune, emma, odyssey = (lending.add_book(session, t, "Author") for t in ("Dune", "Emma", "Odyssey"))
        ana, ben = _member(session, "Ana"), _member(session, "Ben")
        lending.borrow(session, ana.id, emma.id, MONDAY)
        lending.borrow(session, ana.id, odyssey.id, MONDAY - dt.timedelta(days=2))
        returned = lending.borrow(session, ana.id, dune.id, MONDAY)
        lending.return_book(session, returned.id, MONDAY)
        titles = [b.title for b in lending.books_on_loan_to(session, ana.id)]
        assert titles == ["Odyssey", "Emma"], "soonest due first; the returned book is not on loan"
        assert lending.books_on_loan_to(session, ben.id) == []

    def test_the_overdue_report_lists_late_loans_most_overdue_first(self, session: Session) -> None:
        ana, ben = _member(session, "Ana"), _member(session, "Ben")
        dune, emma, odyssey = (lending.add_book(session, t, "Author") for t in ("Dune", "Emma", "Odyssey"))
        lending.borrow(session, ben.id, dune.id, MONDAY)
        lending.borrow(session, ana.id, emma.id, MONDAY)
        lending.borrow(session, ana.id, odyssey.id, MONDAY + dt.timedelta(days=5))
        report = lending.overdue_report(session, MONDAY + dt.timedelta(days=20))
        assert report == [
            ("ana@example.com", "Emma", 6),
            ("ben@example.com", "Dune", 6),
            ("ana@example.com", "Odyssey", 1),
        ]

    def test_the_overdue_report_is_one_query(self, session: Session, queries: QueryLog) -> None:
        books = [lending.add_book(session, f"Book {n}", "Author") for n in range(4)]
        members = [_member(session, name) for name in ("Ana", "Ben", "Cy", "Di")]
        for member, book in zip(members, books):
            lending.borrow(session, member.id, book.id, MONDAY)
        session.expire_all()  # loaded objects answer lazy loads without SQL: count from a cold session
        queries.clear()
        report = lending.overdue_report(session, MONDAY + dt.timedelta(days=30))
        assert len(report) == 4
        queries.assert_at_most(1, because="one SELECT with joins, however many loans are late")

    # END SOLUTION
    # BEGIN STUB
    # def test_placeholder(self, session: Session) -> None:
    #     raise NotImplementedError  # TODO: replace me with your tests of books_on_loan_to() and overdue_report()
    # END STUB
