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
    # BEGIN SOLUTION
    # The playlist owns its tracks: they are saved, deleted and orphan-deleted with it.
    tracks: Mapped[list[Track]] = relationship(back_populates="playlist", cascade="all, delete-orphan")
    # END SOLUTION
    # BEGIN STUB
    # # TODO (task 1): `tracks`, in sync with Track.playlist; a track is deleted with its playlist,
    # # and when it is removed from the list
    # END STUB

    def __repr__(self) -> str:
        return f"Playlist({self.name!r})"


class Track(Base):
    __tablename__ = "tracks"

    id: Mapped[int] = mapped_column(primary_key=True)
    playlist_id: Mapped[int] = mapped_column(ForeignKey("playlists.id"))
    title: Mapped[str] = mapped_column(String(200))
    seconds: Mapped[int]
    # BEGIN SOLUTION
    playlist: Mapped[Playlist] = relationship(back_populates="tracks")
    # END SOLUTION
    # BEGIN STUB
    # # TODO (task 1): `playlist`, the track's Playlist, in sync with Playlist.tracks
    # END STUB

    def __repr__(self) -> str:
        return f"Track({self.title!r})"


def add_track(session: Session, playlist_id: int, title: str, seconds: int) -> Track:
    """Add a track at the end of the playlist with that id, flush, and return the track.

    Raise LookupError when there is no such playlist. A playlist may hold thousands of tracks:
    do not load them to add one (one SELECT of the playlist, one INSERT).
    """
    # BEGIN SOLUTION
    playlist = session.get(Playlist, playlist_id)
    if playlist is None:
        raise LookupError(f"no playlist with id {playlist_id}")
    # Setting the many-to-one side does not load playlist.tracks; appending to it would.
    track = Track(title=title, seconds=seconds, playlist=playlist)
    session.add(track)
    session.flush()
    return track
    # END SOLUTION


def playlist_durations(session: Session) -> dict[str, int]:
    """Return {playlist name: total seconds of its tracks} for every playlist (0 when empty).

    At most two statements however many playlists there are.
    """
    # BEGIN SOLUTION
    rows = session.execute(
        select(Playlist.name, func.coalesce(func.sum(Track.seconds), 0))
        .outerjoin(Playlist.tracks)  # the relationship gives the ON clause
        .group_by(Playlist.id, Playlist.name)
    )
    return {name: int(total) for name, total in rows}
    # END SOLUTION


def playlists_featuring(session: Session, title: str) -> list[str]:
    """Return the names of the playlists that have a track with exactly this title, sorted, no repeats.

    At most two statements however many tracks match.
    """
    # BEGIN SOLUTION
    names = session.scalars(
        select(Playlist.name)
        .join(Playlist.tracks)
        .where(Track.title == title)
        .distinct()
        .order_by(Playlist.name)
    )
    return list(names)
    # END SOLUTION
