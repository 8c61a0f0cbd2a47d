"""Scores every user in scope with the seed's user-user kNN (SPEC 2) and keeps
the top_n artists per user, by integer index; the recommendations mart adds
the ids and names. The maths lives in lastfm_recs.knn."""
from lastfm_recs.knn import recommend_user_knn
from lastfm_recs.warehouse_io import dbt_progress, load_scoring_inputs, recommendations_table


def model(dbt, session):
    dbt.config(materialized="table")
    inputs = load_scoring_inputs(
        users=dbt.ref("int_users_featured"),
        artists=dbt.ref("int_artists_deduplicated_by_mbid"),
        plays_normalised=dbt.ref("int_plays_normalised"),
        cold_baseline=dbt.ref("int_cold_user_baseline"),
    )
    user_index, rank, artist_index, score = recommend_user_knn(
        inputs.plays_share,
        inputs.cold_baseline,
        inputs.age_scaled,
        inputs.country_index,
        neighbors=int(dbt.config.get("neighbors")),
        top_n=int(dbt.config.get("top_n")),
        progress=dbt_progress("int_recommendations_scored"),
    )
    return recommendations_table(user_index, rank, artist_index, score)
