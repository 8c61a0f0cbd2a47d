-- Every model's top max(eval_k) list for every evaluated user, fitted
-- without the held-out pairs.
select
    scored.model,
    users.user_id,
    scored.rank,
    artists.artist_mbid,
    artists.artist_name,
    scored.score
from {{ ref('int_eval_recommendations_scored') }} as scored
inner join {{ ref('int_users_featured') }} as users
    on scored.user_index = users.user_index
inner join {{ ref('int_artists_deduplicated_by_mbid') }} as artists
    on scored.artist_index = artists.artist_index
order by
    scored.model,
    users.user_id,
    scored.rank
