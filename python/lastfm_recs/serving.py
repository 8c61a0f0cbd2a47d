"""Publishing the marts to the serving file, the DuckDB file BI tools open.

The warehouse (LASTFM_DB) is written by `dbt build` in DuckDB 2.0's storage
format, which DuckDB 1.x cannot read, and it is locked while a build runs.
BI tools open a separate serving file instead, which this module writes:

- in storage compatibility version v1.1.0, so DuckDB 1.1 and later (the
  DuckDB inside Metabase's driver, DBeaver, Rill, Evidence, ...) read it;
- as a new file next to the serving path, renamed over it with os.replace
  once complete: a reader that has the old file open keeps reading the old,
  complete publication (the old inode) and the next connection opens the new
  one, so readers never block a build and never see half a build;
- with the tables sorted by their lookup key, so a lookup such as
  `where user_id = ?` reads one row group (DuckDB's min/max zone maps)
  instead of scanning the table; no ART index: it adds nothing to a sorted
  scan and stores the catalog name, which breaks opening the file under
  another name in DuckDB 1.1;
- with the BI views (dbt models in models/marts/serving, read back from the
  warehouse by warehouse_views), whose SQL names only tables of the serving
  file (no catalog, no file paths), so the file works from anywhere;
- with publication_info listing every table and view with its rows and its
  description (the dbt description, also set as the object's comment).
"""
from __future__ import annotations

import datetime as dt
import fcntl
import os
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from glob import escape as glob_escape
from pathlib import Path

import duckdb

from lastfm_recs.warehouse_files import warehouse_path

#: Written so that DuckDB 1.1 and later can read the file (storage version 64,
#: which DuckDB 1.0 reads too).
STORAGE_VERSION = "v1.1.0"

#: Physical order of the published tables: the leading column is the lookup
#: key BI tools filter on. Tables not listed keep the order of their source.
SORT_KEYS: Mapping[str, str] = {
    "recommendations": "user_id, rank",
    "users": "user_id",
    "artists": "artist_mbid",
    "artist_popularity_by_country": "country, popularity_rank",
    "rejects": "source_file, line_number",
    "load_summary": "source_file",
    "recommendation_reasons": "user_id, rank, reason_rank",
    "similar_artists": "artist_mbid, rank",
    "artist_weights": "artist_mbid, rank",
}

#: Name of the table in the serving file that lists what was published.
PUBLICATION_INFO = "publication_info"


@dataclass(frozen=True)
class ServingView:
    """A view created in the serving file over its own tables.

    sql: the view's SELECT, naming only tables of the serving file.
    requires: the published tables the view reads; the view is created only
    when all of them are published (empty: always).
    """

    name: str
    description: str
    sql: str
    requires: tuple[str, ...] = ()


def warehouse_views(con: duckdb.DuckDBPyConnection, names: Sequence[str]) -> tuple[ServingView, ...]:
    """The serving views as dbt built them in the warehouse (models/marts/serving,
    one model per view, written with serving_ref so they name no catalog):
    their SELECT from duckdb_views() and their description from the comment
    dbt's persist_docs put on them."""
    rows = con.execute(
        "select view_name, sql, comment from duckdb_views() "
        "where database_name = current_database() and schema_name = current_schema() and not internal"
    ).fetchall()
    found = {name: (sql, comment) for name, sql, comment in rows}
    views = []
    for name in names:
        if name not in found:
            raise PublicationError(f"serving view {name} is not in the warehouse: build its dbt model first")
        sql, comment = found[name]
        # DuckDB stores the view as `CREATE VIEW <name> AS <select>;`
        match = re.match(rf'create\s+view\s+"?{re.escape(name)}"?\s+as\s+(.*?);?\s*$', sql, re.IGNORECASE | re.DOTALL)
        if match is None:
            raise PublicationError(f"serving view {name}: unexpected definition in the warehouse: {sql[:200]}")
        views.append(ServingView(name=name, description=comment or "", sql=match.group(1), requires=()))
    return tuple(views)


def warehouse_comments(con: duckdb.DuckDBPyConnection, names: Sequence[str]) -> dict[str, str]:
    """The comments (dbt descriptions, by persist_docs) of the given tables of
    the connection's current schema; a table without one is left out."""
    rows = con.execute(
        "select table_name, comment from duckdb_tables() "
        "where database_name = current_database() and schema_name = current_schema() and comment is not null"
    ).fetchall()
    return {name: comment for name, comment in rows if name in set(names)}


@dataclass(frozen=True)
class Publication:
    """What publish() wrote: the serving file, when, and the row counts."""

    serving_path: Path
    published_at_utc: dt.datetime
    storage_version: str
    duckdb_version: str
    table_rows: dict[str, int]
    views: tuple[str, ...] = field(default_factory=tuple)


class PublicationError(RuntimeError):
    """The serving file could not be written; the previous one is untouched."""


def default_serving_path(warehouse_path: str | os.PathLike[str]) -> Path:
    """The serving file beside the warehouse: lastfm.duckdb -> lastfm_serving.duckdb."""
    warehouse = Path(warehouse_path)
    return warehouse.with_name(f"{warehouse.stem}_serving.duckdb")


def configured_serving_path(environ: Mapping[str, str] | None = None) -> Path:
    """The serving file readers open (make serve, make export): LASTFM_SERVING_DB
    when set, else the default beside LASTFM_DB (default warehouse/lastfm.duckdb)."""
    env = os.environ if environ is None else environ
    if env.get("LASTFM_SERVING_DB"):
        return Path(env["LASTFM_SERVING_DB"])
    return default_serving_path(env.get("LASTFM_DB") or "warehouse/lastfm.duckdb")


def resolve_serving_path(configured: str | None, con: duckdb.DuckDBPyConnection) -> Path:
    """The serving path: `configured` (LASTFM_SERVING_DB) when set, else the
    default beside the file of the connection's current database. Never the
    warehouse file itself."""
    rows = con.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchall()
    # a build runs on a copy of the warehouse (lastfm_recs.warehouse_files):
    # the default serving file is beside the warehouse, not the copy
    warehouse = warehouse_path(rows[0][0]) if rows and rows[0][0] else None
    if configured:
        serving_path = Path(configured).absolute()
    elif warehouse is not None:
        serving_path = default_serving_path(warehouse)
    else:
        raise PublicationError(
            "LASTFM_SERVING_DB is not set and the warehouse is not a file "
            "(in memory?), so there is no default serving path beside it; set LASTFM_SERVING_DB"
        )
    if warehouse is not None and serving_path.resolve() == warehouse.resolve():
        raise PublicationError(
            f"LASTFM_SERVING_DB ({serving_path}) is the warehouse file LASTFM_DB itself; "
            "it must name another file (default: beside LASTFM_DB, <name>_serving.duckdb)"
        )
    return serving_path


def _sql_string(text: str | os.PathLike[str]) -> str:
    """A SQL string literal."""
    return "'" + str(text).replace("'", "''") + "'"


def _ident(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _fsync(path: Path) -> None:
    """Flush a file (or a directory entry) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_serving_database(
    con: duckdb.DuckDBPyConnection,
    alias: str,
    sources: Mapping[str, str],
    views: Sequence[ServingView],
    descriptions: Mapping[str, str],
    published_at: dt.datetime,
    storage_version: str,
) -> tuple[dict[str, int], tuple[str, ...]]:
    """Fill the attached serving database `alias`: the tables (with their
    descriptions as comments), the views and the publication_info table.
    Returns the table row counts and view names."""
    table_rows: dict[str, int] = {}
    for name, source_sql in sources.items():
        order = f" order by {SORT_KEYS[name]}" if name in SORT_KEYS else ""
        con.execute(
            f"create table {_ident(alias)}.main.{_ident(name)} as "
            f"select * from ({source_sql}) as source{order}"
        )
        table_rows[name] = con.execute(f"select count(*) from {_ident(alias)}.main.{_ident(name)}").fetchall()[0][0]
        if descriptions.get(name):
            con.execute(
                f"comment on table {_ident(alias)}.main.{_ident(name)} is {_sql_string(descriptions[name])}"
            )

    created = [view for view in views if set(view.requires) <= set(sources)]
    # Views are created with the serving database as the default one, so their
    # SQL names its tables without a catalog and works under any file name.
    con.execute(f"use {_ident(alias)}.main")
    for view in created:
        con.execute(f"create view {_ident(view.name)} as {view.sql}")
        con.execute(f"comment on view {_ident(view.name)} is {_sql_string(view.description)}")

    con.execute(
        f"""
        create table {_ident(PUBLICATION_INFO)} (
            object_name varchar,
            object_type varchar,
            row_count bigint,
            description varchar,
            published_at_utc timestamp,
            storage_version varchar,
            published_by varchar
        )
        """
    )
    rows = [(name, "table", n, descriptions.get(name)) for name, n in table_rows.items()]
    rows += [(view.name, "view", None, view.description) for view in created]
    for object_name, object_type, row_count, description in rows:
        con.execute(
            f"insert into {_ident(PUBLICATION_INFO)} values (?, ?, ?, ?, ?, ?, ?)",
            [object_name, object_type, row_count, description, published_at, storage_version,
             f"duckdb {duckdb.__version__}"],
        )
    con.execute(
        f"comment on table {_ident(PUBLICATION_INFO)} is "
        + _sql_string("What this serving file holds and when it was published (UTC).")
    )
    return table_rows, tuple(view.name for view in created)


def _check_written(path: Path, table_rows: Mapping[str, int], views: Sequence[str]) -> None:
    """Reopen the finished file read-only: no write-ahead log left, every
    table with its row count, every view answering."""
    wal = path.with_name(path.name + ".wal")
    if wal.exists():
        raise PublicationError(f"{wal} is left after detaching {path}: the file is not checkpointed")
    with duckdb.connect(str(path), read_only=True) as check:
        for name, expected in table_rows.items():
            found = check.execute(f"select count(*) from {_ident(name)}").fetchall()[0][0]
            if found != expected:
                raise PublicationError(f"{path}: table {name} has {found} rows after writing, expected {expected}")
        for name in views:
            check.execute(f"select * from {_ident(name)} limit 1").fetchall()


def remove_stale_staging_files(target: Path) -> list[Path]:
    """Remove the `<serving>.publishing-*` files (and their .wal) that a
    publication killed before its rename left beside ``target``, and return
    them. A file another process still holds open (a publication running
    now: DuckDB keeps a lock on the file it writes) is left alone."""
    removed = []
    for leftover in sorted(target.parent.glob(glob_escape(target.name) + ".publishing-*")):
        if leftover.name.endswith(".wal"):
            if not leftover.with_name(leftover.name[: -len(".wal")]).exists():
                leftover.unlink(missing_ok=True)  # its database file is gone
                removed.append(leftover)
            continue
        try:
            with open(leftover, "rb+") as handle:
                fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            continue  # locked by a running publication, or already gone
        for path in (leftover, leftover.with_name(leftover.name + ".wal")):
            if path.exists():
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed


def publish(
    con: duckdb.DuckDBPyConnection,
    sources: Mapping[str, str],
    serving_path: str | os.PathLike[str],
    *,
    views: Sequence[ServingView] = (),
    descriptions: Mapping[str, str] | None = None,
    storage_version: str = STORAGE_VERSION,
) -> Publication:
    """Write the serving file atomically and return what was published.

    con: a connection to the warehouse; the work runs on a new cursor of it
        (a separate connection to the same database, outside any transaction
        the caller has open), so `sources` must be readable there.
    sources: table name in the serving file -> a SELECT (or table reference)
        that gives its rows, e.g. `dbt.ref("users").sql_query()`.
    serving_path: the file BI tools open; replaced only when the new file is
        complete. Its directory is created if missing.
    views: the views to create (those whose tables are all published), e.g.
        warehouse_views() of the dbt serving views.
    descriptions: table name -> description, for publication_info and the
        tables' comments (e.g. warehouse_comments()).

    Steps: ATTACH a new file `<serving>.publishing-<random>` beside the
    target with STORAGE_VERSION, copy the sources (sorted by SORT_KEYS),
    create the views and publication_info, DETACH (DuckDB checkpoints the
    file), reopen it read-only to check it, fsync, os.replace it over the
    target and fsync the directory. On any error the new file is removed,
    the target is untouched and PublicationError says what failed.
    """
    if not sources:
        raise PublicationError("nothing to publish: no source tables given")
    target = Path(serving_path).absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_staging_files(target)
    token = uuid.uuid4().hex[:12]
    staging = target.with_name(f"{target.name}.publishing-{token}")
    alias = f"lastfm_serving_{token}"
    published_at = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)

    cursor = con.cursor()
    try:
        home_db, home_schema = cursor.execute("select current_database(), current_schema()").fetchall()[0]
        cursor.execute(
            f"attach {_sql_string(staging)} as {_ident(alias)} "
            f"(storage_version {_sql_string(storage_version)}, read_write)"
        )
        try:
            table_rows, view_names = _write_serving_database(
                cursor, alias, sources, views, descriptions or {}, published_at, storage_version
            )
        finally:
            cursor.execute(f"use {_ident(home_db)}.{_ident(home_schema)}")
            cursor.execute(f"detach {_ident(alias)}")
        _check_written(staging, table_rows, view_names)
        _fsync(staging)
        os.replace(staging, target)
        _fsync(target.parent)
    except Exception as error:
        for leftover in (staging, staging.with_name(staging.name + ".wal")):
            leftover.unlink(missing_ok=True)
        if isinstance(error, PublicationError):
            raise
        raise PublicationError(
            f"publishing the serving file {target} failed ({type(error).__name__}: {error}); "
            "the previous serving file is untouched"
        ) from error
    finally:
        cursor.close()

    return Publication(
        serving_path=target,
        published_at_utc=published_at,
        storage_version=storage_version,
        duckdb_version=duckdb.__version__,
        table_rows=table_rows,
        views=view_names,
    )
