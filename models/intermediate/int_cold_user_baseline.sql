-- The plays vector of cold users (SPEC 2, Normalised plays): the column mean
-- of the raw plays matrix over users with plays, L1-normalised, which is each
-- artist's share of all plays.
with totals as (
    select
        artist_index,
        sum(plays)::bigint as plays
    from {{ ref('int_plays_normalised') }}
    group by artist_index
)

select
    artist_index,
    plays / sum(plays) over () as baseline_share
from totals
