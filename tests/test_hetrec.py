"""The HetRec 2011 converter on tiny invented files in HetRec's format (3
users, 4 played artists, one of them missing from artists.dat; written by
the fixture, no real HetRec line), against the documented id formulas and
the raw 360K format."""
from __future__ import annotations

import hashlib
import re
import uuid
from pathlib import Path

import pytest

from lastfm_recs.hetrec import convert, main

#: Invented rows in the layout of HetRec's files (header line, tabs; artists.dat has
#: four columns, the last one sometimes missing).
TINY_USER_ARTISTS = "userID\tartistID\tweight\n2\t51\t120\n2\t52\t45\n3\t51\t5\n3\t99\t7\n10\t52\t1\n10\t54\t42\n"
TINY_ARTISTS = (
    "id\tname\turl\tpictureURL\n51\tThe Invented Band\thttp://x/51\thttp://x/1.jpg\n"
    "52\tMade-Up Trio\thttp://x/52\n53\tNever Played\thttp://x\thttp://y\n"
    '54\tSigur Ómynd "live"\thttp://x\thttp://y\n'
)


@pytest.fixture
def tiny(tmp_path) -> Path:
    folder = tmp_path / "hetrec_tiny"
    folder.mkdir()
    (folder / "user_artists.dat").write_text(TINY_USER_ARTISTS, encoding="utf-8")
    (folder / "artists.dat").write_text(TINY_ARTISTS, encoding="utf-8")
    return folder


def sha1(user_id: int) -> str:
    return hashlib.sha1(f"hetrec2011-lastfm:user:{user_id}".encode()).hexdigest()


def mbid(artist_id: int) -> str:
    namespace = uuid.uuid5(uuid.NAMESPACE_DNS, "hetrec2011-lastfm.lastfm-recs")
    return str(uuid.uuid5(namespace, f"hetrec2011-lastfm:artist:{artist_id}"))


def read_lines(path: Path) -> list[list[str]]:
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n") and "\r" not in text
    return [line.split("\t") for line in text[:-1].split("\n")]


def test_converts_plays_names_and_empty_profiles(tmp_path, tiny):
    done = convert(tiny, tmp_path / "out")
    assert (done.users, done.play_rows, done.artists, done.unnamed_artists) == (3, 6, 4, 1)
    plays = read_lines(tmp_path / "out" / "usersha1-artmbid-artname-plays.tsv")
    assert plays == [
        [sha1(2), mbid(51), "The Invented Band", "120"],
        [sha1(2), mbid(52), "Made-Up Trio", "45"],
        [sha1(3), mbid(51), "The Invented Band", "5"],
        [sha1(3), mbid(99), "", "7"],
        [sha1(10), mbid(52), "Made-Up Trio", "1"],
        [sha1(10), mbid(54), 'Sigur Ómynd "live"', "42"],
    ]
    profiles = read_lines(tmp_path / "out" / "usersha1-profile.tsv")
    assert profiles == [[sha1(u), "", "", "", ""] for u in (2, 3, 10)]
    for user, artist, _, _ in plays:
        assert re.fullmatch(r"[0-9a-f]{40}", user)
        assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", artist)


def test_ids_are_stable_and_distinct(tmp_path, tiny):
    convert(tiny, tmp_path / "a")
    convert(tiny, tmp_path / "b")
    for name in ("usersha1-artmbid-artname-plays.tsv", "usersha1-profile.tsv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert len({mbid(a) for a in range(1000)}) == 1000


def test_bad_lines_name_the_file_and_line(tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "artists.dat").write_text(TINY_ARTISTS, encoding="utf-8")
    (bad / "user_artists.dat").write_text("userID\tartistID\tweight\n2\t51\t10\n2\tx51\t3\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"user_artists.dat, line 3: artistID is not an integer"):
        convert(bad, tmp_path / "out")
    assert not (tmp_path / "out" / "usersha1-artmbid-artname-plays.tsv").exists()
    (bad / "user_artists.dat").write_text("userID\tartistID\tweight\n2\t51\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"line 2: expected 3 tab-separated fields, found 2"):
        convert(bad, tmp_path / "out")
    with pytest.raises(FileNotFoundError, match="HetRec file not found"):
        convert(tmp_path / "missing", tmp_path / "out")


def test_cli(tmp_path, tiny, capsys):
    main(["--hetrec-dir", str(tiny), "--out", str(tmp_path / "cli")])
    assert "3 users (empty profiles), 6 play rows, 4 artists (1 without a name" in capsys.readouterr().out
