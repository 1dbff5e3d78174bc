"""The lending service of a small library: the code your tests check (given; do not edit it).

Every function takes the caller's Session, does one unit of work and commits it; an error
leaves the session as it was before the call. Dates are passed in (`today`), never read from
the clock, so a test decides what day it is.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, ForeignKey, String, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

LOAN_DAYS = 14  # a loan is due this many days after it starts
MAX_LOANS = 3  # books one member may have out at once
FINE_PER_DAY_CENTS = 25  # for every day a book comes back after its due date


class Base(DeclarativeBase):
    pass


class Member(Base):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    loans: Mapped[list[Loan]] = relationship(back_populates="member")


class Book(Base):
    __tablename__ = "books"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    author: Mapped[str] = mapped_column(String(200))
    copies: Mapped[int] = mapped_column(default=1)


class Loan(Base):
    __tablename__ = "loans"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"))
    borrowed_on: Mapped[dt.date]
    due_on: Mapped[dt.date]
    returned_on: Mapped[dt.date | None]
    member: Mapped[Member] = relationship(back_populates="loans")
    book: Mapped[Book] = relationship()


class LendingError(Exception):
    """Base class of the service's refusals."""


class DuplicateMember(LendingError):
    """The email belongs to a member already."""


class NotAvailable(LendingError):
    """Every copy of the book is out."""


class LoanLimitReached(LendingError):
    """The member has MAX_LOANS books out already."""


def register_member(session: Session, email: str, name: str) -> Member:
    """Add a member and commit. An email that is taken raises DuplicateMember (chained to the
    database's IntegrityError), after rolling the session back."""
    member = Member(email=email, name=name)
    session.add(member)
    try:
        session.commit()
    except IntegrityError as error:
        session.rollback()
        raise DuplicateMember(f"{email} is a member already") from error
    return member


def add_book(session: Session, title: str, author: str, copies: int = 1) -> Book:
    """Add a book with its number of copies and commit."""
    book = Book(title=title, author=author, copies=copies)
    session.add(book)
    session.commit()
    return book


def _open_loans(session: Session, which: ColumnElement[bool]) -> int:
    """How many loans matching `which` are still out (not returned)."""
    return (
        session.scalar(select(func.count()).select_from(Loan).where(which, Loan.returned_on.is_(None))) or 0
    )


def borrow(session: Session, member_id: int, book_id: int, today: dt.date) -> Loan:
    """Lend a copy of the book to the member from `today`, due LOAN_DAYS later, and commit.

    Raises LookupError for an unknown member or book, LoanLimitReached when the member has
    MAX_LOANS books out, NotAvailable when every copy is out; a refused loan changes nothing.
    """
    member = session.get(Member, member_id)
    book = session.get(Book, book_id)
    if member is None or book is None:
        raise LookupError(f"no member {member_id} or no book {book_id}")
    if _open_loans(session, Loan.member_id == member.id) >= MAX_LOANS:
        raise LoanLimitReached(f"{member.email} has {MAX_LOANS} books out")
    if _open_loans(session, Loan.book_id == book.id) >= book.copies:
        raise NotAvailable(f"every copy of {book.title!r} is out")
    loan = Loan(member=member, book=book, borrowed_on=today, due_on=today + dt.timedelta(days=LOAN_DAYS))
    session.add(loan)
    session.commit()
    return loan


def return_book(session: Session, loan_id: int, today: dt.date) -> int:
    """Record the loan's return on `today`, commit, and return the fine in cents:
    FINE_PER_DAY_CENTS for each day after the due date (nothing on the due date itself).
    A loan returned already raises LendingError."""
    loan = session.get(Loan, loan_id)
    if loan is None:
        raise LookupError(f"no loan {loan_id}")
    if loan.returned_on is not None:
        raise LendingError(f"loan {loan_id} was returned on {loan.returned_on}")
    loan.returned_on = today
    days_late = (today - loan.due_on).days
    session.commit()
    return max(days_late, 0) * FINE_PER_DAY_CENTS


def catalogue_page(session: Session, page: int, per_page: int = 10) -> list[Book]:
    """One page of the catalogue, pages numbered from 1, sorted by title, then author, then id.
    A page past the end is empty; a page below 1 raises ValueError."""
    if page < 1:
        raise ValueError("pages are numbered from 1")
    books = (
        select(Book).order_by(Book.title, Book.author, Book.id).limit(per_page).offset((page - 1) * per_page)
    )
    return list(session.scalars(books))


def books_on_loan_to(session: Session, member_id: int) -> list[Book]:
    """The books the member has out now (returned ones are not), soonest due first, then by title."""
    books = (
        select(Book)
        .join(Loan, Loan.book_id == Book.id)
        .where(Loan.member_id == member_id, Loan.returned_on.is_(None))
        .order_by(Loan.due_on, Book.title, Book.id)
    )
    return list(session.scalars(books))


def overdue_report(session: Session, today: dt.date) -> list[tuple[str, str, int]]:
    """(member email, book title, days overdue) for every loan still out after its due date,
    most overdue first, then by email and title; in ONE query, however many loans there are."""
    rows = session.execute(
        select(Member.email, Book.title, Loan.due_on)
        .select_from(Loan)
        .join(Loan.member)
        .join(Loan.book)
        .where(Loan.returned_on.is_(None), Loan.due_on < today)
        .order_by(Loan.due_on, Member.email, Book.title)
    )
    return [(email, title, (today - due_on).days) for email, title, due_on in rows]
