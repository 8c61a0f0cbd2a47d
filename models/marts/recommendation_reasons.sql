-- One row per recommendation and reason: up to reasons_per_recommendation of
-- the user's own artists that contributed most to the score, with their share
-- (lastfm_recs.explain); recommendations owing nothing to the user's artists
-- (popularity fill, profile prior, cold users) have no rows.
with scored as (
    select * from {{ ref('int_recommendations_scored') }}
),

users as (
    select * from {{ ref('int_users_in_scope') }}
),

artists as (
    select * from {{ ref('int_artists_deduplicated_by_mbid') }}
),

unnested as (
    select
        user_index,
        rank,
        artist_index,
        unnest(reasons) as reason,
        generate_subscripts(reasons, 1) as reason_rank
    from scored
),

final as (
    select
        users.user_id,
        unnested.rank,
        recommended.artist_mbid,
        unnested.reason_rank,
        reason_artists.artist_mbid as reason_artist_mbid,
        reason_artists.artist_name as reason_artist_name,
        unnested.reason.contribution,
        unnested.reason.share
    from unnested
    inner join users
        on unnested.user_index = users.user_index
    inner join artists as recommended
        on unnested.artist_index = recommended.artist_index
    inner join artists as reason_artists
        on unnested.reason.artist_index = reason_artists.artist_index
)

select * from final
order by
    user_id,
    rank,
    reason_rank
