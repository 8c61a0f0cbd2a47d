-- The held-out (user, artist) pairs: each eligible user's artists in a
-- random order fixed by the seed (md5 of seed, user id and MBID), the first
-- holdout_artists of them held out.
with users as (
    select * from {{ ref('int_eval_users_sampled') }}
),

plays as (
    select * from {{ ref('int_plays_normalised') }}
),

drawn as (
    select
        plays.user_index,
        plays.artist_index,
        plays.user_id,
        plays.artist_mbid,
        plays.plays,
        users.holdout_artists,
        users.is_evaluated,
        row_number() over (
            partition by plays.user_index
            order by md5('{{ var("eval_seed") }}:' || plays.user_id || ':' || plays.artist_mbid), plays.artist_mbid
        ) as draw_order
    from plays
    inner join users
        on plays.user_index = users.user_index
)

select
    user_index,
    artist_index,
    user_id,
    artist_mbid,
    plays,
    is_evaluated
from drawn
where draw_order <= holdout_artists
