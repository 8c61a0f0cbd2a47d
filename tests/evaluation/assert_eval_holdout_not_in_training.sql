-- The leak test: no held-out (user, artist) pair is in the data the models
-- are fitted on. Any row returned is a leak.
{{ config(enabled=var('evaluate'), tags=['evaluation']) }}

select
    holdout.user_id,
    holdout.artist_mbid
from {{ ref('eval_holdout') }} as holdout
inner join {{ ref('int_eval_plays_training') }} as training
    on holdout.user_id = training.user_id
    and holdout.artist_mbid = training.artist_mbid
