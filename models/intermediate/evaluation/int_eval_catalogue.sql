-- The artists a model can recommend: those with at least one training
-- listener, with their self-information log2(users in scope / listeners)
-- for the novelty metric.
with listened as (
    select
        artist_index,
        artist_mbid,
        count(*) as listeners
    from {{ ref('int_eval_plays_training') }}
    group by artist_index, artist_mbid
),

users as (
    select count(*) as users
    from {{ ref('int_users_featured') }}
)

select
    listened.artist_index,
    listened.artist_mbid,
    listened.listeners,
    log2(users.users / listened.listeners) as self_information
from listened
cross join users
