"""Tests of the synthetic Last.fm 360K generator (lastfm_recs/sample_data.py)
and of the countries seed it draws its country names from."""
from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pytest

from lastfm_recs import sample_data as sd
from lastfm_recs.data_stats import listening_stats

SHA1 = re.compile(r"[0-9a-f]{40}")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
INTEGER = re.compile(r"-?[0-9]+")
SIGNUP = re.compile(r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [1-9][0-9]?, 200[2-9]")


def read_lines(path: Path) -> tuple[list[str], int]:
    """Lines of a raw file without their ending, and how many ended in \\r\\n.

    Fails if a \\r appears anywhere but right before a \\n, or the file does
    not end with a newline."""
    text = path.read_bytes().decode("utf-8")
    assert text.endswith("\n"), f"{path.name}: no final newline"
    lines = text[:-1].split("\n")
    crlf = sum(line.endswith("\r") for line in lines)
    lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    assert not any("\r" in line for line in lines), f"{path.name}: \\r inside a line"
    return lines, crlf


class Dataset:
    """A generated dataset, parsed: well-formed rows and the malformed lines."""

    def __init__(self, out: Path, n_users: int, seed: int) -> None:
        self.counts = sd.generate_dataset(out, n_users, seed)
        self.play_lines, self.play_crlf = read_lines(out / sd.PLAYS_FILE)
        self.profile_lines, self.profile_crlf = read_lines(out / sd.PROFILE_FILE)
        self.plays: list[tuple[str, str, str, int]] = []
        self.bad_plays: list[str] = []
        for line in self.play_lines:
            f = line.split("\t")
            if len(f) == 4 and INTEGER.fullmatch(f[3]):
                self.plays.append((f[0], f[1], f[2], int(f[3])))
            else:
                self.bad_plays.append(line)
        self.profiles: list[list[str]] = []
        self.bad_profiles: list[str] = []
        for line in self.profile_lines:
            f = line.split("\t")
            (self.profiles if len(f) == 5 else self.bad_profiles).append(f if len(f) == 5 else line)

    def first_profiles(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for f in self.profiles:
            out.setdefault(f[0], f)
        return out


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    return Dataset(tmp_path_factory.mktemp("small"), 300, seed=1)


@pytest.fixture(scope="module")
def medium(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    return Dataset(tmp_path_factory.mktemp("medium"), 2000, seed=42)


def seed_countries() -> list[dict[str, str]]:
    with open(sd.COUNTRIES_CSV, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# --- determinism -------------------------------------------------------------
def test_same_seed_gives_same_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        sd.generate_dataset(tmp_path / name, 150, seed)
    for file in (sd.PLAYS_FILE, sd.PROFILE_FILE):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()
        assert (tmp_path / "a" / file).read_bytes() != (tmp_path / "c" / file).read_bytes()
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == sorted([sd.PLAYS_FILE, sd.PROFILE_FILE])


def test_chunked_generation_keeps_every_dirt_kind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sd, "CHUNK_USERS", 64)  # several chunks: dirt is spread over them
    ds = Dataset(tmp_path, 300, seed=5)
    plan = sd.Plan.for_users(300)
    for kind, wanted in plan.dirt.items():
        assert ds.counts[kind] >= min(wanted, 1), kind
    users = [u for u, *_ in ds.plays]
    assert users == sorted(users)


# --- format ------------------------------------------------------------------
def test_counts_match_the_files(small: Dataset) -> None:
    c = small.counts
    assert c["play_lines"] == len(small.play_lines)
    assert c["profile_lines"] == len(small.profile_lines)
    assert c["play_rows"] == len(small.plays)
    assert c["plays_crlf"] == small.play_crlf and c["profile_crlf"] == small.profile_crlf
    assert c["users"] == len({u for u, *_ in small.plays} | {f[0] for f in small.profiles})


def test_play_lines_have_four_valid_fields_except_the_deliberate_ones(small: Dataset) -> None:
    for user, mbid, _name, _plays in small.plays:
        assert SHA1.fullmatch(user)
        assert mbid == "" or UUID.fullmatch(mbid)
    fields = Counter(len(line.split("\t")) if line else 0 for line in small.bad_plays)
    c = small.counts
    assert fields[0] == c["plays_empty_line"] >= 1
    assert fields[2] + fields[3] == c["plays_too_few_fields"] >= 1
    assert fields[5] == c["plays_too_many_fields"] >= 1
    assert fields[4] == c["plays_non_numeric"] >= 1
    assert len(small.bad_plays) == sum(c[k] for k in ("plays_empty_line", "plays_too_few_fields",
                                                        "plays_too_many_fields", "plays_non_numeric"))


def test_profile_lines_have_five_valid_fields_except_the_deliberate_ones(small: Dataset) -> None:
    names = {r["country_name"] for r in seed_countries()}
    for user, gender, age, country, signup in small.profiles:
        assert SHA1.fullmatch(user)
        assert gender in ("m", "f", "")
        assert age == "" or INTEGER.fullmatch(age)
        assert country == "" or country in names
        assert signup == "" or SIGNUP.fullmatch(signup)
    fields = Counter(len(line.split("\t")) if line else 0 for line in small.bad_profiles)
    c = small.counts
    assert fields == {0: c["profile_empty_line"], 4: c["profile_too_few_fields"], 6: c["profile_too_many_fields"]}
    assert min(fields.values()) >= 1


def test_files_are_sorted_by_user_then_plays_descending(small: Dataset) -> None:
    users = [u for u, *_ in small.plays]
    assert users == sorted(users)
    profile_users = [f[0] for f in small.profiles]
    assert profile_users == sorted(profile_users)
    by_user: dict[str, list[int]] = defaultdict(list)
    for user, _m, _n, plays in small.plays:
        by_user[user].append(plays)
    assert all(p == sorted(p, reverse=True) for p in by_user.values())


# --- dirt --------------------------------------------------------------------
def test_artist_name_dirt_is_present(small: Dataset) -> None:
    names = [n for _u, _m, n, _p in small.plays]
    assert sum('"' in n for n in names) >= 3
    assert any(re.search("[\u0400-\u04ff]", n) for n in names), "Cyrillic"
    assert any(re.search("[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]", n) for n in names), "CJK"
    assert any(re.search("[à-žÀ-Ž]", n) for n in names), "accented Latin"
    spellings: dict[str, set[str]] = defaultdict(set)
    for _u, mbid, name, _p in small.plays:
        if mbid and name:
            spellings[mbid].add(name)
    assert sum(len(s) >= 2 for s in spellings.values()) >= 10
    assert max(len(s) for s in spellings.values()) >= 3


def test_play_row_dirt_is_present(small: Dataset) -> None:
    rows = small.plays
    empty_mbid = sum(m == "" for _u, m, _n, _p in rows)
    assert 0.005 <= empty_mbid / len(rows) <= 0.02
    assert sum(m != "" and n == "" for _u, m, n, _p in rows) == small.counts["empty_name_with_mbid"] >= 1
    assert sum(p == 0 for *_, p in rows) >= 1
    assert sum(p < 0 for *_, p in rows) >= 1
    per_user_mbid = Counter((u, m) for u, m, _n, _p in rows if m)
    two = {key for key, k in per_user_mbid.items() if k >= 2}
    assert len(two) >= 3
    names = defaultdict(set)
    for u, m, n, _p in rows:
        if (u, m) in two:
            names[(u, m)].add(n)
    assert all(len(s) == 2 for s in names.values()), "two rows of one MBID use two spellings"
    non_numeric = {line.split("\t")[3] for line in small.bad_plays if len(line.split("\t")) == 4}
    assert {"12a", "abc"} <= non_numeric
    assert small.play_crlf >= 1


def test_profile_dirt_is_present(small: Dataset) -> None:
    first = small.first_profiles()
    ages = [f[2] for f in first.values()]
    assert "-1337" in ages and "1002" in ages
    assert sum(a == "" for a in ages) / len(ages) > 0.1
    assert sum(a != "" and int(a) < 0 for a in ages) >= 3
    assert sum(a != "" and int(a) > 100 for a in ages) >= 3
    assert any(f[1] == "" for f in first.values())
    assert any(f[3] == "" for f in first.values())
    assert any(f[4] == "" for f in first.values())
    counts = Counter(f[0] for f in small.profiles)
    dupes = [u for u, k in counts.items() if k > 1]
    assert len(dupes) >= 3
    rows_of = defaultdict(list)
    for f in small.profiles:
        rows_of[f[0]].append(f)
    assert all(rows_of[u][0] != rows_of[u][1] for u in dupes)
    assert small.profile_crlf >= 1


def test_users_missing_from_one_file_are_present(small: Dataset) -> None:
    play_users = {u for u, *_ in small.plays}
    profile_users = {f[0] for f in small.profiles}
    assert len(play_users - profile_users) == small.counts["no_profile_users"] >= 1
    cold = profile_users - play_users
    assert len(cold) == small.counts["cold_users"] >= 1


# --- structure ---------------------------------------------------------------
def test_about_fifty_artists_per_user_and_heavy_tailed_plays(medium: Dataset) -> None:
    artists = defaultdict(set)
    for u, m, n, _p in medium.plays:
        artists[u].add(m or "name:" + n)
    k = np.array([len(s) for s in artists.values()])
    assert 45 <= k.mean() <= 50
    assert (k == 50).mean() >= 0.85 and k.max() == 50
    plays = np.array([p for *_, p in medium.plays if p > 0])
    # calibrated to the real HetRec 2011 counts (median 260, p10 37, p90 1,387)
    assert 200 <= np.median(plays) <= 320
    assert 25 <= np.percentile(plays, 10) <= 50
    assert plays.max() >= 20_000


def test_artist_popularity_is_heavy_tailed(medium: Dataset) -> None:
    pairs = {(u, m) for u, m, _n, _p in medium.plays if m}
    listeners = Counter(m for _u, m in pairs)
    counts = np.array(sorted(listeners.values(), reverse=True))
    top1, top10 = counts[: len(counts) // 100].sum(), counts[: len(counts) // 10].sum()
    assert top1 / counts.sum() >= 0.15
    assert top10 / counts.sum() >= 0.5
    assert (counts == 1).mean() >= 0.05  # a long tail of single-listener artists


def test_taste_clusters_give_neighbours_more_overlap_than_chance(medium: Dataset) -> None:
    users = sorted({u for u, *_ in medium.plays})
    artists = sorted({m for _u, m, _n, _p in medium.plays if m})
    ui = {u: i for i, u in enumerate(users)}
    ai = {a: i for i, a in enumerate(artists)}
    x = np.zeros((len(users), len(artists)), dtype=np.float32)
    for u, m, _n, _p in medium.plays:
        if m:
            x[ui[u], ai[m]] = 1.0
    x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)
    sim = x @ x.T
    np.fill_diagonal(sim, -1.0)
    assert sim.max(axis=1).mean() >= 4 * sim[sim >= 0].mean()



def test_shape_statistics_are_calibrated_to_the_real_data_at_2000_users(medium: Dataset) -> None:
    """HetRec 2011 (1,892 real users): 17,632 artists, 61% with one listener,
    top 1% / 10% of artists on 32% / 70% of user-artist rows, Gini 0.73,
    plays per row median 260 (p10 37, p90 1,387, p99 7,228), 49 artists per
    user. Statistics by lastfm_recs.data_stats (tested on hand-made data)."""
    pairs: dict[tuple[str, str], int] = {}
    for u, m, n, p in medium.plays:
        if p > 0:
            key = (u, m or "name:" + n.lower())
            pairs[key] = pairs.get(key, 0) + p
    st = listening_stats(pairs)
    assert 15_000 <= st["artists"] <= 22_000
    assert abs(st["single_listener_share"] - 0.61) <= 0.05
    assert abs(st["top1_row_share"] - 0.32) <= 0.04
    assert abs(st["top10_row_share"] - 0.70) <= 0.04
    assert abs(st["gini_listeners"] - 0.73) <= 0.04
    assert 200 <= st["plays_median"] <= 320
    assert 25 <= st["plays_p10"] <= 50
    assert 1_000 <= st["plays_p90"] <= 1_900
    assert 5_000 <= st["plays_p99"] <= 10_000
    assert 47.5 <= st["artists_per_user"] <= 50


def test_taste_is_mostly_not_explained_by_the_profile(medium: Dataset) -> None:
    """Users of one country overlap only modestly more than users of two
    countries (local artists are a small part of taste), gender not at all,
    while each user's nearest neighbour overlaps far more than either."""
    profile = medium.first_profiles()
    users = sorted({u for u, *_ in medium.plays if u in profile})
    artists = sorted({m for _u, m, _n, _p in medium.plays if m})
    ui = {u: i for i, u in enumerate(users)}
    ai = {a: i for i, a in enumerate(artists)}
    x = np.zeros((len(users), len(artists)), dtype=np.float32)
    for u, m, _n, _p in medium.plays:
        if m and u in ui:
            x[ui[u], ai[m]] = 1.0
    x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)
    sim = x @ x.T
    off = ~np.eye(len(users), dtype=bool)
    ratios = {}
    for field in (1, 3):  # gender, country
        value = np.array([profile[u][field] for u in users])
        known = value != ""
        same = (value[:, None] == value[None, :]) & known[:, None] & off
        other = (value[:, None] != value[None, :]) & known[:, None] & known[None, :]
        ratios[field] = sim[same].mean() / sim[other].mean()
    assert ratios[1] <= 1.1
    assert ratios[3] <= 1.6
    np.fill_diagonal(sim, -1.0)
    assert sim.max(axis=1).mean() >= 3 * sim[same].mean()

def test_local_artists_are_listened_to_at_home(medium: Dataset) -> None:
    country = {u: f[3] for u, f in medium.first_profiles().items()}
    cyr = re.compile("[\u0400-\u04ff]")
    share = {}
    for c in ("Russian Federation", "United States"):
        rows = [n for u, _m, n, _p in medium.plays if country.get(u) == c]
        share[c] = sum(bool(cyr.search(n)) for n in rows) / len(rows)
    assert share["Russian Federation"] >= 5 * share["United States"]


def test_profile_marginals_are_roughly_the_real_ones(medium: Dataset) -> None:
    first = list(medium.first_profiles().values())
    n = len(first)
    country = Counter(f[3] for f in first)
    for name, share in [("United States", 0.19), ("Germany", 0.086), ("United Kingdom", 0.082),
                        ("Poland", 0.07), ("Russian Federation", 0.053), ("Brazil", 0.04)]:
        assert abs(country[name] / n - share) < 4 * (share / n) ** 0.5, name
    assert country[""] / n < 0.03
    assert len(country) >= 100
    gender = Counter(f[1] for f in first)
    assert abs(gender["m"] / n - 0.67) < 0.04 and abs(gender["f"] / n - 0.24) < 0.04
    ages = np.array([int(f[2]) for f in first if f[2] and 0 <= int(f[2]) <= 100])
    assert 18 <= np.median(ages) <= 28
    assert ((ages >= 15) & (ages <= 40)).mean() >= 0.85
    years = Counter(f[4][-4:] for f in first if f[4])
    assert set(years) <= {str(y) for y in range(2002, 2010)}


# --- countries seed ----------------------------------------------------------
def test_countries_seed_has_unique_names_and_valid_codes() -> None:
    rows = seed_countries()
    assert list(rows[0]) == ["country_name", "iso_alpha2", "iso_alpha3", "iso_numeric", "region", "sub_region"]
    assert len(rows) >= 239
    for key in ("country_name", "iso_alpha2", "iso_alpha3", "iso_numeric"):
        values = [r[key] for r in rows]
        assert len(set(values)) == len(values), key
    for r in rows:
        assert re.fullmatch("[A-Z]{2}", r["iso_alpha2"]) and re.fullmatch("[A-Z]{3}", r["iso_alpha3"]), r
        assert re.fullmatch("[0-9]{3}", r["iso_numeric"]), r
        assert r["region"] in ("Africa", "Americas", "Asia", "Europe", "Oceania") or r["country_name"] == "Antarctica"
    by_name = {r["country_name"]: r for r in rows}
    for name, codes in [("Netherlands Antilles", ("AN", "ANT", "530")), ("Serbia", ("RS", "SRB", "688")),
                        ("Taiwan", ("TW", "TWN", "158")), ("Korea, Republic of", ("KR", "KOR", "410")),
                        ("Virgin Islands, U.s.", ("VI", "VIR", "850")), ("Cote D'Ivoire", ("CI", "CIV", "384"))]:
        r = by_name[name]
        assert (r["iso_alpha2"], r["iso_alpha3"], r["iso_numeric"]) == codes
    assert set(sd.TOP_COUNTRY_SHARES) <= set(by_name)


def test_every_country_used_is_in_the_seed(small: Dataset, medium: Dataset) -> None:
    names = {r["country_name"] for r in seed_countries()}
    used = {f[3] for ds in (small, medium) for f in ds.profiles} - {""}
    assert used <= names


# --- interface ---------------------------------------------------------------
@pytest.mark.parametrize("users", ["0", "-5", "359348"])
def test_cli_rejects_bad_user_counts(users: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        sd.main(["--users", users, "--out", str(tmp_path)])
    assert exc.value.code == 2
    assert "--users must be in 1..359347" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_cli_help_documents_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        sd.main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert all(opt in out for opt in ("--users", "--seed", "--out", "--quiet"))


def test_cli_writes_the_files_and_prints_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert sd.main(["--users", "120", "--seed", "3", "--out", str(tmp_path / "x"), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "users\t120" in out.splitlines()
    assert (tmp_path / "x" / sd.PLAYS_FILE).stat().st_size > 0


def test_generate_dataset_rejects_bad_sizes(tmp_path: Path) -> None:
    for n in (0, sd.FULL_USERS + 1):
        with pytest.raises(ValueError, match="n_users must be an integer in 1..359347"):
            sd.generate_dataset(tmp_path, n)


def test_tiny_datasets_still_work(tmp_path: Path) -> None:
    counts = sd.generate_dataset(tmp_path, 1, seed=0)
    assert counts["users"] == 1
    lines, _ = read_lines(tmp_path / sd.PLAYS_FILE)
    assert len(lines) >= 1
