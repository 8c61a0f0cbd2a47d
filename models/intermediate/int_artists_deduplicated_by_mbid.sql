-- One row per MBID among the accepted plays (docs/spec.md section 2, Artists): the canonical
-- name is the spelling used by the most distinct users, then the one with more
-- plays, then the smallest string. artist_index numbers the MBIDs 0..m-1 in
-- ascending order, so ties broken by index are ties broken by MBID.
with spellings as (
    select
        artist_mbid,
        artist_name,
        count(distinct user_id) as users,
        sum(plays)::bigint as plays
    from {{ ref('int_play_rows_triaged') }}
    where status = 'accepted'
        and artist_name is not null
    group by artist_mbid, artist_name
),

canonical as (
    select
        artist_mbid,
        artist_name,
        count(*) over (partition by artist_mbid) as spellings
    from spellings
    -- noqa: disable=LT02
    qualify row_number() over (
        partition by artist_mbid
        order by users desc, plays desc, artist_name asc
    ) = 1
-- noqa: enable=LT02
),

totals as (
    select
        artist_mbid,
        count(*) as listeners,
        sum(plays)::bigint as total_plays
    from {{ ref('int_plays_summed_by_artist') }}
    group by artist_mbid
)

select
    row_number() over (order by totals.artist_mbid) - 1 as artist_index,
    totals.artist_mbid,
    canonical.artist_name,
    coalesce(canonical.spellings, 0) as spellings,
    totals.listeners,
    totals.total_plays
from totals
left join canonical
    on totals.artist_mbid = canonical.artist_mbid
