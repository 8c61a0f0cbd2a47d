-- p(u, a) (docs/spec.md section 2, Normalised plays), keyed by the integer indices the
-- scoring arrays use.
select
    users.user_index,
    artists.artist_index,
    summed.user_id,
    summed.artist_mbid,
    summed.plays,
    {{ plays_share('summed.plays', 'users.user_index') }} as plays_share
from {{ ref('int_plays_summed_by_artist') }} as summed
inner join {{ ref('int_users_in_scope') }} as users
    on summed.user_id = users.user_id
inner join {{ ref('int_artists_deduplicated_by_mbid') }} as artists
    on summed.artist_mbid = artists.artist_mbid
