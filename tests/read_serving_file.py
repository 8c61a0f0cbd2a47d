"""Open a serving file read-only as a BI tool would and query every table and
view in it; print what was found as JSON on stdout.

    python read_serving_file.py SERVING_FILE

Runs under any Python with duckdb 1.1 or later: tests/test_serving.py runs
it in throwaway virtualenvs with older duckdb packages (the DuckDB inside
Metabase's driver, DBeaver, Evidence ... is 1.x). When SQLAlchemy and
duckdb-engine are importable it also connects through them, the way Superset
does, with the URI form and with the connect_args form of read-only.
"""
from __future__ import annotations

import json
import sys


def probe(execute, names: list[str]) -> dict:
    """Row counts of every table and view, a user's recommendations through
    the BI view, and whether a write is refused."""
    counts = {name: execute(f'select count(*) from "{name}"')[0][0] for name in names}
    user = execute("select min(user_id) from recommendations")[0][0]
    lookup = execute(
        f"select rank, artist_name, user_country from user_recommendations where user_id = '{user}' order by rank"
    )
    try:
        execute("create table written_by_a_reader as select 1 as x")
        write_refused = False
    except Exception as error:  # noqa: BLE001 - any refusal will do
        write_refused = "read-only" in str(error) or "read_only" in str(error)
    return {"counts": counts, "lookup_rows": len(lookup), "write_refused": write_refused}


def read_with_duckdb(path: str) -> dict:
    """The plain duckdb client, read_only=True."""
    import duckdb

    con = duckdb.connect(path, read_only=True)
    try:
        names = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = 'main' order by 1"
            ).fetchall()
        ]
        return {"duckdb_version": duckdb.__version__, **probe(lambda sql: con.execute(sql).fetchall(), names)}
    finally:
        con.close()


def read_with_sqlalchemy(path: str) -> dict | None:
    """SQLAlchemy + duckdb-engine, as Superset connects; None when not installed."""
    try:
        import duckdb_engine  # noqa: F401 - registers the duckdb:// dialect
        import sqlalchemy as sa
    except ImportError:
        return None
    forms = {
        "uri": sa.create_engine(f"duckdb:///{path}?access_mode=read_only"),
        "connect_args": sa.create_engine(f"duckdb:///{path}", connect_args={"read_only": True}),
    }
    found = {"sqlalchemy_version": sa.__version__}
    for form, engine in forms.items():
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            names = sorted(inspector.get_table_names() + inspector.get_view_names())
            found[form] = probe(lambda sql: conn.execute(sa.text(sql)).fetchall(), names)
        engine.dispose()
    return found


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    path = argv[1]
    print(json.dumps({"duckdb": read_with_duckdb(path), "sqlalchemy": read_with_sqlalchemy(path)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
