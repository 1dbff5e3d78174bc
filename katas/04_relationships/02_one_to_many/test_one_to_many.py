"""Tests for kata 4.2, one to many. Run: pytest katas/04_relationships/02_one_to_many"""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import insert, inspect, select
from sqlalchemy.exc import IntegrityError, InvalidRequestError, SAWarning
from sqlalchemy.orm import Session

from fixtures.target import learner_module

one_to_many = learner_module(__file__, "one_to_many")


@pytest.fixture(autouse=True)
def relationships_declared_as_one_pair() -> None:
    """Explain, in this kata's words, the warning two unlinked relationships on one foreign key give."""
    base = getattr(one_to_many, "Base", None)
    if base is None:
        return
    unlinked = False
    try:
        base.registry.configure()
    except (SAWarning, InvalidRequestError) as error:
        if "conflicts with relationship" not in str(error):
            raise
        unlinked = True  # failed outside the except block, so SQLAlchemy's advice is not shown first
    if unlinked:
        pytest.fail(
            "Playlist.tracks and Track.playlist are the two sides of ONE relationship (the foreign key "
            "tracks.playlist_id), but they are not linked, so SQLAlchemy sees two relationships writing the "
            "same column. Link them: relationship(back_populates=\"playlist\") on Playlist.tracks and "
            "relationship(back_populates=\"tracks\") on Track.playlist. (The warning's advice to add "
            "overlaps= would only silence it: the two sides would still not stay in sync.)",
            pytrace=False,
        )

NAMES = [
    "Morning run",
    "Rock 'n' roll",
    "Focus",
    "Empty for now",
    "Road trip",
    "Jazz nights",
    "Sleep",
    "Party",
]
TITLES = ["Intro", "Blue", "Heroes", "Yellow", "Africa", "Hurt"]


def dataset(playlists: int, seed: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Playlists (the fourth one always empty) and tracks with repeated titles, varied by seed."""
    rng = random.Random(seed)
    lists = [{"id": i + 1, "name": NAMES[i]} for i in range(playlists)]
    tracks = []
    for playlist in lists:
        count = 0 if playlist["name"] == "Empty for now" else rng.randint(1, 5)
        for _ in range(count):
            tracks.append(
                {
                    "id": len(tracks) + 1,
                    "playlist_id": playlist["id"],
                    "title": rng.choice(TITLES),
                    "seconds": rng.randint(60, 420),
                }
            )
    return lists, tracks


def make_tables(
    session: Session, playlists: int = 4, seed: int = 0
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Create the learner's tables inside the test's transaction and fill them with plain inserts."""
    metadata = one_to_many.Base.metadata
    metadata.create_all(session.connection())
    lists, tracks = dataset(playlists, seed)
    # No explicit ids (on PostgreSQL they would not advance the id sequence the ORM uses later):
    # one INSERT per playlist, in order, and the ids the database gave are written back.
    playlist_table, track_table = metadata.tables["playlists"], metadata.tables["tracks"]
    new_ids = {}
    for playlist in lists:
        new_ids[playlist["id"]] = session.execute(
            insert(playlist_table).values(name=playlist["name"]).returning(playlist_table.c.id)
        ).scalar_one()
    for playlist in lists:
        playlist["id"] = new_ids[playlist["id"]]
    for track in tracks:
        track["playlist_id"] = new_ids[track["playlist_id"]]
        del track["id"]
    if tracks:
        session.execute(insert(track_table), tracks)
    return lists, tracks


def require_relationships() -> tuple[Any, Any]:
    Playlist, Track = one_to_many.Playlist, one_to_many.Track
    missing = [
        f"{cls.__name__}.{name}"
        for cls, name in ((Playlist, "tracks"), (Track, "playlist"))
        if name not in inspect(cls).relationships
    ]
    if missing:
        pytest.fail(f"{', '.join(missing)} is not a relationship yet (task 1)", pytrace=False)
    return Playlist, Track


def track_rows(session: Session) -> list[tuple[int, str]]:
    table = one_to_many.Base.metadata.tables["tracks"]
    return sorted((row[0], row[1]) for row in session.execute(select(table.c.playlist_id, table.c.title)))


def flush_or_explain(session: Session, because: str) -> None:
    try:
        session.flush()
    except IntegrityError as error:
        pytest.fail(f"{because} The database said: {error.orig}", pytrace=False)


DATASETS = pytest.mark.parametrize(
    ("playlists", "seed"), [(4, 1), (6, 2), (8, 3)], ids=["4 playlists", "6 playlists", "8 playlists"]
)


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
def test_tracks_and_playlist_are_in_sync_before_flush(queries: Any) -> None:
    Playlist, Track = require_relationships()
    playlist = Playlist(name="Focus")
    first = Track(title="Blue", seconds=200)
    playlist.tracks.append(first)
    second = Track(title="Hurt", seconds=218, playlist=playlist)
    assert first.playlist is playlist, "appending to playlist.tracks should set track.playlist at once"
    assert list(playlist.tracks) == [first, second], (
        "Track(playlist=playlist) should append the track to playlist.tracks at once (back_populates); "
        f"playlist.tracks is {list(playlist.tracks)!r}"
    )
    queries.assert_count(0, because="keeping both sides in sync is pure Python")


@pytest.mark.task(1)
def test_a_track_added_to_a_loaded_playlist_is_saved_with_it(session: Session) -> None:
    Playlist, Track = require_relationships()
    make_tables(session)
    playlist = session.scalars(select(Playlist).where(Playlist.name == "Focus")).one()
    playlist.tracks.append(Track(title="Heroes", seconds=371))
    session.flush()
    assert (playlist.id, "Heroes") in track_rows(session), (
        "a track appended to playlist.tracks should be inserted at the next flush, linked to the playlist"
    )


@pytest.mark.task(1)
def test_removing_a_track_from_its_playlist_deletes_it(session: Session) -> None:
    Playlist, _Track = require_relationships()
    lists, _tracks = make_tables(session)
    playlist = session.get(Playlist, lists[0]["id"])
    assert playlist is not None
    removed = playlist.tracks[0]
    before = track_rows(session)
    playlist.tracks.remove(removed)
    flush_or_explain(
        session,
        "a track removed from playlist.tracks is an orphan: it cannot exist without a playlist "
        "(playlist_id is NOT NULL), so the flush should DELETE it, not set its playlist_id to NULL. "
        "Which cascade option deletes orphans?",
    )
    after = track_rows(session)
    expected = list(before)
    expected.remove((playlist.id, removed.title))
    assert after == expected, (
        f"only the removed track ({removed.title!r}) should be gone after the flush; expected {expected}, "
        f"found {after}"
    )


@pytest.mark.task(1)
def test_deleting_a_playlist_deletes_its_tracks(session: Session) -> None:
    Playlist, _Track = require_relationships()
    lists, tracks = make_tables(session, 4, 5)
    playlist = session.get(Playlist, lists[1]["id"])
    session.delete(playlist)
    flush_or_explain(
        session,
        "deleting a playlist should delete its tracks too (the 'delete' cascade); without it the ORM "
        "sets their playlist_id to NULL, which the NOT NULL column refuses.",
    )
    expected = sorted((t["playlist_id"], t["title"]) for t in tracks if t["playlist_id"] != lists[1]["id"])
    assert track_rows(session) == expected, (
        "the deleted playlist's tracks should be deleted with it, and every other track stay"
    )


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize("index", [0, 2, 3], ids=["first", "third", "the empty one"])
def test_add_track_saves_it_in_that_playlist(session: Session, index: int) -> None:
    Playlist, _Track = require_relationships()
    lists, tracks = make_tables(session, 4, index)
    playlist_id = lists[index]["id"]
    track = one_to_many.add_track(session, playlist_id, "Africa", 295)
    expected = sorted([(t["playlist_id"], t["title"]) for t in tracks] + [(playlist_id, "Africa")])
    assert track_rows(session) == expected, (
        f"add_track() should insert one track into playlist {playlist_id} and change nothing else"
    )
    assert inspect(track).persistent and track.seconds == 295, (
        "add_track() should flush and return the new track"
    )
    assert track.playlist is session.get(Playlist, playlist_id), (
        "the returned track's .playlist should be its Playlist object (the same one the session holds)"
    )


@pytest.mark.task(2)
def test_add_track_does_not_load_the_playlists_tracks(session: Session, queries: Any) -> None:
    require_relationships()
    lists, _tracks = make_tables(session, 4, 7)
    queries.clear()
    one_to_many.add_track(session, lists[1]["id"], "Yellow", 266)
    selects_of_tracks = queries.matching(r"^\s*SELECT\b.*\bFROM tracks\b")
    assert not selects_of_tracks, (
        "add_track() should not load the playlist's tracks to add one (a long playlist would load "
        "thousands of rows): set the track's playlist instead of appending to playlist.tracks. It sent:\n"
        + queries.listing()
    )
    queries.assert_count(2, because="one SELECT of the playlist, one INSERT of the track")


@pytest.mark.task(2)
def test_add_track_to_an_unknown_playlist_raises_lookup_error(session: Session, queries: Any) -> None:
    require_relationships()
    make_tables(session)
    queries.clear()
    with pytest.raises(LookupError):
        one_to_many.add_track(session, 9999, "Intro", 61)
    assert not queries.matching(r"^\s*INSERT"), "nothing should be inserted for an unknown playlist"


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
@DATASETS
def test_playlist_durations_sums_each_playlists_tracks(
    session: Session, queries: Any, playlists: int, seed: int
) -> None:
    lists, tracks = make_tables(session, playlists, seed)
    queries.clear()
    got = one_to_many.playlist_durations(session)
    expected = {p["name"]: sum(t["seconds"] for t in tracks if t["playlist_id"] == p["id"]) for p in lists}
    assert got == expected, (
        "playlist_durations() should map every playlist's name to the total seconds of its tracks, with 0 "
        f"for a playlist without tracks (an inner join drops it); expected {expected}, got {got}"
    )
    queries.assert_at_most(
        2,
        because=f"{playlists} playlists: one query per playlist is the N+1 pattern; aggregate in SQL, or "
        "load all the tracks at once",
    )


# -- task 4 -------------------------------------------------------------------------------------


@pytest.mark.task(4)
@DATASETS
def test_playlists_featuring_finds_every_playlist_once(
    session: Session, queries: Any, playlists: int, seed: int
) -> None:
    lists, tracks = make_tables(session, playlists, seed)
    names = {p["id"]: p["name"] for p in lists}
    for title in TITLES:
        queries.clear()
        got = one_to_many.playlists_featuring(session, title)
        expected = sorted({names[t["playlist_id"]] for t in tracks if t["title"] == title})
        assert got == expected, (
            f"playlists_featuring({title!r}) should return the names of the playlists with such a track, "
            f"sorted, each once (a playlist may have it twice); expected {expected}, got {got}"
        )
        queries.assert_at_most(2, because="one query per matching track is the N+1 pattern")


@pytest.mark.task(4)
@pytest.mark.parametrize(
    "near_miss", ["Blue Monday", "blue", "True Blue", "Blue "], ids=["longer", "lower case", "inside", "trailing space"]
)
def test_playlists_featuring_matches_the_title_exactly(session: Session, near_miss: str) -> None:
    lists, _tracks = make_tables(session, 4, 1)
    require_relationships()
    track_table = one_to_many.Base.metadata.tables["tracks"]
    session.execute(
        insert(track_table),
        [
            {"playlist_id": lists[0]["id"], "title": "Blue", "seconds": 200},
            {"playlist_id": lists[3]["id"], "title": near_miss, "seconds": 300},
        ],
    )
    got = one_to_many.playlists_featuring(session, "Blue")
    assert lists[3]["name"] not in got and lists[0]["name"] in got, (
        f"playlists_featuring('Blue') should match the title exactly: {lists[0]['name']!r} has 'Blue' and "
        f"belongs in the answer, {lists[3]['name']!r} only has {near_miss!r} and does not (no LIKE, no "
        f"lower(), no substring); got {got}"
    )


@pytest.mark.task(4)
def test_playlists_featuring_an_unknown_title_is_empty(session: Session) -> None:
    make_tables(session)
    got = one_to_many.playlists_featuring(session, "Blue' OR 'x' = 'x")
    assert list(got) == [], f"no track has that exact title (it is a value, not SQL): expected [], got {got}"
