-- The training data: plays(u, a) of every user in scope without the held-out
-- pairs, re-normalised per user with the SPEC's rule (macros/plays_rules.sql).
with plays as (
    select * from {{ ref('int_plays_normalised') }}
),

held_out as (
    select * from {{ ref('int_eval_plays_held_out') }}
),

kept as (
    select
        plays.user_index,
        plays.artist_index,
        plays.user_id,
        plays.artist_mbid,
        plays.plays
    from plays
    anti join held_out
        on plays.user_index = held_out.user_index
        and plays.artist_index = held_out.artist_index
)

select
    user_index,
    artist_index,
    user_id,
    artist_mbid,
    plays,
    {{ plays_share('plays', 'user_index') }} as plays_share
from kept
