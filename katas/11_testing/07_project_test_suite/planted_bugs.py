"""The planted bugs (SPOILERS): each one is lending.py with one change, a bug that real services have.

The kata runs your suite against lending.py and then against each of these versions. A bug is
caught when at least one of your tests that passes on lending.py FAILS on the changed version,
in its body (an error while setting up or importing does not count). Try to write your suite from
lending.py's docstrings first, as you would for a real service, and come here when a test of
the kata tells you which bug went uncaught.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlantedBug:
    name: str
    task: int  # the README task whose function it breaks
    symptom: str  # what goes wrong, as a caller would notice it
    question: str  # a nudge towards the test that tells the two versions apart
    find: str  # text of lending.py, present exactly once ...
    replace: str  # ... and what the bug puts in its place


BUGS = [
    PlantedBug(
        name="duplicate_email_swallowed",
        task=2,
        symptom=(
            "register_member() with an email that is taken does not raise DuplicateMember: it rolls back "
            "and quietly returns the member who already had that email"
        ),
        question="Does one of your tests register the same email twice and expect DuplicateMember?",
        find="""        session.rollback()
        raise DuplicateMember(f"{email} is a member already") from error""",
        replace="""        session.rollback()
        return session.scalars(select(Member).where(Member.email == email)).one()""",
    ),
    PlantedBug(
        name="borrow_never_commits",
        task=3,
        symptom=(
            "borrow() flushes the new loan but never commits it: the caller sees it in the same "
            "session, and the loan vanishes at the next rollback (in production, when the request ends)"
        ),
        question=(
            "Does a test look at the loan AFTER `session.rollback()`? A rollback undoes only what was "
            "not committed, so a committed loan survives it and a flushed one does not."
        ),
        find="""    session.add(loan)
    session.commit()
    return loan""",
        replace="""    session.add(loan)
    session.flush()
    return loan""",
    ),
    PlantedBug(
        name="loan_limit_off_by_one",
        task=3,
        symptom="borrow() lets a member take a fourth book (the limit is MAX_LOANS = 3): `>` instead of `>=`",
        question="Does a test borrow exactly MAX_LOANS books, then one more, and expect LoanLimitReached?",
        find="if _open_loans(session, Loan.member_id == member.id) >= MAX_LOANS:",
        replace="if _open_loans(session, Loan.member_id == member.id) > MAX_LOANS:",
    ),
    PlantedBug(
        name="refused_loan_left_in_session",
        task=3,
        symptom=(
            "borrow() adds and flushes the loan BEFORE checking the limits, and raises without rolling "
            "back: the refused loan stays in the caller's session (and is committed with the caller's next commit)"
        ),
        question=(
            "After a refusal (LoanLimitReached or NotAvailable), does a test check that the member still "
            "has only the books they had, in the same session?"
        ),
        find="""    if _open_loans(session, Loan.member_id == member.id) >= MAX_LOANS:
        raise LoanLimitReached(f"{member.email} has {MAX_LOANS} books out")
    if _open_loans(session, Loan.book_id == book.id) >= book.copies:
        raise NotAvailable(f"every copy of {book.title!r} is out")
    loan = Loan(member=member, book=book, borrowed_on=today, due_on=today + dt.timedelta(days=LOAN_DAYS))
    session.add(loan)
    session.commit()""",
        replace="""    loan = Loan(member=member, book=book, borrowed_on=today, due_on=today + dt.timedelta(days=LOAN_DAYS))
    session.add(loan)
    session.flush()
    if _open_loans(session, Loan.member_id == member.id) > MAX_LOANS:
        raise LoanLimitReached(f"{member.email} has {MAX_LOANS} books out")
    if _open_loans(session, Loan.book_id == book.id) > book.copies:
        raise NotAvailable(f"every copy of {book.title!r} is out")
    session.commit()""",
    ),
    PlantedBug(
        name="returned_copies_still_out",
        task=3,
        symptom=(
            "borrow() counts every loan of the book ever made, returned ones too: once a single-copy "
            "book has been lent and returned, nobody can borrow it again"
        ),
        question="Does a test borrow a book, return it, and borrow it again?",
        find="""    if _open_loans(session, Loan.book_id == book.id) >= book.copies:""",
        replace="""    if (session.scalar(select(func.count()).select_from(Loan).where(Loan.book_id == book.id)) or 0) >= book.copies:""",
    ),
    PlantedBug(
        name="fine_counts_the_due_date",
        task=3,
        symptom=(
            "return_book() counts days inclusively: a book returned ON its due date is fined 25 cents, "
            "and every late return one day too much"
        ),
        question="Does a test return a book on its due date (no fine) and a few days late (the exact fine)?",
        find="days_late = (today - loan.due_on).days",
        replace="days_late = (today - loan.due_on).days + 1",
    ),
    PlantedBug(
        name="page_off_by_one",
        task=4,
        symptom="catalogue_page() skips a page: page 1 shows the books of page 2 (offset page * per_page)",
        question="Does a test check which books page 1 holds, with more than one page of books?",
        find=".offset((page - 1) * per_page)",
        replace=".offset(page * per_page)",
    ),
    PlantedBug(
        name="missing_tie_break",
        task=4,
        symptom=(
            "catalogue_page() sorts by title only: books with the same title come in whatever order the "
            "database likes (here: the order they were added), not by author"
        ),
        question=(
            "Does a test add two books with the same title, the author that sorts LAST added FIRST, and "
            "expect them by author?"
        ),
        find=".order_by(Book.title, Book.author, Book.id)",
        replace=".order_by(Book.title)",
    ),
    PlantedBug(
        name="wrong_join",
        task=5,
        symptom=(
            "books_on_loan_to() joins books on the loan's member_id instead of its book_id: it returns the "
            "book whose id equals the member's id, once per loan (right only when those ids happen to match)"
        ),
        question="Do your test's members and books have different ids, and does a member borrow two different books?",
        find=".join(Loan, Loan.book_id == Book.id)",
        replace=".join(Loan, Loan.member_id == Book.id)",
    ),
    PlantedBug(
        name="overdue_report_n_plus_one",
        task=5,
        symptom=(
            "overdue_report() loads the overdue loans, then each loan's member and book one at a time "
            "(lazy loads): 1 + 2 × N queries where one is enough; the rows are right"
        ),
        question=(
            "Does a test count the queries overdue_report() sends (`queries`), with several overdue loans? "
            "Objects already loaded in the session answer lazy loads without SQL: seed through the service "
            "(its commits expire them) or call session.expire_all() before you count."
        ),
        find="""    rows = session.execute(
        select(Member.email, Book.title, Loan.due_on)
        .select_from(Loan)
        .join(Loan.member)
        .join(Loan.book)
        .where(Loan.returned_on.is_(None), Loan.due_on < today)
        .order_by(Loan.due_on, Member.email, Book.title)
    )
    return [(email, title, (today - due_on).days) for email, title, due_on in rows]""",
        replace="""    loans = session.scalars(select(Loan).where(Loan.returned_on.is_(None), Loan.due_on < today))
    rows = [(loan.member.email, loan.book.title, (today - loan.due_on).days) for loan in loans]
    return sorted(rows, key=lambda row: (-row[2], row[0], row[1]))""",
    ),
]


def planted(source: str, bug: PlantedBug) -> str:
    """lending.py's source with the bug in it."""
    if source.count(bug.find) != 1:
        raise ValueError(
            f"planted bug {bug.name}: its text occurs {source.count(bug.find)} times in lending.py, not once"
        )
    return source.replace(bug.find, bug.replace)
