"""The serving file BI tools open (docs/spec.md section 3, LASTFM_SERVING_DB; docs/bi-tools.md).

- publish() (python/lastfm_recs/serving.py) on small tables: atomic
  replacement, sorted tables, views without catalog names, a failure leaves
  the old file untouched;
- `dbt build` on the sample publishes after every test of the marts, into a
  file that DuckDB 1.1 and 1.5, the duckdb CLI and SQLAlchemy + duckdb-engine
  (Superset's way) open read-only, in throwaway virtualenvs cached under
  .pytest_cache (they need PyPI the first time);
- a full rebuild succeeds while a reader holds the serving file open; that
  reader keeps seeing the old publication, whole, and a new connection sees
  the new one; a failed build leaves the serving file as it was.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

import dbt_runs
from dbt_runs import SAMPLE
from lastfm_recs import serving

READER = Path(__file__).resolve().parent / "read_serving_file.py"

PUBLISHED_TABLES = {
    "recommendations",
    "users",
    "artists",
    "artist_popularity_by_country",
    "rejects",
    "load_summary",
    "recommendation_reasons",
    "similar_artists",
    "artist_weights",
    "model_info",
    serving.PUBLICATION_INFO,
}
#: The serving views: dbt models in models/marts/serving, copied by the publication.
PUBLISHED_VIEWS = {"user_recommendations", "recommended_artists_by_country"}

#: Old DuckDB clients the serving file must serve: a name -> the pip packages
#: of its throwaway virtualenv. 1.1.x is the oldest the issue promises; 1.5.x
#: also gets the duckdb CLI and duckdb-engine with Superset's SQLAlchemy.
OLD_READERS = {
    "duckdb-1.1.3": ["duckdb==1.1.3"],
    "duckdb-1.5.6": ["duckdb==1.5.6", "duckdb-cli==1.5.6", "duckdb-engine==0.17.0", "SQLAlchemy==1.4.54"],
}


# --- publish() on small tables -----------------------------------------------


@pytest.fixture()
def small_warehouse(tmp_path) -> duckdb.DuckDBPyConnection:
    """A warehouse with tiny recommendations / users / artists tables, rows
    deliberately out of user order."""
    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    con.execute(
        "create table users as select 'u' || i as user_id, 'f' as gender, '18-24' as age_band, "
        "'Japan' as country, 'JP' as country_iso2, 'Asia' as country_region, false as is_cold "
        "from range(4) t(i)"
    )
    con.execute(
        "create table artists as select 'a' || i as artist_mbid, 'Artist ' || i as artist_name, "
        "2 as listeners from range(3) t(i)"
    )
    con.execute(
        "create table recommendations as select 'u' || (3 - i % 4) as user_id, (i // 4 + 1)::integer as rank, "
        "'a' || (i % 3) as artist_mbid, 'Artist ' || (i % 3) as artist_name, 1.0 / (i + 1) as score "
        "from range(12) t(i)"
    )
    # a view as dbt builds it (models/marts/serving): no catalog in its SQL
    con.execute(
        "create view user_recommendations as select recommendations.user_id, recommendations.rank, "
        "users.country as user_country from recommendations "
        "inner join users on recommendations.user_id = users.user_id"
    )
    con.execute("comment on view user_recommendations is 'Recommendations with the user''s country.'")
    con.execute("comment on table users is 'One row per user.'")
    yield con
    con.close()


SMALL_SOURCES = {name: f"select * from {name}" for name in ("recommendations", "users", "artists")}
SMALL_VIEWS = {"user_recommendations"}


def test_warehouse_views_and_comments_are_read_back(small_warehouse):
    (view,) = serving.warehouse_views(small_warehouse, ["user_recommendations"])
    assert view.name == "user_recommendations"
    assert view.description == "Recommendations with the user's country."
    assert view.sql.lower().startswith("select") and "wh." not in view.sql
    assert serving.warehouse_comments(small_warehouse, ["users", "artists"]) == {"users": "One row per user."}
    with pytest.raises(serving.PublicationError, match="no_such_view is not in the warehouse"):
        serving.warehouse_views(small_warehouse, ["no_such_view"])


def test_default_serving_path_is_beside_the_warehouse():
    assert serving.default_serving_path("/data/wh/lastfm.duckdb") == Path("/data/wh/lastfm_serving.duckdb")
    assert serving.default_serving_path("my.project/warehouse") == Path("my.project/warehouse_serving.duckdb")


def test_serving_path_comes_from_the_setting_or_sits_beside_the_warehouse(small_warehouse, tmp_path):
    assert serving.resolve_serving_path("", small_warehouse) == tmp_path / "wh_serving.duckdb"
    assert serving.resolve_serving_path(str(tmp_path / "bi.duckdb"), small_warehouse) == tmp_path / "bi.duckdb"
    with pytest.raises(serving.PublicationError, match="is the warehouse file"):
        serving.resolve_serving_path(str(tmp_path / "wh.duckdb"), small_warehouse)
    with duckdb.connect() as in_memory, pytest.raises(serving.PublicationError, match="set LASTFM_SERVING_DB"):
        serving.resolve_serving_path(None, in_memory)


def test_publish_writes_sorted_tables_and_portable_views(small_warehouse, tmp_path):
    target = tmp_path / "bi" / "serving.duckdb"
    publication = serving.publish(
        small_warehouse, SMALL_SOURCES, target,
        views=serving.warehouse_views(small_warehouse, sorted(SMALL_VIEWS)),
        descriptions={"users": "One row per user."},
    )
    assert publication.serving_path == target
    assert publication.table_rows == {"recommendations": 12, "users": 4, "artists": 3}
    assert set(publication.views) == SMALL_VIEWS
    assert sorted(os.listdir(target.parent)) == ["serving.duckdb"]  # no staging file left

    with duckdb.connect(str(target), read_only=True) as con:
        keys = con.execute("select user_id, rank from recommendations").fetchall()
        assert keys == sorted(keys), "recommendations must be stored in (user_id, rank) order"
        for (sql,) in con.execute("select sql from duckdb_views() where not internal").fetchall():
            assert "wh." not in sql and "/" not in sql, f"a view names a catalog or path: {sql}"
        info = dict(con.execute("select object_name, row_count from publication_info").fetchall())
        assert info == {"recommendations": 12, "users": 4, "artists": 3, **{v: None for v in SMALL_VIEWS}}
        assert con.execute("select count(*) from user_recommendations where user_id = 'u1'").fetchall() == [(3,)]
        described = dict(con.execute("select object_name, description from publication_info").fetchall())
        assert described["users"] == "One row per user."
        assert described["user_recommendations"] == "Recommendations with the user's country."
        assert con.execute("select comment from duckdb_tables() where table_name = 'users'").fetchall() == [
            ("One row per user.",)
        ]


def test_publish_replaces_the_file_atomically(small_warehouse, tmp_path):
    target = tmp_path / "serving.duckdb"
    serving.publish(small_warehouse, SMALL_SOURCES, target)
    first_inode = target.stat().st_ino
    small_warehouse.execute("delete from recommendations where rank > 1")
    serving.publish(small_warehouse, SMALL_SOURCES, target)
    assert target.stat().st_ino != first_inode, "a new file must be renamed into place, not rewritten"
    with duckdb.connect(str(target), read_only=True) as con:
        assert con.execute("select max(rank) from recommendations").fetchall() == [(1,)]


def test_a_failed_publication_leaves_the_old_file_untouched(small_warehouse, tmp_path):
    target = tmp_path / "serving.duckdb"
    serving.publish(small_warehouse, SMALL_SOURCES, target)
    before = file_state(target)
    broken = {**SMALL_SOURCES, "users": "select * from no_such_table"}
    with pytest.raises(serving.PublicationError, match="previous serving file is untouched"):
        serving.publish(small_warehouse, broken, target)
    assert file_state(target) == before
    assert not [name for name in os.listdir(tmp_path) if ".publishing-" in name], "staging file left behind"


# --- dbt build publishes ------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """A warehouse and its serving file in a temporary directory."""

    workdir: Path
    warehouse: Path
    serving_db: Path


def run_dbt(site: Site, data_dir: Path, *args: str, target: str = "target",
            dbt_vars: dict | None = None) -> subprocess.CompletedProcess:
    """A dbt command on the site's files, the artifacts in workdir/<target>."""
    return dbt_runs.run_dbt(site.workdir, *args, data_dir=data_dir, dbt_vars=dbt_vars, db=site.warehouse,
                            serving_db=site.serving_db, target=target)


def dbt_build(site: Site, data_dir: Path, dbt_vars: dict | None = None) -> subprocess.CompletedProcess:
    """`dbt build` of data_dir into the site's warehouse and serving file."""
    return run_dbt(site, data_dir, "build", dbt_vars=dbt_vars)


def run_results(site: Site) -> dict[str, dict]:
    """The last dbt invocation's results by unique_id."""
    results = json.loads((site.workdir / "target" / "run_results.json").read_text())["results"]
    return {result["unique_id"]: result for result in results}


def file_state(path: Path) -> tuple:
    """Inode, size, mtime and content hash of a file."""
    stat = path.stat()
    return stat.st_ino, stat.st_size, stat.st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest()


def publication_state(con) -> tuple:
    """What a reader sees: when the file was published and a checksum of the
    recommendations (rows, max rank, sum of scores)."""
    published = con.execute("select max(published_at_utc) from publication_info").fetchall()[0][0]
    rows, max_rank, score_sum = con.execute(
        "select count(*), max(rank), round(sum(score), 9) from recommendations"
    ).fetchall()[0]
    return str(published), rows, max_rank, score_sum


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Site:
    """The sample built once; the serving file in another directory than the warehouse."""
    workdir = tmp_path_factory.mktemp("serving")
    built = Site(workdir, workdir / "lastfm.duckdb", workdir / "bi" / "lastfm_serving.duckdb")
    result = dbt_build(built, SAMPLE)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    return built


def test_build_publishes_every_mart_after_every_test(site):
    assert site.serving_db.exists()
    results = run_results(site)
    publication = results["model.lastfm_recs.serving_publication"]
    assert publication["status"] == "success"
    started = next(t["started_at"] for t in publication["timing"] if t["name"] == "execute")
    manifest = json.loads((site.workdir / "target" / "manifest.json").read_text())
    ancestors = ancestors_of("model.lastfm_recs.serving_publication", manifest["parent_map"])
    guarding = [
        uid for uid, result in results.items()
        if uid.startswith("test.") and set(manifest["parent_map"][uid]) <= ancestors
    ]
    assert len(guarding) > 40, "the marts' tests must guard the publication"
    for uid in guarding:
        finished = max(t["completed_at"] for t in results[uid]["timing"])
        assert finished <= started, f"{uid} finished after the publication started"

    with duckdb.connect(str(site.warehouse), read_only=True) as wh, \
            duckdb.connect(str(site.serving_db), read_only=True) as srv:
        def count(con, table: str) -> int:
            return con.execute(f"select count(*) from {table}").fetchall()[0][0]

        recorded = wh.execute(
            "select serving_path, storage_version, recommendations_rows from serving_publication"
        ).fetchall()
        assert recorded == [(str(site.serving_db), serving.STORAGE_VERSION, count(wh, "recommendations"))]
        objects = dict(srv.execute("select table_name, table_type from information_schema.tables").fetchall())
        assert {n for n, kind in objects.items() if kind == "BASE TABLE"} == PUBLISHED_TABLES
        assert {n for n, kind in objects.items() if kind == "VIEW"} == PUBLISHED_VIEWS
        for table in PUBLISHED_TABLES - {serving.PUBLICATION_INFO}:
            assert count(srv, table) == count(wh, table), table
        for view in PUBLISHED_VIEWS:  # the dbt view models, copied
            assert count(srv, view) == count(wh, view), view
        undescribed = srv.execute(
            "select object_name from publication_info where coalesce(description, '') = ''"
        ).fetchall()
        assert undescribed == [], "every published table and view needs its dbt description"
        tags = srv.execute(
            "select tags['storage_version'] from duckdb_databases() where database_name = current_database()"
        ).fetchall()
        assert tags == [("v1.0.0+",)], "the serving file must be in the storage format of DuckDB 1.0/1.1"


def test_docs_generate_documents_the_serving_models_and_exposures(site):
    result = run_dbt(site, SAMPLE, "docs", "generate", target="docs")
    assert result.returncode == 0, result.stdout[-5000:]
    docs = site.workdir / "docs"
    catalog = json.loads((docs / "catalog.json").read_text())["nodes"]
    assert {"model.lastfm_recs.serving_publication", "model.lastfm_recs.artist_popularity_by_country"} <= set(catalog)
    exposures = json.loads((docs / "manifest.json").read_text())["exposures"].values()
    assert {e["type"] for e in exposures} >= {"dashboard", "analysis"}
    for exposure in exposures:
        assert "model.lastfm_recs.serving_publication" in exposure["depends_on"]["nodes"], exposure["name"]
        assert exposure["owner"]["name"], exposure["name"]
    assert (docs / "index.html").exists()


def ancestors_of(node: str, parent_map: dict[str, list[str]]) -> set[str]:
    """Every node upstream of node in the dbt graph."""
    seen: set[str] = set()
    todo = list(parent_map.get(node, []))
    while todo:
        parent = todo.pop()
        if parent not in seen:
            seen.add(parent)
            todo.extend(parent_map.get(parent, []))
    return seen


# --- old DuckDB, the duckdb CLI and SQLAlchemy read it -----------------------


def reader_cache_dir(config: pytest.Config) -> Path:
    """Where the reader virtualenvs live: pytest's cache directory, or the
    system temp directory when the cache plugin is off."""
    if getattr(config, "cache", None) is not None:
        return config.cache.mkdir("serving-readers")
    return Path(tempfile.gettempdir()) / "lastfm-recs-serving-readers"


def reader_venv(cache_dir: Path, packages: list[str]) -> Path:
    """A virtualenv with the given pip packages, created once and reused
    (keyed by the package list); returns its bin directory."""
    venv = cache_dir / hashlib.sha256(" ".join(packages).encode()).hexdigest()[:16]
    bin_dir = venv / "bin"
    if not (venv / ".complete").exists():
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
        install = subprocess.run(
            [str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *packages],
            capture_output=True, text=True, timeout=900,
        )
        assert install.returncode == 0, (
            f"pip install {' '.join(packages)} failed (it needs PyPI):\n{install.stderr[-3000:]}"
        )
        (venv / ".complete").write_text(" ".join(packages))
    return bin_dir


def read_with(python: Path | str, serving_db: Path) -> dict:
    """Run tests/read_serving_file.py under the given Python."""
    result = subprocess.run([str(python), str(READER), str(serving_db)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def expected_counts(serving_db: Path) -> dict[str, int]:
    with duckdb.connect(str(serving_db), read_only=True) as con:
        names = PUBLISHED_TABLES | PUBLISHED_VIEWS
        return {name: con.execute(f"select count(*) from {name}").fetchall()[0][0] for name in names}


def assert_reads_everything(found: dict, expected: dict[str, int], who: str) -> None:
    assert found["counts"] == expected, f"{who} reads other tables or counts"
    assert found["lookup_rows"] > 0, f"{who}: no recommendations for a user"
    assert found["write_refused"], f"{who}: the connection is not read-only"


@pytest.mark.parametrize("reader", sorted(OLD_READERS))
def test_old_duckdb_reads_every_table_and_view(site, reader, request):
    bin_dir = reader_venv(reader_cache_dir(request.config), OLD_READERS[reader])
    found = read_with(bin_dir / "python", site.serving_db)
    assert found["duckdb"]["duckdb_version"] == reader.removeprefix("duckdb-")
    assert_reads_everything(found["duckdb"], expected_counts(site.serving_db), reader)
    if "duckdb-engine" in " ".join(OLD_READERS[reader]):
        for form in ("uri", "connect_args"):
            assert_reads_everything(found["sqlalchemy"][form], expected_counts(site.serving_db), f"{reader} {form}")
    if (bin_dir / "duckdb").exists():  # the duckdb command-line client, as in the README
        cli = subprocess.run(
            [str(bin_dir / "duckdb"), "-readonly", "-json", str(site.serving_db),
             "-c", "select count(*) as n from user_recommendations"],
            capture_output=True, text=True, timeout=120,
        )
        assert cli.returncode == 0, cli.stderr
        assert json.loads(cli.stdout) == [{"n": expected_counts(site.serving_db)["user_recommendations"]}]


def test_sqlalchemy_duckdb_engine_reads_it_like_superset(site):
    found = read_with(sys.executable, site.serving_db)
    assert found["sqlalchemy"] is not None, "duckdb-engine and SQLAlchemy are in requirements.txt"
    for form in ("uri", "connect_args"):
        assert_reads_everything(found["sqlalchemy"][form], expected_counts(site.serving_db), form)


# --- builds never blocked, readers never see half a build ---------------------

#: Prints publication_state() of the serving file (argv[1]) through a new
#: connection of a fresh process, once, or every 50 ms until the file argv[2]
#: exists. (A process that still has the file open would get its cached
#: DuckDB instance of the old file instead of a new connection.)
READ_STATE = """
import duckdb, json, sys, time
from pathlib import Path
def state(path):
    with duckdb.connect(path, read_only=True) as con:
        published = con.execute("select max(published_at_utc) from publication_info").fetchall()[0][0]
        rows, max_rank, score_sum = con.execute(
            "select count(*), max(rank), round(sum(score), 9) from recommendations").fetchall()[0]
    return [str(published), rows, max_rank, score_sum]
if len(sys.argv) == 2:
    print(json.dumps(state(sys.argv[1])))
while len(sys.argv) == 3 and not Path(sys.argv[2]).exists():
    try:
        print(json.dumps(state(sys.argv[1])), flush=True)
    except Exception as error:
        print(json.dumps({"error": str(error)}), flush=True)
    time.sleep(0.05)
"""


def test_rebuild_while_a_reader_holds_the_serving_file(site):
    old = duckdb.connect(str(site.serving_db), read_only=True)
    before = publication_state(old)
    old_inode = site.serving_db.stat().st_ino

    # The open connection keeps reading during the build, from another thread ...
    seen_by_open: list[tuple] = []
    building = threading.Event()
    building.set()

    def keep_reading() -> None:
        cursor = old.cursor()
        while building.is_set():
            seen_by_open.append(publication_state(cursor))
            time.sleep(0.05)
        cursor.close()

    reader = threading.Thread(target=keep_reading)
    reader.start()
    # ... and another process opens a new connection every 50 ms.
    stop = site.workdir / "stop-poller"
    poller = subprocess.Popen(
        [sys.executable, "-c", READ_STATE, str(site.serving_db), str(stop)], stdout=subprocess.PIPE, text=True
    )
    try:
        result = dbt_build(site, SAMPLE, {"top_n": 5})
    finally:
        building.clear()
        reader.join()
        stop.touch()
        polled = [json.loads(line) for line in poller.communicate(timeout=60)[0].splitlines()]

    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    assert run_results(site)["model.lastfm_recs.serving_publication"]["status"] == "success"
    # the open connection saw the old publication, whole, all along
    assert len(seen_by_open) > 10
    assert set(seen_by_open) == {before}
    assert publication_state(old) == before
    old.close()
    # a new connection sees the new one
    after = tuple(read_state_in_new_process(site.serving_db))
    assert after[0] > before[0] and after[2] == 5 and before[2] == 20
    assert site.serving_db.stat().st_ino != old_inode
    # connections opened during the build saw the old or the new publication, never anything else
    assert not [p for p in polled if isinstance(p, dict)], f"a new connection failed during the build: {polled}"
    assert len(polled) > 10 and tuple(polled[0]) == before, "new connections must be served during the build"
    assert {tuple(p) for p in polled} <= {before, after}


def read_state_in_new_process(serving_db: Path) -> list:
    """publication_state() through a new connection of a fresh process."""
    result = subprocess.run(
        [sys.executable, "-c", READ_STATE, str(serving_db)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def test_a_failed_build_leaves_the_serving_file_untouched(site, tmp_path):
    before = file_state(site.serving_db)
    # the two raw files swapped: the models run, the input guard fails mid-build
    # (a plays file that is not UTF-8 used to stop the build; its lines are now rejected)
    broken = tmp_path / "broken"
    broken.mkdir()
    shutil.copy(SAMPLE / "usersha1-profile.tsv", broken / "usersha1-artmbid-artname-plays.tsv")
    shutil.copy(SAMPLE / "usersha1-artmbid-artname-plays.tsv", broken / "usersha1-profile.tsv")

    result = dbt_build(site, broken)
    assert result.returncode != 0, "swapped raw files no longer fail the build: break it another way"
    results = run_results(site)
    assert results["test.lastfm_recs.assert_inputs_are_plausible"]["status"] == "error"
    assert results["model.lastfm_recs.serving_publication"]["status"] == "skipped"
    assert file_state(site.serving_db) == before
    assert sorted(os.listdir(site.serving_db.parent)) == [site.serving_db.name]
