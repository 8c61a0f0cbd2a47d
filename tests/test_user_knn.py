"""lastfm_recs.models.user_knn (the seed kNN) against independent references.

* Neighbours: sklearn NearestNeighbors(algorithm="brute") on the explicitly
  built feature matrix [p | age | one-hot country] (cold rows = baseline).
* Scores and recommendations: a plain per-user loop written straight from
  docs/spec.md section 2 (``reference_recommendations`` below).
"""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.neighbors import NearestNeighbors

from lastfm_recs.models.user_knn import distances, exact_neighbors, neighbor_weights, recommend_user_knn, score_top_n

# --------------------------------------------------------------------------
# Data and references
# --------------------------------------------------------------------------


def make_data(
    n_users: int,
    n_artists: int,
    seed: int,
    *,
    n_countries: int = 4,
    cold: float = 0.1,
    no_country: float = 0.1,
    duplicates: int = 0,
    artists_per_user: int = 6,
    age_levels: int = 6,
) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray, np.ndarray]:
    """Random (plays_share, cold_baseline, age_scaled, country_index).

    Heavy-tailed artist popularity, integer plays, a share of cold users
    (empty rows), users without country, ages on a few levels (as real
    integer ages), and ``duplicates`` exact copies of random users.
    """
    rng = np.random.default_rng(seed)
    pop = 1.0 / np.arange(1, n_artists + 1)
    pop /= pop.sum()
    rows, cols = [], []
    for u in range(n_users):
        if rng.random() < cold:
            continue
        m = int(rng.integers(1, min(artists_per_user, n_artists) + 1))
        chosen = rng.choice(n_artists, size=m, replace=False, p=pop)
        rows += [u] * m
        cols += list(chosen)
    plays = rng.integers(1, 50, size=len(rows)).astype(float)
    raw = sp.csr_matrix((plays, (rows, cols)), shape=(n_users, n_artists))
    age = rng.integers(0, age_levels, n_users) / max(age_levels - 1, 1)
    country = rng.integers(0, n_countries, n_users)
    country[rng.random(n_users) < no_country] = -1
    raw = sp.lil_matrix(raw)
    for _ in range(duplicates):
        src, dst = rng.choice(n_users, size=2, replace=False)
        raw[dst] = raw[src]
        age[dst], country[dst] = age[src], country[src]
    raw = sp.csr_matrix(raw)
    totals = np.asarray(raw.sum(axis=1)).ravel()
    share = sp.csr_matrix(sp.diags(np.where(totals > 0, 1.0 / np.maximum(totals, 1e-300), 0.0)) @ raw)
    share.eliminate_zeros()
    if (totals > 0).any():
        baseline = np.asarray(raw[totals > 0].mean(axis=0)).ravel()
    else:
        baseline = np.ones(n_artists)
    baseline = baseline / baseline.sum()
    return share, baseline, age.astype(float), country.astype(np.int64)


def feature_matrix(share, baseline, age, country) -> np.ndarray:
    """x(u) = [p(u, .) (cold: baseline), age(u), onehot(country(u))], dense."""
    p = share.toarray()
    cold = np.diff(share.indptr) == 0
    p[cold] = baseline
    codes = np.unique(country[country >= 0])
    onehot = (country[:, None] == codes[None, :]).astype(float)
    return np.hstack([p, age[:, None], onehot])


def pairwise_distances(x: np.ndarray) -> np.ndarray:
    """Exact d(u, v) from the differences (no expansion)."""
    return np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(axis=-1))


def assert_neighbours_match_sklearn(share, baseline, age, country, k, **kwargs) -> None:
    """Sorted distances equal to 1e-9; neighbour sets equal except at ties at the k-th distance."""
    n = share.shape[0]
    idx, dist = exact_neighbors(share, baseline, age, country, k, **kwargs)
    k_eff = min(k, n - 1)
    assert idx.shape == dist.shape == (n, k_eff)
    if k_eff == 0:
        return
    x = feature_matrix(share, baseline, age, country)
    nn = NearestNeighbors(n_neighbors=k_eff + 1, algorithm="brute").fit(x)
    _, sk_idx = nn.kneighbors(x)
    exact = pairwise_distances(x)
    np.fill_diagonal(exact, np.inf)
    # sklearn's list (which may or may not contain u itself among duplicates)
    ref = np.stack([np.sort(exact[u, sk_idx[u][sk_idx[u] != u][:k_eff]]) for u in range(n)])
    np.testing.assert_allclose(dist, ref, rtol=0, atol=1e-9)
    assert (np.diff(dist, axis=1) >= 0).all(), "rows must be sorted by distance"
    assert (idx != np.arange(n)[:, None]).all(), "a user is not its own neighbour"
    # our distances are the true distances of our neighbours
    np.testing.assert_allclose(exact[np.arange(n)[:, None], idx], dist, rtol=0, atol=1e-9)
    for u in range(n):
        assert len(set(idx[u])) == k_eff
        kth = dist[u, -1]
        ours_inside = {v for v in idx[u] if exact[u, v] < kth - 1e-9}
        truth_inside = set(np.flatnonzero(exact[u] < kth - 1e-9))
        assert ours_inside == truth_inside, f"user {u}: neighbours differ before the tied boundary"


def reference_recommendations(share, baseline, age, country, neighbors, top_n):
    """docs/spec.md section 2, one user at a time, no shortcuts."""
    x = feature_matrix(share, baseline, age, country)
    n, n_artists = share.shape
    p = share.toarray()
    cold = np.diff(share.indptr) == 0
    p_used = p.copy()
    p_used[cold] = baseline
    d = pairwise_distances(x)
    k = min(neighbors, n - 1)
    hood = []
    for u in range(n):
        others = [v for v in range(n) if v != u]
        others.sort(key=lambda v: (d[u, v], v))
        hood.append(others[:k])
    max_d = max((d[u, v] for u in range(n) for v in hood[u]), default=0.0)
    out = []
    for u in range(n):
        if k == 0:
            continue
        s = np.zeros(n_artists)
        for v in hood[u]:
            w = 1.0 - d[u, v] / max_d if max_d > 0 else 1.0
            s += w * p_used[v]
        s /= k
        heard = set() if cold[u] else set(np.flatnonzero(p[u] > 0))
        cand = [a for a in range(n_artists) if a not in heard and s[a] > 0]
        cand.sort(key=lambda a: (-s[a], a))
        for rank, a in enumerate(cand[:top_n], start=1):
            out.append((u, rank, a, s[a]))
    return out


def assert_recs_equal(ours, ref, rtol=1e-10) -> None:
    users, ranks, artists, scores = ours
    assert users.dtype == ranks.dtype == artists.dtype == np.int64
    assert scores.dtype == np.float64
    got = list(zip(users.tolist(), ranks.tolist(), artists.tolist(), scores.tolist()))
    assert len(got) == len(ref), f"{len(got)} recommendations, reference has {len(ref)}"
    for g, r in zip(got, ref):
        assert g[:3] == r[:3], f"got {g}, reference {r}"
        assert g[3] == pytest.approx(r[3], rel=rtol, abs=1e-15)
    # sorted by user then rank, ranks 1..m per user
    order = np.lexsort((ranks, users))
    assert (order == np.arange(len(users))).all()


# --------------------------------------------------------------------------
# Neighbours
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "n_users, n_artists, k, block, dense, threads, seed",
    [
        (120, 30, 5, 16, 4, 1, 0),
        (200, 40, 20, 32, 0, 2, 1),
        (150, 12, 99, 64, 128, 2, 2),  # k >= most partitions: cross-country search
        (90, 25, 1, 8, 2, 1, 3),
        (300, 60, 33, 48, 16, 2, 4),
    ],
)
def test_neighbours_match_sklearn(n_users, n_artists, k, block, dense, threads, seed):
    data = make_data(n_users, n_artists, seed, duplicates=n_users // 10, n_countries=6)
    assert_neighbours_match_sklearn(*data, k, block_size=block, dense_artists=dense, n_threads=threads)


def test_neighbours_tiny_countries_force_cross_country_search():
    # 25 countries for 120 users: most have fewer than k + 1 = 11 users
    data = make_data(120, 20, 7, n_countries=25, no_country=0.05)
    assert_neighbours_match_sklearn(*data, 10, block_size=16, n_threads=2)


def test_neighbours_bound_check_finds_closer_users_abroad():
    # Country 0: single-artist users of different artists, ages 0 and 1, so
    # d^2 >= 2 inside the country; a no-country copy of user 0 is at d^2 = 1
    # and a copy in country 1 at d^2 = 2: both must be found.
    share = sp.csr_matrix(np.eye(6)[[0, 1, 2, 3, 0, 0, 4, 5]])
    baseline = np.full(6, 1 / 6)
    age = np.array([0.0, 1.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0])
    country = np.array([0, 0, 0, 0, -1, 1, 1, 1])
    idx, dist = exact_neighbors(share, baseline, age, country, 2, block_size=2)
    assert idx[0].tolist() == [4, 5]
    np.testing.assert_allclose(dist[0], [1.0, np.sqrt(2.0)])
    for k in (1, 2, 3, 5, 7):
        assert_neighbours_match_sklearn(share, baseline, age, country, k, block_size=2)


def test_neighbours_only_cold_users_and_continuous_ages():
    rng = np.random.default_rng(11)
    n, a = 300, 8
    share = sp.csr_matrix((n, a))
    baseline = rng.random(a)
    baseline /= baseline.sum()
    age = rng.random(n)  # > 128 distinct values: the binned bound
    country = rng.integers(-1, 3, n)
    assert_neighbours_match_sklearn(share, baseline, age, country, 15, block_size=64)


def test_neighbours_duplicates_have_distance_exactly_zero():
    share, baseline, age, country = make_data(60, 10, 5, duplicates=20, no_country=0.0, n_countries=1)
    idx, dist = exact_neighbors(share, baseline, age, country, 5, block_size=16)
    x = feature_matrix(share, baseline, age, country)
    same = np.array([[np.array_equal(x[u], x[v]) for v in idx[u]] for u in range(60)])
    assert (dist[same] == 0.0).all()
    assert (dist[~same] > 0).all()


def test_neighbours_do_not_depend_on_block_size_or_threads():
    data = make_data(250, 40, 9, duplicates=10)
    ref_idx, ref_dist = exact_neighbors(*data, 12, block_size=4096, n_threads=1)
    for block, threads in [(8, 1), (24, 2), (100, 2)]:
        idx, dist = exact_neighbors(*data, 12, block_size=block, n_threads=threads)
        np.testing.assert_allclose(dist, ref_dist, rtol=0, atol=1e-12)


# --------------------------------------------------------------------------
# Weights, scores and recommendations
# --------------------------------------------------------------------------


def test_neighbor_weights():
    d = np.array([[0.0, 1.0], [0.5, 2.0]])
    np.testing.assert_allclose(neighbor_weights(d), [[1.0, 0.5], [0.75, 0.0]])
    np.testing.assert_array_equal(neighbor_weights(np.zeros((3, 2))), np.ones((3, 2)))  # max_d == 0
    assert neighbor_weights(np.zeros((4, 0))).shape == (4, 0)
    with pytest.raises(ValueError, match="finite values >= 0"):
        neighbor_weights(np.array([[-1.0]]))


@pytest.mark.parametrize(
    "n_users, n_artists, neighbors, top_n, seed",
    [
        (60, 25, 5, 4, 0),
        (80, 15, 12, 20, 1),  # top_n larger than what most users can get
        (40, 30, 99, 3, 2),  # neighbors >= n_users: everyone else
        (70, 8, 3, 10, 3),  # few artists: users who heard everything
    ],
)
def test_recommendations_match_reference_loop(n_users, n_artists, neighbors, top_n, seed):
    data = make_data(n_users, n_artists, seed, cold=0.15, n_countries=3)
    ours = recommend_user_knn(*data, neighbors=neighbors, top_n=top_n)
    assert_recs_equal(ours, reference_recommendations(*data, neighbors, top_n))


def test_recommendations_ties_by_artist_index():
    # artists 1, 3 and 4 have identical columns (and baseline): equal scores,
    # which must come out in index order; artist 0 is heard by everyone.
    rng = np.random.default_rng(3)
    n = 30
    base = rng.integers(1, 5, size=(n, 3)).astype(float)
    raw = np.zeros((n, 6))
    raw[:, 0] = 1.0
    raw[:, [1, 3, 4]] = base[:, [0]]
    raw[:, 2] = base[:, 1]
    raw[:, 5] = base[:, 2]
    raw[rng.random((n, 6)) < 0.4] = 0.0
    raw[:, 0] = 1.0
    raw[:, [3, 4]] = raw[:, [1]]
    share = sp.csr_matrix(raw / raw.sum(axis=1, keepdims=True))
    baseline = raw.mean(axis=0) / raw.mean(axis=0).sum()
    share = sp.vstack([share, sp.csr_matrix((2, 6))], format="csr")  # two cold users
    age = rng.integers(0, 3, n + 2) / 2
    country = rng.integers(0, 2, n + 2)
    ours = recommend_user_knn(share, baseline, age, country, neighbors=4, top_n=6)
    ref = reference_recommendations(share, baseline, age, country, 4, 6)
    assert_recs_equal(ours, ref, rtol=0)
    users, _, artists, scores = ours
    tied = [(u, a) for u, a, s in zip(users, artists, scores) if a in (1, 3, 4)]
    assert tied, "the test must produce tied artists"
    for u in np.unique(users):
        tie_artists = [a for uu, a in tied if uu == u]
        assert tie_artists == sorted(tie_artists)


def test_score_top_n_exact_ties_and_cold_neighbours():
    # users 0, 1 warm; 2, 3 cold. Weights 1 (max_d == 0 style).
    share = sp.csr_matrix(np.array([[0.5, 0.5, 0, 0, 0], [0, 0.25, 0.25, 0.25, 0.25], [0] * 5, [0] * 5]))
    baseline = np.array([0.25, 0.25, 0.25, 0.125, 0.125])
    nbr = np.array([[2, 3], [0, 2], [0, 1], [2, 1]])
    w = np.ones((4, 2))
    users, ranks, artists, scores = score_top_n(share, baseline, nbr, w, 10)
    got = {u: list(zip(artists[users == u].tolist(), scores[users == u].tolist())) for u in range(4)}
    # user 0: two cold neighbours -> baseline, minus heard 0 and 1; artists 3, 4 tie
    assert got[0] == [(2, 0.25), (3, 0.125), (4, 0.125)]
    # user 1: (p0 + baseline) / 2 on unheard {0}
    assert got[1] == [(0, 0.375)]
    # user 2 (cold, heard nothing): (p0 + p1) / 2; artists 2, 3, 4 tie at 0.125
    assert got[2] == [(1, 0.375), (0, 0.25), (2, 0.125), (3, 0.125), (4, 0.125)]
    # user 3: (baseline + p1) / 2
    assert got[3] == [(1, 0.25), (2, 0.25), (3, 0.1875), (4, 0.1875), (0, 0.125)]
    assert ranks.tolist() == [1, 2, 3, 1, 1, 2, 3, 4, 5, 1, 2, 3, 4, 5]


def test_users_who_heard_everything_get_nothing():
    share = sp.csr_matrix(np.full((5, 3), 1 / 3))
    baseline = np.full(3, 1 / 3)
    recs = recommend_user_knn(share, baseline, np.zeros(5), np.zeros(5, dtype=np.int64), neighbors=2, top_n=5)
    assert all(len(a) == 0 for a in recs)


def test_zero_scores_are_never_recommended_and_unused_artists_ignored():
    # artists 3..9 are never played and have no baseline mass
    raw = np.zeros((4, 10))
    raw[0, 0] = raw[1, 1] = raw[2, 2] = raw[3, [0, 1]] = 1.0
    share = sp.csr_matrix(raw / raw.sum(axis=1, keepdims=True))
    baseline = np.zeros(10)
    baseline[:3] = [0.4, 0.4, 0.2]
    recs = recommend_user_knn(share, baseline, np.zeros(4), np.zeros(4, dtype=np.int64), neighbors=1, top_n=20)
    assert (recs[3] > 0).all()
    assert set(recs[2].tolist()) <= {0, 1, 2}
    assert_recs_equal(recs, reference_recommendations(share, baseline, np.zeros(4), np.zeros(4, dtype=np.int64), 1, 20))


# --------------------------------------------------------------------------
# Edge cases
# --------------------------------------------------------------------------


def test_one_user_has_no_neighbours_and_no_recommendations():
    share = sp.csr_matrix(np.array([[0.5, 0.5, 0.0]]))
    baseline = np.array([0.5, 0.5, 0.0])
    idx, dist = exact_neighbors(share, baseline, np.zeros(1), np.array([-1]), 5)
    assert idx.shape == dist.shape == (1, 0)
    recs = recommend_user_knn(share, baseline, np.zeros(1), np.array([-1]))
    assert all(len(a) == 0 for a in recs)


def test_two_users():
    share = sp.csr_matrix(np.array([[1.0, 0.0], [0.0, 0.0]]))
    baseline = np.array([0.25, 0.75])
    age = np.array([0.0, 1.0])
    country = np.array([3, -1])
    idx, dist = exact_neighbors(share, baseline, age, country, 99)
    assert idx.tolist() == [[1], [0]]
    expected = np.sqrt(0.75**2 + 0.75**2 + 1 + 1)
    np.testing.assert_allclose(dist, [[expected], [expected]], atol=1e-12)
    # max_d = the one distance: weights 0, so no positive score at all
    recs = recommend_user_knn(share, baseline, age, country)
    assert all(len(a) == 0 for a in recs)


def test_all_users_identical_max_d_zero_weights_one():
    share = sp.csr_matrix(np.tile([[0.5, 0.5, 0, 0]], (4, 1)))
    share = sp.vstack([share, sp.csr_matrix(np.array([[0, 0, 0.5, 0.5]]))], format="csr")
    # users 0..3 identical; with 3 neighbours they only see each other: max_d == 0
    age = np.full(5, 0.5)
    country = np.array([1, 1, 1, 1, 2])
    baseline = np.array([0.4, 0.4, 0.1, 0.1])
    idx, dist = exact_neighbors(share, baseline, age, country, 3)
    assert (dist[:4] == 0).all()
    assert neighbor_weights(dist[:4]).tolist() == np.ones((4, 3)).tolist()
    one = sp.csr_matrix(np.tile([[0.25, 0.25, 0.5]], (3, 1)))
    recs = recommend_user_knn(one, np.array([0.25, 0.25, 0.5]), np.zeros(3), np.zeros(3, dtype=np.int64), 2, 5)
    assert all(len(a) == 0 for a in recs)  # heard everything; weights were 1, no division by 0
    cold = sp.csr_matrix((3, 3))
    users, ranks, artists, scores = recommend_user_knn(
        cold, np.array([0.25, 0.25, 0.5]), np.zeros(3), np.zeros(3, dtype=np.int64), 2, 2
    )
    assert artists.tolist() == [2, 0, 2, 0, 2, 0]  # mean of the baseline with weight 1, ties by index
    np.testing.assert_allclose(scores, [0.5, 0.25] * 3)


def test_no_artists_at_all():
    share = sp.csr_matrix((3, 0))
    idx, dist = exact_neighbors(share, np.zeros(0), np.array([0.0, 0.5, 1.0]), np.array([0, 0, 1]), 1)
    assert idx[:, 0].tolist() == [1, 0, 1]
    recs = recommend_user_knn(share, np.zeros(0), np.array([0.0, 0.5, 1.0]), np.array([0, 0, 1]))
    assert all(len(a) == 0 for a in recs)


def test_progress_lines():
    lines: list[str] = []
    data = make_data(50, 10, 1)
    recommend_user_knn(*data, neighbors=3, top_n=2, progress=lines.append)
    assert any(line.startswith("neighbours: 50/50 users done") for line in lines)
    assert any(line.startswith("scoring: 50/50 users done") for line in lines)


def test_private_scipy_kernels_behave_as_assumed():
    rng = np.random.default_rng(0)
    a = sp.random(7, 9, density=0.3, format="csr", random_state=1)
    b = sp.random(9, 5, density=0.3, format="csr", random_state=2)
    b.indices = b.indices.astype(np.int32)
    np.testing.assert_allclose(distances.spgemm(a, b).toarray(), (a @ b).toarray())
    dense = rng.random((7, 5))
    expected = dense + (a @ b).toarray()
    distances.add_csr_into(sp.csr_matrix(a @ b), dense)  # adds, does not overwrite
    np.testing.assert_allclose(dense, expected)


# --------------------------------------------------------------------------
# Input validation
# --------------------------------------------------------------------------


def good_inputs():
    share = sp.csr_matrix(np.array([[0.5, 0.5], [0.0, 0.0], [1.0, 0.0]]))
    return share, np.array([0.5, 0.5]), np.array([0.0, 0.5, 1.0]), np.array([0, -1, 1])


@pytest.mark.parametrize(
    "change, error, message",
    [
        (lambda s, b, a, c: (s.toarray(), b, a, c), TypeError, "expected a scipy.sparse CSR matrix"),
        (lambda s, b, a, c: (s, b[:1], a, c), ValueError, r"cold_baseline: expected shape \(2,\)"),
        (lambda s, b, a, c: (s, b, a[:2], c), ValueError, r"age_scaled: expected shape \(3,\)"),
        (lambda s, b, a, c: (s, b, a, c[:2]), ValueError, r"country_index: expected shape \(3,\)"),
        (lambda s, b, a, c: (s * np.nan, b, a, c), ValueError, "NaN or inf"),
        (lambda s, b, a, c: (sp.csr_matrix([[1.5, -0.5], [0, 0], [1, 0]]), b, a, c), ValueError, "no negative plays"),
        (lambda s, b, a, c: (sp.csr_matrix([[0.5, 0.2], [0, 0], [1, 0]]), b, a, c), ValueError,
         r"rows \(sum\): 0 \(0.7"),
        (lambda s, b, a, c: (s, np.array([0.5, np.nan]), a, c), ValueError, "cold_baseline: expected finite"),
        (lambda s, b, a, c: (s, np.array([0.2, 0.2]), a, c), ValueError, "summing to 1"),
        (lambda s, b, a, c: (s, b, np.array([0.0, 1.5, 0.2]), c), ValueError,
         r"in \[0, 1\], found at users \(value\): 1 \(1.5"),
        (lambda s, b, a, c: (s, b, np.array([0.0, np.nan, 0.2]), c), ValueError, "age_scaled: expected finite"),
        (lambda s, b, a, c: (s, b, a, np.array([0.0, 1.0, 2.0])), TypeError, "country_index: expected integers"),
        (lambda s, b, a, c: (s, b, a, np.array([0, -2, 1])), ValueError, "country_index: expected integers >= -1"),
    ],
)
def test_input_validation(change, error, message):
    with pytest.raises(error, match=message):
        recommend_user_knn(*change(*good_inputs()))


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"neighbors": 0}, ValueError, "neighbors: expected an integer >= 1, found 0"),
        ({"neighbors": 2.5}, TypeError, "neighbors: expected an integer"),
        ({"neighbors": True}, TypeError, "neighbors: expected an integer"),
        ({"top_n": 0}, ValueError, "top_n: expected an integer >= 1"),
        ({"progress": "yes"}, TypeError, "progress: expected a callable"),
    ],
)
def test_parameter_validation(kwargs, error, message):
    with pytest.raises(error, match=message):
        recommend_user_knn(*good_inputs(), **kwargs)


def test_score_top_n_validation():
    share, baseline, _, _ = good_inputs()
    with pytest.raises(ValueError, match=r"neighbor_indices: expected shape \(3, k\)"):
        score_top_n(share, baseline, np.zeros((2, 1), dtype=int), np.ones((2, 1)), 3)
    with pytest.raises(ValueError, match="weights: expected shape"):
        score_top_n(share, baseline, np.zeros((3, 1), dtype=int), np.ones((3, 2)), 3)
    with pytest.raises(ValueError, match=r"user indices in \[0, 3\)"):
        score_top_n(share, baseline, np.full((3, 1), 3), np.ones((3, 1)), 3)
