"""The scoring step on Apache Spark: the models of lastfm_recs, distributed
with Spark's own primitives, between the intermediate models and the marts
of a Spark build (``python -m lastfm_recs.spark_build``, docs/spark.md).

Open-source Spark runs no dbt Python models, so this step reads the
intermediate tables, scores, and writes the table the recommendations mart
reads as the source ``spark_scoring.int_recommendations_scored``. The maths
is the one of the DuckDB build, from the same pure functions; only the
partitioning is new:

user_knn (docs/spec.md section 2, lastfm_recs.models.user_knn)
    d^2(u, v) = ||p_u - p_v||^2 + (a_u - a_v)^2 + c(u, v), c = 0 inside a
    country (or both without one), 1 when exactly one has no country, 2
    across countries. 1. ``applyInPandas`` grouped by country: the exact k
    nearest inside each country (models.user_knn.exact_neighbors). 2. The same
    cross-country bound as knn's single-machine search: users whose k-th d^2
    so far exceeds 1 search the pool at c = 1 (users with a country: the
    no-country users; users without: every country), grouped by the pool's
    country; then users whose k-th d^2 still exceeds 2 search the other
    countries at c = 2. Each pool task returns at most k candidates per
    query under the query's bound; a window keeps the k nearest. 3. max_d
    over every list (one aggregate), weights 1 - d / max_d, and the scores of
    each block of users (models.user_knn.score_top_n on the block and its neighbours).

ease (lastfm_recs.models.ease)
    G = z^T z summed over blocks of users (one sparse product per block,
    tree-reduced), solved once on the driver (models.ease.ease_weights),
    B broadcast, each block of users scored by models.ease.Ease.

als
    Spark MLlib's ALS with implicit preferences (Hu, Koren & Volinsky 2008):
    the distributed anchor. MLlib scales the regularisation by each user's
    and item's ratings (ALS-WR), so its ``regularization`` is not implicit's;
    the confidence is 1 + alpha * w / mean(w) as in the DuckDB build.

The raw matrices are collected once and broadcast (they are the small part:
12 bytes a play); the work (the quadratic search, the gram matrix, the
scoring) runs in Spark tasks. docs/spark.md has the scaling model.
"""
from __future__ import annotations

import atexit
import json
import os
import shutil
import sys
import tempfile
import time
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from lastfm_recs.dbt_config import configured_params
from lastfm_recs.models.ease import EASE_CHUNK_COLUMNS, Ease, ease_head, ease_weights, profile_columns
from lastfm_recs.models.user_knn import exact_neighbors, neighbor_weights, score_top_n
from lastfm_recs.ranking import top_n_dense
from lastfm_recs.weighting import listeners, weight_plays

#: Models this step scores (the others run on DuckDB only).
SPARK_MODELS = ("user_knn", "ease", "als")
#: The intermediate tables the scoring reads, in load_inputs' order.
SCORING_TABLES = ("int_users_featured", "int_artists_deduplicated_by_mbid", "int_plays_normalised",
                  "int_cold_user_baseline")
#: Users per scoring task (and per gram block).
BLOCK_USERS = 20_000
#: Distance entries (queries x pool users) per dense block of the cross search.
CROSS_BLOCK_ENTRIES = 4_000_000
#: Slack on the k-th d^2 bounds, as knn's search: rounding never drops a neighbour.
_BOUND_SLACK = 1e-10

RECOMMENDATIONS_SCHEMA = "user_index long, rank int, artist_index long, score double"
_NEIGHBORS_SCHEMA = "user_index long, neighbor long, distance double"


@dataclass(frozen=True)
class SparkInputs:
    """What the models score from, collected from the intermediate tables
    (as warehouse_io.ScoringInputs), with the users' country groups.

    plays_share, plays: (n_users, n_artists) CSR; cold users' rows empty.
    cold_baseline: (n_artists,); age_scaled: (n_users,); country_index:
    (n_users,) -1 = none; age_band_index: (n_users,) codes of the sorted
    distinct age bands.
    """

    plays_share: sp.csr_matrix
    plays: sp.csr_matrix
    cold_baseline: np.ndarray
    age_scaled: np.ndarray
    country_index: np.ndarray
    age_band_index: np.ndarray

    @property
    def n_users(self) -> int:
        return self.plays.shape[0]


def load_inputs(users, artists, plays_normalised, cold_baseline) -> SparkInputs:
    """Collect the Spark DataFrames of int_users_featured,
    int_artists_deduplicated_by_mbid, int_plays_normalised and
    int_cold_user_baseline into arrays (the reads of
    warehouse_io.load_scoring_inputs; in a dbt Python model, dbt.ref(...))."""
    users = users.select("user_index", "age_scaled", "country_index", "age_band").toPandas().sort_values("user_index")
    n_users = len(users)
    if not np.array_equal(users["user_index"].to_numpy(), np.arange(n_users)):
        raise ValueError(f"int_users_featured.user_index must number the rows 0..{n_users - 1} without gaps")
    n_artists = artists.count()
    plays = plays_normalised.select("user_index", "artist_index", "plays", "plays_share").toPandas()
    rows, cols = plays["user_index"].to_numpy(np.int64), plays["artist_index"].to_numpy(np.int64)
    shape = (n_users, n_artists)
    baseline_rows = cold_baseline.select("artist_index", "baseline_share").toPandas()
    baseline = np.zeros(n_artists)
    baseline[baseline_rows["artist_index"].to_numpy(np.int64)] = baseline_rows["baseline_share"].to_numpy(np.float64)
    return SparkInputs(
        plays_share=sp.csr_matrix((plays["plays_share"].to_numpy(np.float64), (rows, cols)), shape=shape),
        plays=sp.csr_matrix((plays["plays"].to_numpy(np.float64), (rows, cols)), shape=shape),
        cold_baseline=baseline,
        age_scaled=users["age_scaled"].to_numpy(np.float64),
        country_index=users["country_index"].fillna(-1).to_numpy(np.int64),
        age_band_index=np.unique(users["age_band"].astype(str).to_numpy(), return_inverse=True)[1].astype(np.int64),
    )


def ship_package(spark) -> None:
    """Make lastfm_recs importable in the Python workers of any master (a
    zip of the package added to the SparkContext)."""
    package = Path(__file__).resolve().parent
    target = Path(tempfile.mkdtemp(prefix="lastfm_recs-spark-")) / "lastfm_recs.zip"
    with zipfile.ZipFile(target, "w") as archive:
        for path in package.rglob("*.py"):  # sub-packages too, e.g. lastfm_recs/models/user_knn/
            archive.write(path, f"lastfm_recs/{path.relative_to(package).as_posix()}")
    spark.sparkContext.addPyFile(str(target))


def _blocks_frame(spark, n_users: int, block_users: int):
    """DataFrame (block long, start long, stop long): the blocks of users."""
    starts = list(range(0, n_users, block_users))
    return spark.createDataFrame(
        [(i, s, min(n_users, s + block_users)) for i, s in enumerate(starts)], "block long, start long, stop long")


def _csr_parts(matrix: sp.csr_matrix) -> tuple:
    return matrix.data, matrix.indices, matrix.indptr, matrix.shape


def _csr(parts: tuple) -> sp.csr_matrix:
    return sp.csr_matrix(parts[:3], shape=parts[3])


def _empty(schema: str) -> pd.DataFrame:
    return pd.DataFrame({c.split()[0]: pd.Series(dtype="int64" if "long" in c or "int" in c else "float64")
                         for c in schema.split(", ")})


def _recommendations_frame(user, rank, artist, score) -> pd.DataFrame:
    return pd.DataFrame({"user_index": np.asarray(user, np.int64), "rank": np.asarray(rank, np.int32),
                         "artist_index": np.asarray(artist, np.int64), "score": np.asarray(score, np.float64)})


# --------------------------------------------------------------------------
# user_knn
# --------------------------------------------------------------------------


def nearest_in_pool(query: sp.csr_matrix, query_cold: np.ndarray, query_age: np.ndarray, bound: np.ndarray,
                    pool: sp.csr_matrix, pool_cold: np.ndarray, pool_age: np.ndarray, baseline: np.ndarray,
                    offset: float, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per query row, its at most k nearest pool rows with d^2 <= bound.

    d^2(u, v) = ||p_u - p_v||^2 + (a_u - a_v)^2 + offset, p = the row, or
    ``baseline`` for a cold row (``*_cold``), by the expansion
    ||p_u||^2 + ||p_v||^2 - 2 p_u.p_v (offset >= 1 here, so the expansion's
    rounding, ~1e-16, is far below every distance). Returns (query row, pool
    row, d^2), unordered.
    """
    bb = float(baseline @ baseline)
    q_sq = np.where(query_cold, bb, np.asarray(query.multiply(query).sum(axis=1)).ravel())
    p_sq = np.where(pool_cold, bb, np.asarray(pool.multiply(pool).sum(axis=1)).ravel())
    q_base, p_base = query @ baseline, pool @ baseline  # p.baseline for warm rows
    pool_t = pool.T.tocsr()
    step = max(1, CROSS_BLOCK_ENTRIES // max(1, pool.shape[0]))
    out_q, out_p, out_d = [], [], []
    for s in range(0, query.shape[0], step):
        e = min(query.shape[0], s + step)
        dots = (query[s:e] @ pool_t).toarray()
        cold_q = np.flatnonzero(query_cold[s:e])
        dots[cold_q, :] = p_base[None, :]
        dots[:, pool_cold] = q_base[s:e, None]
        dots[np.ix_(cold_q, np.flatnonzero(pool_cold))] = bb
        d2 = q_sq[s:e, None] + p_sq[None, :] - 2.0 * dots + (query_age[s:e, None] - pool_age[None, :]) ** 2 + offset
        d2[d2 > bound[s:e, None]] = np.inf
        take = min(k, d2.shape[1])
        part = np.argpartition(d2, take - 1, axis=1)[:, :take] if take < d2.shape[1] else \
            np.broadcast_to(np.arange(d2.shape[1]), d2.shape)
        vals = np.take_along_axis(d2, part, axis=1)
        r, c = np.nonzero(np.isfinite(vals))
        out_q.append(r + s)
        out_p.append(part[r, c])
        out_d.append(vals[r, c])
    if not out_q:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    return np.concatenate(out_q), np.concatenate(out_p), np.concatenate(out_d)


def _kept_nearest(candidates, k: int):
    """The k nearest of each user's candidates (ties by neighbour index)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    order = Window.partitionBy("user_index").orderBy("distance", "neighbor")
    return candidates.withColumn("_r", F.row_number().over(order)).where(F.col("_r") <= k).drop("_r")


def user_knn_neighbors(spark, inputs: SparkInputs, k: int, progress: Callable[[str], None] = print):
    """The exact k = min(k, n - 1) nearest neighbours of every user (docs/spec.md section 2),
    as a DataFrame (user_index, neighbor, distance): per country with
    ``applyInPandas``, then the cross-country levels c = 1 and c = 2 for the
    users whose k-th d^2 exceeds c (module docstring)."""
    from pyspark.sql import functions as F

    n = inputs.n_users
    k = min(int(k), n - 1)
    if k < 1:
        return spark.createDataFrame([], _NEIGHBORS_SCHEMA)
    sc = spark.sparkContext
    country = inputs.country_index
    is_cold = np.diff(inputs.plays_share.indptr) == 0
    data = sc.broadcast({
        "plays": _csr_parts(inputs.plays_share), "baseline": inputs.cold_baseline,
        "age": inputs.age_scaled, "country": country, "cold": is_cold,
    })
    users = spark.createDataFrame(
        pd.DataFrame({"user_index": np.arange(n, dtype=np.int64), "country": country}))

    def within_country(frame: pd.DataFrame) -> pd.DataFrame:
        d = data.value
        members = np.sort(frame["user_index"].to_numpy(np.int64))
        k_here = min(k, len(members) - 1)
        if k_here < 1:
            return _empty(_NEIGHBORS_SCHEMA)
        plays = _csr(d["plays"])[members]
        idx, dist = exact_neighbors(plays, d["baseline"], d["age"][members], np.zeros(len(members), np.int64),
                                    k_here, n_threads=1)
        return pd.DataFrame({"user_index": np.repeat(members, k_here), "neighbor": members[idx.ravel()],
                             "distance": dist.ravel()})

    start = time.perf_counter()
    lists = users.groupBy("country").applyInPandas(within_country, _NEIGHBORS_SCHEMA).cache()
    progress(f"user_knn: neighbours within {users.select('country').distinct().count()} countries "
             f"({lists.count():,} pairs) in {time.perf_counter() - start:.1f} s")

    for offset in (1.0, 2.0):
        kth = lists.groupBy("user_index").agg(F.count("*").alias("found"), F.max("distance").alias("kth"))
        kth_d2 = np.full(n, np.inf)
        found = kth.toPandas()
        full = found["found"].to_numpy() >= k
        kth_d2[found["user_index"].to_numpy()[full]] = found["kth"].to_numpy()[full] ** 2
        queries = np.flatnonzero(kth_d2 > offset - 1e-12)
        if offset == 2.0:
            queries = queries[country[queries] >= 0]  # users without a country have no c = 2 pool
        if not len(queries):
            continue
        bound = kth_d2[queries] + _BOUND_SLACK
        query = sc.broadcast({"users": queries, "bound": bound})

        def across_at(offset: float) -> Callable[[pd.DataFrame], pd.DataFrame]:
            # one argument: applyInPandas passes a two-argument function the group key too
            return lambda frame: across(frame, offset)

        def across(frame: pd.DataFrame, offset: float, query=query) -> pd.DataFrame:
            # query bound now: Spark may run the plan after the loop moved on
            d, q = data.value, query.value
            pool_users = np.sort(frame["user_index"].to_numpy(np.int64))
            group = int(d["country"][pool_users[0]])
            q_country = d["country"][q["users"]]
            if offset == 1.0:  # users with a country x no-country pool, or the reverse
                mine = (q_country >= 0) if group < 0 else (q_country < 0)
            else:  # users with a country x the other countries
                mine = (q_country >= 0) & (q_country != group) & (group >= 0)
            rows = np.flatnonzero(mine)
            if not len(rows):
                return _empty(_NEIGHBORS_SCHEMA)
            plays = _csr(d["plays"])
            qu = q["users"][rows]
            qi, pi, d2 = nearest_in_pool(plays[qu], d["cold"][qu], d["age"][qu], q["bound"][rows],
                                         plays[pool_users], d["cold"][pool_users], d["age"][pool_users],
                                         d["baseline"], offset, k)
            return pd.DataFrame({"user_index": qu[qi], "neighbor": pool_users[pi], "distance": np.sqrt(d2)})

        start = time.perf_counter()
        found_across = users.groupBy("country").applyInPandas(across_at(offset), _NEIGHBORS_SCHEMA)
        merged = _kept_nearest(lists.unionByName(found_across), k).cache()
        progress(f"user_knn: {len(queries):,} users searched other countries at c = {offset:.0f} "
                 f"({merged.count():,} pairs) in {time.perf_counter() - start:.1f} s")
        lists.unpersist()
        lists = merged
    return lists


def score_user_knn(spark, inputs: SparkInputs, neighbors: int, top_n: int,
                   progress: Callable[[str], None] = print, block_users: int = BLOCK_USERS):
    """user_knn's recommendations (docs/spec.md section 2) as a DataFrame in
    RECOMMENDATIONS_SCHEMA: user_knn_neighbors, max_d over all lists, then
    models.user_knn.score_top_n per block of users on the block and its neighbours."""
    from pyspark.sql import functions as F

    lists = user_knn_neighbors(spark, inputs, neighbors, progress)
    k = min(int(neighbors), inputs.n_users - 1)
    if k < 1:
        return spark.createDataFrame([], RECOMMENDATIONS_SCHEMA)
    max_d = lists.agg(F.max("distance")).first()[0]
    data = spark.sparkContext.broadcast({"plays": _csr_parts(inputs.plays_share), "baseline": inputs.cold_baseline})
    block_of = lists.withColumn("block", F.floor(F.col("user_index") / block_users))

    def score_block(frame: pd.DataFrame) -> pd.DataFrame:
        d = data.value
        frame = frame.sort_values(["user_index", "distance", "neighbor"])
        users, counts = np.unique(frame["user_index"].to_numpy(np.int64), return_counts=True)
        if (counts != k).any():  # pragma: no cover - guards the search above
            raise RuntimeError(f"user_knn on Spark: user {users[counts != k][0]} has "
                               f"{counts[counts != k][0]} neighbours, expected {k}")
        nbr = frame["neighbor"].to_numpy(np.int64).reshape(-1, k)
        dist = frame["distance"].to_numpy(np.float64).reshape(-1, k)
        # the block's users first, then their other neighbours (rows that
        # score nothing: weight 0 on themselves), renumbered 0..m-1
        others = np.setdiff1d(np.unique(nbr), users)
        local = np.concatenate([users, others])
        order = np.argsort(local)
        local_nbr = order[np.searchsorted(local[order], nbr)]
        all_nbr = np.vstack([local_nbr, np.repeat(np.arange(len(users), len(local))[:, None], k, axis=1)])
        # models.user_knn.neighbor_weights with the global max_d (every d <= max_d)
        weights = neighbor_weights(np.hstack([dist, np.full((len(users), 1), max_d)]))[:, :k]
        all_weights = np.vstack([weights, np.zeros((len(others), k))])
        user, rank, artist, score = score_top_n(_csr(d["plays"])[local], d["baseline"], all_nbr, all_weights,
                                                top_n, n_threads=1)
        mine = user < len(users)
        return _recommendations_frame(local[user[mine]], rank[mine], artist[mine], score[mine])

    return block_of.groupBy("block").applyInPandas(score_block, RECOMMENDATIONS_SCHEMA)


# --------------------------------------------------------------------------
# ease
# --------------------------------------------------------------------------


def _ease_rows(plays: sp.csr_matrix, country: np.ndarray, band: np.ndarray, widths: tuple[int, int],
               head: np.ndarray, weighting: str, country_weight: float, age_band_weight: float):
    """w_H and the profile columns of a block of users, as fit_ease builds
    them; ``widths`` = (countries, age bands) of the whole data, so every
    block has the same columns (a last row with the largest codes sets them)."""
    weighted_head = sp.csr_matrix(weight_plays(plays, weighting)[:, head])
    profile = profile_columns(np.append(country, widths[0] - 1), np.append(band, widths[1] - 1),
                              country_weight, age_band_weight)[:-1]
    return weighted_head, sp.csr_matrix(profile)


def score_ease(spark, inputs: SparkInputs, top_n: int, *, artists: int = 5000, l2: float = 500.0,
               weighting: str = "binary", country_weight: float = 0.0, age_band_weight: float = 0.0,
               progress: Callable[[str], None] = print, block_users: int = BLOCK_USERS):
    """ease's recommendations (models.ease.fit_ease's model) as a DataFrame
    in RECOMMENDATIONS_SCHEMA: G summed over blocks of users, B solved once
    and broadcast, every block scored by models.ease.Ease."""
    if weighting not in ("binary", "log"):
        # tfidf and bm25 weigh with statistics of all users; not written for blocks yet
        raise ValueError(f"ease on Spark: weighting must be binary or log, found {weighting!r}")
    sc = spark.sparkContext
    n = inputs.n_users
    count = listeners(inputs.plays)
    popular, head = ease_head(count, int(artists))
    widths = (int(inputs.country_index.max()) + 1, int(inputs.age_band_index.max()) + 1)
    settings = (head, weighting, float(country_weight), float(age_band_weight))
    data = sc.broadcast({"plays": _csr_parts(inputs.plays), "country": inputs.country_index,
                         "band": inputs.age_band_index})
    blocks = [(s, min(n, s + block_users)) for s in range(0, n, block_users)]

    def partial_gram(block: tuple[int, int]) -> sp.csr_matrix:
        d = data.value
        s, e = block
        w, profile = _ease_rows(_csr(d["plays"])[s:e], d["country"][s:e], d["band"][s:e], widths, *settings)
        z = sp.hstack([w, profile], format="csr")
        return (z.T @ z).tocsr()

    start = time.perf_counter()
    gram = sc.parallelize(blocks, len(blocks)).map(partial_gram).treeReduce(lambda a, b: a + b)
    progress(f"ease: gram of {gram.shape[0]:,} columns summed over {len(blocks)} blocks "
             f"in {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    weights = ease_weights(gram.toarray(), float(l2), overwrite_gram=True)[:, :len(head)].astype(np.float32)
    del gram
    progress(f"ease: solved once on the driver in {time.perf_counter() - start:.1f} s")
    model = sc.broadcast(tuple(np.ascontiguousarray(weights[:, c:c + EASE_CHUNK_COLUMNS])
                               for c in range(0, len(head), EASE_CHUNK_COLUMNS)))
    del weights

    def score_block(frame: pd.DataFrame) -> pd.DataFrame:
        d = data.value
        s, e = int(frame["start"].iloc[0]), int(frame["stop"].iloc[0])
        plays = _csr(d["plays"])[s:e]
        w, profile = _ease_rows(plays, d["country"][s:e], d["band"][s:e], widths, *settings)
        fitted = Ease(head=head, weight_chunks=model.value, weighted_head=w.astype(np.float32),
                      profile=profile.astype(np.float32), seen=plays, popular=popular, listeners=count, n_users=n)
        user, rank, artist, score = fitted.recommend(np.arange(e - s), top_n)
        return _recommendations_frame(user + s, rank, artist, score)

    return _blocks_frame(spark, n, block_users).groupBy("block").applyInPandas(score_block, RECOMMENDATIONS_SCHEMA)


# --------------------------------------------------------------------------
# als
# --------------------------------------------------------------------------


def spark_session(app_name: str = "lastfm-recs"):
    """The active Spark session, or a new one for this process: master
    SPARK_MASTER (default local[2]), driver memory SPARK_DRIVER_MEMORY (2g),
    SPARK_SHUFFLE_PARTITIONS (8), bound to 127.0.0.1, no web UI (as the
    spark target of profiles.yml). RuntimeError naming the install when
    pyspark is missing."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as error:
        raise RuntimeError("this needs Apache Spark's pyspark: run `make venv-spark` "
                           "(requirements-spark.txt, docs/spark.md)") from error
    # pyspark 4.3 warns on every pandas conversion that it predates pandas 3
    # (the pinned one); the conversions it does here are checked by the tests
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    warnings.filterwarnings("ignore", message="The copy keyword is deprecated", module="pyspark")
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # workers: this venv's interpreter
    builder = SparkSession.builder.master(os.environ.get("SPARK_MASTER", "local[2]")).appName(app_name)
    for key, value in {"spark.driver.memory": os.environ.get("SPARK_DRIVER_MEMORY", "2g"),
                       "spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1",
                       "spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false",
                       "spark.log.level": "ERROR",
                       "spark.sql.shuffle.partitions": os.environ.get("SPARK_SHUFFLE_PARTITIONS", "8"),
                       "spark.sql.execution.arrow.pyspark.enabled": "true"}.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


# ALS's factors after this many sweeps are checkpointed (written out, their
# lineage cut): every sweep adds to the lineage Spark serialises with each
# task, and past about 15 sweeps (fewer on a busy machine, where frames are
# still interpreted and larger) deserialising it overflows a task thread's
# stack, a StackOverflowError that kills the JVM.
ALS_CHECKPOINT_INTERVAL = 5


def ensure_checkpoint_dir(spark) -> str:
    """The Spark context's checkpoint directory, set when it has none: to
    SPARK_CHECKPOINT_DIR, else, on a local master, to a temporary directory
    removed when this process exits. A cluster without one is refused: its
    executors need a directory they all reach (an hdfs:// or shared path)."""
    context = spark.sparkContext
    current = context.getCheckpointDir()
    if current:
        return current
    directory = os.environ.get("SPARK_CHECKPOINT_DIR", "")
    if not directory:
        if not context.master.startswith("local"):
            raise RuntimeError(f"MLlib's ALS on the Spark master {context.master} needs a checkpoint directory every "
                               "executor can reach: set SPARK_CHECKPOINT_DIR (e.g. an hdfs:// path; docs/spark.md)")
        directory = tempfile.mkdtemp(prefix="lastfm-recs-spark-checkpoints-")
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
    context.setCheckpointDir(directory)
    return context.getCheckpointDir()


def fit_mllib_als(spark, plays: sp.csr_matrix, *, factors: int, regularization: float, alpha: float,
                  iterations: int, weighting: str, seed: int):
    """Spark MLlib's ALS (implicitPrefs) on the weighted plays: ratings
    r = w / mean(w), so the confidence is 1 + alpha r as in
    factorization.fit_als; ``regParam`` = regularization, which MLlib scales
    per user and item by their number of ratings (ALS-WR), so values tuned
    for implicit do not carry over. Returns (the fitted ALSModel, the item
    factors as an (A, factors) float32 array; zero rows for artists without
    a rating)."""
    from pyspark.ml.recommendation import ALS

    ensure_checkpoint_dir(spark)
    confidence = weight_plays(plays, weighting).tocoo()
    mean = float(confidence.data.mean()) if confidence.nnz else 1.0
    ratings = spark.createDataFrame(pd.DataFrame({
        "user": confidence.row.astype(np.int32), "item": confidence.col.astype(np.int32),
        "rating": (confidence.data / mean).astype(np.float32)}))
    fitted = ALS(rank=int(factors), maxIter=int(iterations), regParam=float(regularization), alpha=float(alpha),
                 implicitPrefs=True, userCol="user", itemCol="item", ratingCol="rating", seed=int(seed),
                 nonnegative=False, coldStartStrategy="drop",
                 checkpointInterval=ALS_CHECKPOINT_INTERVAL).fit(ratings)
    return fitted, factor_array(fitted.itemFactors, plays.shape[1], int(factors))


def factor_array(frame, rows: int, factors: int) -> np.ndarray:
    """MLlib's factor DataFrame (id, features) as a dense (rows, factors) float32 array."""
    collected = frame.toPandas()
    array = np.zeros((rows, factors), dtype=np.float32)
    if len(collected):
        array[collected["id"].to_numpy()] = np.stack(collected["features"].to_numpy())
    return array


def score_als(spark, inputs: SparkInputs, top_n: int, *, factors: int = 64, regularization: float = 0.01,
              alpha: float = 1.0, iterations: int = 15, weighting: str = "binary", seed: int = 0,
              progress: Callable[[str], None] = print, block_users: int = BLOCK_USERS, **_ignored):
    """als with Spark MLlib's ALS (fit_mllib_als); the item factors broadcast
    and every block of users scored with ranking.top_n_dense. Returns a
    DataFrame in RECOMMENDATIONS_SCHEMA."""
    start = time.perf_counter()
    fitted, item_factors = fit_mllib_als(spark, inputs.plays, factors=factors, regularization=regularization,
                                         alpha=alpha, iterations=iterations, weighting=weighting, seed=seed)
    progress(f"als: MLlib ALS fitted in {time.perf_counter() - start:.1f} s")
    item_t = spark.sparkContext.broadcast(np.ascontiguousarray(item_factors.T))
    seen = spark.sparkContext.broadcast(_csr_parts(inputs.plays))
    user_factors = fitted.userFactors.withColumnRenamed("id", "user_index")

    def score_block(frame: pd.DataFrame) -> pd.DataFrame:
        users = frame["user_index"].to_numpy(np.int64)
        factors_here = np.stack(frame["features"].to_numpy()).astype(np.float32)
        row, rank, artist, score = top_n_dense(factors_here @ item_t.value, _csr(seen.value)[users], top_n)
        return _recommendations_frame(users[row], rank, artist, score)

    from pyspark.sql import functions as F

    return (user_factors.withColumn("block", F.floor(F.col("user_index") / block_users))
            .groupBy("block").applyInPandas(score_block, RECOMMENDATIONS_SCHEMA))


# --------------------------------------------------------------------------
# The step
# --------------------------------------------------------------------------


def score(spark, inputs: SparkInputs, model: str, params: dict[str, dict], neighbors: int, top_n: int,
          progress: Callable[[str], None] = print):
    """The recommendations of ``model`` (one of SPARK_MODELS) with its
    ``params[model]``, as a DataFrame in RECOMMENDATIONS_SCHEMA."""
    own = dict(params.get(model) or {})
    if model == "user_knn":
        return score_user_knn(spark, inputs, neighbors, top_n, progress)
    if model == "ease":
        return score_ease(spark, inputs, top_n, progress=progress, **own)
    if model == "als":
        return score_als(spark, inputs, top_n, progress=progress, **own)
    raise ValueError(f"model {model!r} does not run on Spark; expected one of {', '.join(SPARK_MODELS)} "
                     "(set var model, e.g. --vars '{model: ease}')")


def run_scoring_step(spark, schema: str, progress: Callable[[str], None] = print) -> int:
    """The step of a Spark build: read int_scoring_config and the inputs from
    ``schema``, score, and write ``schema``.int_recommendations_scored
    (Parquet). Returns the number of recommendations."""
    config = spark.table(f"{schema}.int_scoring_config").first()
    params = configured_params(json.loads(config["model_params"] or "{}"), int(config["neighbors"]))
    start = time.perf_counter()
    inputs = load_inputs(*(spark.table(f"{schema}.{name}") for name in SCORING_TABLES))
    progress(f"inputs: {inputs.n_users:,} users, {inputs.plays.shape[1]:,} artists, {inputs.plays.nnz:,} plays "
             f"collected in {time.perf_counter() - start:.1f} s")
    ship_package(spark)
    scored = score(spark, inputs, config["model"], params, int(config["neighbors"]), int(config["top_n"]), progress)
    scored.write.mode("overwrite").format("parquet").saveAsTable(f"{schema}.int_recommendations_scored")
    return spark.table(f"{schema}.int_recommendations_scored").count()


__all__ = ["SPARK_MODELS", "SCORING_TABLES", "SparkInputs", "load_inputs", "nearest_in_pool", "user_knn_neighbors",
           "score_user_knn", "score_ease", "spark_session", "ensure_checkpoint_dir", "fit_mllib_als", "factor_array",
           "score_als", "score", "run_scoring_step", "ship_package"]
