"""Publishes the marts to the serving file that BI tools open (LASTFM_SERVING_DB,
default beside LASTFM_DB) and records what it published, one row.

It refs every table and view it publishes, so in `dbt build` it runs only
after those models and their tests have passed: a failed model or test skips
it and the previous serving file stays as it was. The views are the dbt
models user_recommendations and recommended_artists_by_country, copied by
their SQL; every description comes from the dbt docs (persist_docs). The work
is in lastfm_recs.serving.
"""
import pyarrow as pa

from lastfm_recs.dbt_config import read_settings
from lastfm_recs.serving import publish, resolve_serving_path, warehouse_comments, warehouse_views


def model(dbt, session):
    dbt.config(materialized="table")
    settings = read_settings(dbt.config.get("settings"))
    marts = {
        "recommendations": dbt.ref("recommendations"),
        "users": dbt.ref("users"),
        "artists": dbt.ref("artists"),
        "artist_popularity_by_country": dbt.ref("artist_popularity_by_country"),
        "rejects": dbt.ref("rejects"),
        "load_summary": dbt.ref("load_summary"),
        "recommendation_reasons": dbt.ref("recommendation_reasons"),
        "similar_artists": dbt.ref("similar_artists"),
        "artist_weights": dbt.ref("artist_weights"),
        "model_info": dbt.ref("model_info"),
    }
    # refs for the lineage and the build order; the views' SQL is read back by name
    view_names = ["user_recommendations", "recommended_artists_by_country"]
    dbt.ref("user_recommendations")
    dbt.ref("recommended_artists_by_country")
    publication = publish(
        session,
        {name: relation.sql_query() for name, relation in marts.items()},
        resolve_serving_path(settings.serving_db, session),
        views=warehouse_views(session, view_names),
        descriptions=warehouse_comments(session, list(marts)),
    )
    row = {
        "serving_path": str(publication.serving_path),
        "published_at_utc": publication.published_at_utc,
        "storage_version": publication.storage_version,
        "duckdb_version": publication.duckdb_version,
        "views": ", ".join(publication.views),
    }
    row.update({f"{name}_rows": n for name, n in publication.table_rows.items()})
    return pa.Table.from_pylist([row])
