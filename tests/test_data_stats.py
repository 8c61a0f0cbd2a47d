"""Tests of the shape statistics (lastfm_recs/data_stats.py) on hand-made data."""
from __future__ import annotations

from pathlib import Path

import pytest

from lastfm_recs import data_stats as ds


def test_gini_matches_the_pairwise_definition() -> None:
    values = [1, 1, 2, 5, 11]
    n, mean = len(values), sum(values) / len(values)
    pairwise = sum(abs(a - b) for a in values for b in values) / (2 * n * n * mean)
    assert ds.gini(values) == pytest.approx(pairwise)
    assert ds.gini([3, 3, 3]) == pytest.approx(0.0)
    assert ds.gini([0, 0, 0, 4]) == pytest.approx(0.75)  # (n - 1) / n: all on one


def test_quantile_interpolates_like_numpy_default() -> None:
    xs = [10, 20, 30, 40, 50]
    assert ds.quantile(xs, 0.5) == 30
    assert ds.quantile(xs, 0.1) == pytest.approx(14.0)  # position 0.4
    assert ds.quantile(xs, 0.99) == pytest.approx(49.6)  # position 3.96
    assert ds.quantile([7], 0.9) == 7
    with pytest.raises(ValueError, match="empty"):
        ds.quantile([], 0.5)


def tiny_pairs() -> ds.Pairs:
    """3 users; artist a: 3 listeners, b: 2, c..f: 1 each (10 rows)."""
    rows = {"u1": ["a", "b", "c", "d"], "u2": ["a", "b", "e"], "u3": ["a", "f", "g"]}
    plays = iter([100, 50, 10, 5, 80, 40, 1, 300, 2, 3])
    return {(u, a): next(plays) for u, artists in rows.items() for a in artists}


def test_listening_stats_on_hand_made_rows() -> None:
    st = ds.listening_stats(tiny_pairs())
    assert st["users"] == 3 and st["artists"] == 7 and st["rows"] == 10
    assert st["single_listener_share"] == pytest.approx(5 / 7)
    assert st["top1_row_share"] == pytest.approx(3 / 10)  # one artist (a)
    assert st["top10_row_share"] == pytest.approx(3 / 10)  # round(0.7) = 1 artist
    # listeners 3, 2, 1, 1, 1, 1, 1: sum |xi - xj| = 2*(5*2 + 1*1 + 5*1) = 32
    assert st["gini_listeners"] == pytest.approx(32 / (2 * 49 * 10 / 7))
    # plays sorted: 1 2 3 5 10 40 50 80 100 300
    assert st["plays_median"] == pytest.approx(25.0)
    assert st["plays_p10"] == pytest.approx(1.9)
    assert st["plays_p90"] == pytest.approx(120.0)
    assert st["artists_per_user"] == pytest.approx(10 / 3)


def test_readers_of_both_formats(tmp_path: Path) -> None:
    het = tmp_path / "het"
    het.mkdir()
    (het / ds.HETREC_FILE).write_text("userID\tartistID\tweight\n2\t51\t13\n2\t52\t7\n4\t51\t100\n")
    assert ds.read_hetrec(het) == {("2", "51"): 13, ("2", "52"): 7, ("4", "51"): 100}
    k = tmp_path / "k"
    k.mkdir()
    mbid = "0a1b2c3d-0000-4000-8000-000000000001"
    (k / ds.LASTFM360K_FILE).write_text(
        f"u1\t{mbid}\tThe Band\t10\r\n"
        f"u1\t{mbid}\tthe band\t5\n"  # second spelling of one MBID: summed
        "u1\t\tSome Name\t3\n"
        "u2\t\tsome name\t4\n"  # name-only artists by lower-cased name
        "u2\tx\ty\t0\n"  # zero plays: left out
        "u2\tx\t-3\n"  # too few fields: left out
        "\n", encoding="utf-8")
    pairs, skipped = ds.read_lastfm360k(k)
    assert pairs == {("u1", mbid): 15, ("u1", "name:some name"): 3, ("u2", "name:some name"): 4}
    assert skipped == 3


def test_hetrec_reader_names_the_bad_line(tmp_path: Path) -> None:
    (tmp_path / ds.HETREC_FILE).write_text("userID\tartistID\tweight\n2\t51\tmany\n")
    with pytest.raises(ValueError, match=r"user_artists.dat:2: expected"):
        ds.read_hetrec(tmp_path)


def test_cli_prints_one_column_per_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / ds.HETREC_FILE).write_text("userID\tartistID\tweight\n1\t5\t10\n2\t5\t20\n2\t6\t30\n")
    assert ds.main(["--hetrec", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "| artists with a single listener | 50% |" in out
    assert "| users | 2 |" in out
    with pytest.raises(SystemExit):
        ds.main([])
