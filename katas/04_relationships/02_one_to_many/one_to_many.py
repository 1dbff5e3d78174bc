"""Kata 4.2: one-to-many — a playlist owns its tracks; navigate both ways without N+1 queries.

The columns are given (the foreign key lives on the "many" side, tracks.playlist_id, and a track
cannot exist without its playlist: NOT NULL). You add the relationships and the functions below.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Playlist(Base):
    __tablename__ = "playlists"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # TODO (task 1): `tracks`, in sync with Track.playlist; a track is deleted with its playlist,
    # and when it is removed from the list

    def __repr__(self) -> str:
        return f"Playlist({self.name!r})"


class Track(Base):
    __tablename__ = "tracks"

    id: Mapped[int] = mapped_column(primary_key=True)
    playlist_id: Mapped[int] = mapped_column(ForeignKey("playlists.id"))
    title: Mapped[str] = mapped_column(String(200))
    seconds: Mapped[int]
    # TODO (task 1): `playlist`, the track's Playlist, in sync with Playlist.tracks

    def __repr__(self) -> str:
        return f"Track({self.title!r})"


def add_track(session: Session, playlist_id: int, title: str, seconds: int) -> Track:
    """Add a track at the end of the playlist with that id, flush, and return the track.

    Raise LookupError when there is no such playlist. A playlist may hold thousands of tracks:
    do not load them to add one (one SELECT of the playlist, one INSERT).
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def playlist_durations(session: Session) -> dict[str, int]:
    """Return {playlist name: total seconds of its tracks} for every playlist (0 when empty).

    At most two statements however many playlists there are.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def playlists_featuring(session: Session, title: str) -> list[str]:
    """Return the names of the playlists that have a track with exactly this title, sorted, no repeats.

    At most two statements however many tracks match.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
