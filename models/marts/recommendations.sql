-- Up to top_n artists per user in scope, rank 1 = best (docs/spec.md section 2, Recommendations).
select
    users.user_id,
    scored.rank,
    artists.artist_mbid,
    artists.artist_name,
    scored.score
from {{ scored_recommendations() }} as scored
inner join {{ ref('int_users_in_scope') }} as users
    on scored.user_index = users.user_index
inner join {{ ref('int_artists_deduplicated_by_mbid') }} as artists
    on scored.artist_index = artists.artist_index
order by
    users.user_id,
    scored.rank
