-- One row per artist and similar artist ("fans also like"): the first
-- similar_artists_top_n artists of each artist's row of the model's weights
-- (artist_weights), both artists with at least similar_artists_min_listeners
-- listeners, rank 1 = strongest weight (ties by MBID).
with weights as (
    select * from {{ ref('artist_weights') }}
),

artists as (
    select * from {{ ref('artists') }}
),

eligible as (
    select artist_mbid
    from artists
    where listeners >= {{ var('similar_artists_min_listeners') }}
),

ranked as (
    select
        weights.artist_mbid,
        row_number() over (
            partition by weights.artist_mbid
            order by weights.weight desc, weights.neighbour_mbid asc
        ) as rank,
        weights.neighbour_mbid as similar_artist_mbid,
        weights.neighbour_name as similar_artist_name,
        weights.weight as score
    from weights
    inner join eligible as source_artists
        on weights.artist_mbid = source_artists.artist_mbid
    inner join eligible as similar_candidates
        on weights.neighbour_mbid = similar_candidates.artist_mbid
),

final as (
    select
        artist_mbid,
        rank,
        similar_artist_mbid,
        similar_artist_name,
        score
    from ranked
    where rank <= {{ var('similar_artists_top_n') }}
)

select * from final
order by
    artist_mbid,
    rank
