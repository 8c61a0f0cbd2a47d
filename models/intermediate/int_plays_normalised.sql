-- p(u, a) = plays(u, a) / sum over a' of plays(u, a') (SPEC 2, Normalised
-- plays), keyed by the integer indices the scoring arrays use.
select
    users.user_index,
    artists.artist_index,
    summed.user_id,
    summed.artist_mbid,
    summed.plays,
    summed.plays / sum(summed.plays) over (partition by summed.user_id) as plays_share
from {{ ref('int_plays_summed_by_artist') }} as summed
inner join {{ ref('int_users_in_scope') }} as users
    on summed.user_id = users.user_id
inner join {{ ref('int_artists_deduplicated_by_mbid') }} as artists
    on summed.artist_mbid = artists.artist_mbid
