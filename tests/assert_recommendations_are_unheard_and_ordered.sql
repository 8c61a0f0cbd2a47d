-- No recommendation is an artist the user already listened to, and ranks run
-- 1, 2, 3, ... per user with scores that never increase down the list.
with recommendations as (
    select * from {{ ref('recommendations') }}
),

heard as (
    select
        recommendations.user_id,
        recommendations.rank,
        'already listened to' as problem
    from recommendations
    inner join {{ ref('int_plays_summed_by_artist') }} as plays
        on recommendations.user_id = plays.user_id
        and recommendations.artist_mbid = plays.artist_mbid
),

ordered as (
    select
        user_id,
        rank,
        case
            when rank <> row_number() over (partition by user_id order by rank) then 'rank gap'
            when score > lag(score) over (partition by user_id order by rank) then 'score increases'
        end as problem
    from recommendations
)

select * from heard
union all
select * from ordered
where problem is not null
