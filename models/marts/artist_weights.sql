-- One row per artist and neighbour: the model's artist_weights_top_k strongest
-- positive artist-artist weights per artist (int_artist_weights), by MBID; the
-- read API folds a new listener in from them (sum over the chosen artists).
with weights as (
    select * from {{ ref('int_artist_weights') }}
),

artists as (
    select * from {{ ref('int_artists_deduplicated_by_mbid') }}
),

final as (
    select
        artists.artist_mbid,
        weights.rank,
        neighbours.artist_mbid as neighbour_mbid,
        neighbours.artist_name as neighbour_name,
        weights.weight,
        weights.model
    from weights
    inner join artists
        on weights.artist_index = artists.artist_index
    inner join artists as neighbours
        on weights.neighbour_index = neighbours.artist_index
)

select * from final
order by
    artist_mbid,
    rank
