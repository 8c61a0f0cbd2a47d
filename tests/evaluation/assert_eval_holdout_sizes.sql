-- Every eligible user has exactly holdout_artists artists held out, all of
-- them artists the user played, and keeps the rest for training.
{{ config(enabled=var('evaluate'), tags=['evaluation']) }}

with users as (
    select * from {{ ref('int_eval_users_sampled') }}
),

held_out as (
    select
        user_index,
        count(*) as artists
    from {{ ref('int_eval_plays_held_out') }}
    group by user_index
),

trained as (
    select
        user_index,
        count(*) as artists
    from {{ ref('int_eval_plays_training') }}
    group by user_index
)

select
    users.user_id,
    users.artists,
    users.holdout_artists,
    held_out.artists as held_out,
    trained.artists as trained
from users
left join held_out
    on users.user_index = held_out.user_index
left join trained
    on users.user_index = trained.user_index
where coalesce(held_out.artists, 0) <> users.holdout_artists
    or coalesce(trained.artists, 0) <> users.artists - users.holdout_artists
