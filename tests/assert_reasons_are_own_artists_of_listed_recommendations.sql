-- Every reason explains a recommendation of the recommendations mart, names
-- an artist the user played (never the recommended one), and the shares of a
-- recommendation sum to at most 1. Returns the offending rows.
-- DuckDB only (the reasons mart is not built on Spark). NOT MATERIALIZED:
-- three checks read the reasons, and DuckDB would otherwise copy all 21.5 M
-- rows of the full size into a temporary result first (26.8 s -> 8.8 s alone).
with reasons as not materialized (
    select * from {{ ref('recommendation_reasons') }}
),

recommendations as (
    select * from {{ ref('recommendations') }}
),

plays as (
    select * from {{ ref('int_plays_summed_by_artist') }}
),

not_listed as (
    select
        reasons.user_id,
        reasons.rank,
        'reason of a recommendation not in recommendations' as problem
    from reasons
    left join recommendations
        on reasons.user_id = recommendations.user_id
        and reasons.rank = recommendations.rank
        and reasons.artist_mbid = recommendations.artist_mbid
    where recommendations.user_id is null
),

not_played as (
    select
        reasons.user_id,
        reasons.rank,
        'reason artist not played by the user' as problem
    from reasons
    left join plays
        on reasons.user_id = plays.user_id
        and reasons.reason_artist_mbid = plays.artist_mbid
    where plays.user_id is null
        or reasons.reason_artist_mbid = reasons.artist_mbid
),

over_one as (
    select
        user_id,
        rank,
        'shares sum to more than 1' as problem
    from reasons
    group by
        user_id,
        rank
    having sum(share) > 1 + 1e-9
)

select * from not_listed
union all
select * from not_played
union all
select * from over_one
