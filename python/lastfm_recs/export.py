"""The key-value export of the serving file (make export): user_id -> the
user's list, and artist_mbid -> its similar artists, for a database with fast
reads by key (DynamoDB) and as Parquet.

EXPORT_DIR/
    dynamodb/recommendations/part-0.json.gz    one {"Item": {...}} per line, per user
    dynamodb/similar_artists/part-0.json.gz    one {"Item": {...}} per line, per artist
    parquet/recommendations.parquet            the same rows, plain columns
    parquet/similar_artists.parquet

DynamoDB JSON is DynamoDB's import-from-S3 format: each line one item, each
attribute typed ({"S": text}, {"N": number as text}, {"L": [...]}, {"M":
{...}}); one directory per table (the S3 prefix of an import), gzip. A user
item holds user_id (the partition key), model, published_at, artist_ids (the
seed's list of artist ids, best first) and items: rank, artist_mbid,
artist_name, score and reasons (artist_mbid, artist_name, share) per
recommendation - the read API's response. An artist item holds artist_mbid
(the key) and items: rank, artist_mbid, artist_name, score.

The files are written by DuckDB from the serving file (read-only), each to
a temporary name renamed into place when complete.
"""
from __future__ import annotations

import argparse
import os
import sys
import uuid
from pathlib import Path

import duckdb

from lastfm_recs.serving import configured_serving_path

#: The queries of each exported table: the DynamoDB item (one struct column
#: "Item") and the Parquet row, both from the same CTEs over the serving file.
_RECOMMENDATION_CTES = """
    with info as (
        select
            (select model from model_info) as model,
            (select strftime(max(published_at_utc), '%Y-%m-%dT%H:%M:%SZ') from publication_info) as published_at
    ),
    reasons as (
        select
            user_id,
            rank,
            list(
                {'artist_mbid': reason_artist_mbid, 'artist_name': reason_artist_name, 'share': share}
                order by reason_rank
            ) as reasons
        from recommendation_reasons
        group by
            user_id,
            rank
    ),
    items as (
        select
            recommendations.user_id,
            recommendations.rank,
            recommendations.artist_mbid,
            recommendations.artist_name,
            recommendations.score,
            coalesce(reasons.reasons, []) as reasons
        from recommendations
        left join reasons
            on recommendations.user_id = reasons.user_id
            and recommendations.rank = reasons.rank
    )
"""

RECOMMENDATIONS_DYNAMODB = _RECOMMENDATION_CTES + """
    select
        {
            'user_id': {'S': items.user_id},
            'model': {'S': info.model},
            'published_at': {'S': info.published_at},
            'artist_ids': {'L': list({'S': items.artist_mbid} order by items.rank)},
            'items': {'L': list({'M': {
                'rank': {'N': items.rank::varchar},
                'artist_mbid': {'S': items.artist_mbid},
                'artist_name': {'S': coalesce(items.artist_name, '')},
                'score': {'N': items.score::varchar},
                'reasons': {'L': list_transform(items.reasons, lambda reason: {'M': {
                    'artist_mbid': {'S': reason.artist_mbid},
                    'artist_name': {'S': coalesce(reason.artist_name, '')},
                    'share': {'N': reason.share::varchar}
                }})}
            }} order by items.rank)}
        } as "Item"
    from items
    cross join info
    group by
        items.user_id,
        info.model,
        info.published_at
    order by items.user_id
"""

RECOMMENDATIONS_PARQUET = _RECOMMENDATION_CTES + """
    select
        items.user_id,
        info.model,
        info.published_at,
        list(items.artist_mbid order by items.rank) as artist_ids,
        list({
            'rank': items.rank,
            'artist_mbid': items.artist_mbid,
            'artist_name': items.artist_name,
            'score': items.score,
            'reasons': items.reasons
        } order by items.rank) as items
    from items
    cross join info
    group by
        items.user_id,
        info.model,
        info.published_at
    order by items.user_id
"""

SIMILAR_DYNAMODB = """
    select
        {
            'artist_mbid': {'S': artist_mbid},
            'items': {'L': list({'M': {
                'rank': {'N': rank::varchar},
                'artist_mbid': {'S': similar_artist_mbid},
                'artist_name': {'S': coalesce(similar_artist_name, '')},
                'score': {'N': score::varchar}
            }} order by rank)}
        } as "Item"
    from similar_artists
    group by artist_mbid
    order by artist_mbid
"""

SIMILAR_PARQUET = """
    select
        artist_mbid,
        list({
            'rank': rank,
            'artist_mbid': similar_artist_mbid,
            'artist_name': similar_artist_name,
            'score': score
        } order by rank) as items
    from similar_artists
    group by artist_mbid
    order by artist_mbid
"""

#: Tables the export needs in the serving file.
REQUIRED_TABLES = ("recommendations", "recommendation_reasons", "similar_artists", "model_info",
                   "publication_info")


class ExportError(RuntimeError):
    """The serving file cannot be exported (missing, or without a table the export needs)."""


def _copy(con: duckdb.DuckDBPyConnection, query: str, target: Path, options: str) -> Path:
    """COPY (query) to a temporary file beside ``target``, renamed over it when complete."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.partial")
    path = str(partial).replace("'", "''")
    try:
        con.execute(f"copy ({query}) to '{path}' ({options})")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def export(serving_path: str | os.PathLike[str], export_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """Write the DynamoDB JSON and Parquet files (module docstring) of the
    serving file into ``export_dir``; returns name -> path of each file."""
    serving = Path(serving_path)
    if not serving.is_file():
        raise ExportError(f"serving file {serving} not found: run make build first (or set LASTFM_SERVING_DB)")
    out = Path(export_dir)
    with duckdb.connect(str(serving), read_only=True) as con:
        tables = {row[0] for row in con.execute("select table_name from duckdb_tables()").fetchall()}
        missing = [name for name in REQUIRED_TABLES if name not in tables]
        if missing:
            raise ExportError(f"serving file {serving} lacks the table(s) {missing}: rebuild it with make build")
        dynamodb = "format json, compression gzip"
        parquet = "format parquet, compression zstd"
        return {
            "dynamodb_recommendations": _copy(con, RECOMMENDATIONS_DYNAMODB,
                                              out / "dynamodb" / "recommendations" / "part-0.json.gz", dynamodb),
            "dynamodb_similar_artists": _copy(con, SIMILAR_DYNAMODB,
                                              out / "dynamodb" / "similar_artists" / "part-0.json.gz", dynamodb),
            "parquet_recommendations": _copy(con, RECOMMENDATIONS_PARQUET,
                                             out / "parquet" / "recommendations.parquet", parquet),
            "parquet_similar_artists": _copy(con, SIMILAR_PARQUET,
                                             out / "parquet" / "similar_artists.parquet", parquet),
        }


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; see ``--help``."""
    parser = argparse.ArgumentParser(prog="python -m lastfm_recs.export", description=__doc__.split("\n\n")[0])
    parser.add_argument("--serving-db", type=Path, default=configured_serving_path(),
                        help="the serving file (default: LASTFM_SERVING_DB, else beside LASTFM_DB)")
    parser.add_argument("--out", required=True, type=Path, help="the export directory (EXPORT_DIR)")
    args = parser.parse_args(argv)
    try:
        written = export(args.serving_db, args.out)
    except ExportError as error:
        print(f"export: {error}", file=sys.stderr)
        return 1
    for path in written.values():
        print(f"{path}\t{path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
