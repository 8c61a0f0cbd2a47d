"""Converts the HetRec 2011 Last.fm files into the two raw Last.fm 360K files.

HetRec 2011 ("hetrec2011-lastfm-2k", published by GroupLens for the 2nd
HetRec workshop at RecSys 2011; downloaded from the GroupLens datasets page
as ``hetrec2011-lastfm-2k.zip``) holds real Last.fm play counts of 1,892
users. Of its files the converter reads two (tab separated, UTF-8, one header
line each):

- ``user_artists.dat``: userID, artistID, weight (the user's plays of the artist);
- ``artists.dat``: id, name, url, pictureURL.

and writes, into the output directory, the dataset files the warehouse reads
(docs/real-data.md):

- ``usersha1-artmbid-artname-plays.tsv``: user sha1, artist MBID, artist name, plays;
- ``usersha1-profile.tsv``: one line per user with empty gender, age, country
  and signup date (HetRec has no profiles).

Ids are stable, a function of the HetRec id alone (the same files give the
same output, byte for byte, on any machine):

    user sha1   = sha1("hetrec2011-lastfm:user:<userID>") as 40 hex characters
    artist MBID = uuid5(HETREC_NAMESPACE, "hetrec2011-lastfm:artist:<artistID>")

The name is the artist's name in ``artists.dat`` (empty for an artist id it
does not list; tabs, carriage returns and line feeds become spaces, since
they would break the raw format). Play rows keep their order and their plays
as written (the warehouse rejects plays <= 0 itself, with a reason). A line
of either input with the wrong number of fields, or a non-integer id, stops
the conversion with an error naming the file and the line number.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

#: The namespace of the artist MBIDs (uuid5 of the DNS namespace and this
#: project's name for HetRec 2011): fixed, so the MBIDs never change.
HETREC_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_DNS, "hetrec2011-lastfm.lastfm-recs")

PLAYS_FILE = "usersha1-artmbid-artname-plays.tsv"
PROFILE_FILE = "usersha1-profile.tsv"
USER_ARTISTS_FILE = "user_artists.dat"
ARTISTS_FILE = "artists.dat"


def user_sha1(user_id: int) -> str:
    """The 40-hex-character user id of HetRec user ``user_id``."""
    return hashlib.sha1(f"hetrec2011-lastfm:user:{user_id}".encode("ascii")).hexdigest()


def artist_mbid(artist_id: int) -> str:
    """The MBID-shaped (UUID) artist id of HetRec artist ``artist_id``."""
    return str(uuid.uuid5(HETREC_NAMESPACE, f"hetrec2011-lastfm:artist:{artist_id}"))


def _clean_name(name: str) -> str:
    return name.replace("\t", " ").replace("\r", " ").replace("\n", " ")


def _rows(path: Path, fields: int, min_fields: int | None = None) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of each data line of a HetRec file (header skipped,
    empty lines skipped); ValueError naming the file and line otherwise."""
    if not path.is_file():
        raise FileNotFoundError(f"HetRec file not found: {path}")
    with path.open(encoding="utf-8", newline="") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.rstrip("\r\n")
            if number == 1 or not line:
                continue
            parts = line.split("\t")
            if not (min_fields or fields) <= len(parts) <= fields:
                raise ValueError(f"{path}, line {number}: expected {fields} tab-separated fields, found {len(parts)}")
            yield number, parts


def _int(path: Path, number: int, name: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{path}, line {number}: {name} is not an integer: {text!r}") from None


@dataclass(frozen=True)
class Converted:
    """What convert() wrote: counts of users, play rows, artists and of the
    played artists that artists.dat does not name."""

    users: int
    play_rows: int
    artists: int
    unnamed_artists: int


def read_artist_names(path: Path) -> dict[int, str]:
    """artist id -> name from ``artists.dat`` (url and pictureURL ignored; a
    line may lack the trailing ones)."""
    names: dict[int, str] = {}
    for number, parts in _rows(path, fields=4, min_fields=2):
        names[_int(path, number, "id", parts[0])] = _clean_name(parts[1])
    return names


def convert(hetrec_dir: str | os.PathLike, out_dir: str | os.PathLike) -> Converted:
    """Write the two raw files (module docstring) from ``hetrec_dir`` into
    ``out_dir`` (created if missing); files are written beside and renamed
    into place, so a failed conversion leaves no half-written output."""
    hetrec_dir, out_dir = Path(hetrec_dir), Path(out_dir)
    names = read_artist_names(hetrec_dir / ARTISTS_FILE)
    source = hetrec_dir / USER_ARTISTS_FILE
    out_dir.mkdir(parents=True, exist_ok=True)
    users: dict[int, str] = {}
    played: set[int] = set()
    plays_tmp = out_dir / (PLAYS_FILE + ".tmp")
    profile_tmp = out_dir / (PROFILE_FILE + ".tmp")
    try:
        rows = _write(source, names, users, played, plays_tmp, profile_tmp)
    except BaseException:
        plays_tmp.unlink(missing_ok=True)
        profile_tmp.unlink(missing_ok=True)
        raise
    plays_tmp.replace(out_dir / PLAYS_FILE)
    profile_tmp.replace(out_dir / PROFILE_FILE)
    return Converted(users=len(users), play_rows=rows, artists=len(played), unnamed_artists=len(played - names.keys()))


def _write(source: Path, names: dict[int, str], users: dict[int, str], played: set[int],
           plays_tmp: Path, profile_tmp: Path) -> int:
    """The two files' contents into ``plays_tmp`` and ``profile_tmp``; fills
    ``users`` (HetRec id -> sha1) and ``played`` (artist ids); returns the
    number of play rows."""
    rows = 0
    with plays_tmp.open("w", encoding="utf-8", newline="\n") as out:
        for number, (user, artist, weight) in _rows(source, fields=3):
            user_id = _int(source, number, "userID", user)
            artist_id = _int(source, number, "artistID", artist)
            plays = _int(source, number, "weight", weight)
            if user_id not in users:
                users[user_id] = user_sha1(user_id)
            played.add(artist_id)
            out.write(f"{users[user_id]}\t{artist_mbid(artist_id)}\t{names.get(artist_id, '')}\t{plays}\n")
            rows += 1
    with profile_tmp.open("w", encoding="utf-8", newline="\n") as out:
        for user_id in sorted(users):
            out.write(f"{users[user_id]}\t\t\t\t\n")
    return rows


def main(argv: list[str] | None = None) -> None:
    """CLI: python -m lastfm_recs.hetrec --hetrec-dir D --out D2."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hetrec-dir", required=True,
                        help=f"directory holding {USER_ARTISTS_FILE} and {ARTISTS_FILE} "
                             "(the unzipped HetRec 2011 Last.fm files)")
    parser.add_argument("--out", required=True, help="directory to write the two raw files to (LASTFM_DATA_DIR)")
    args = parser.parse_args(argv)
    done = convert(args.hetrec_dir, args.out)
    print(f"{args.out}: {done.users:,} users (empty profiles), {done.play_rows:,} play rows, "
          f"{done.artists:,} artists ({done.unnamed_artists:,} without a name in {ARTISTS_FILE})")


if __name__ == "__main__":
    main()
