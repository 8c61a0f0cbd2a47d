-- The held-out (user, artist) pairs of the evaluation: no model sees them
-- when fitting (tested), every model is scored on finding them.
select
    user_id,
    artist_mbid,
    plays,
    is_evaluated as is_evaluated_user
from {{ ref('int_eval_plays_held_out') }}
order by
    user_id,
    artist_mbid
