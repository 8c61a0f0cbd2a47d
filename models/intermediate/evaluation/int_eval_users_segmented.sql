-- The segments of each evaluated user, one row per user and segment type:
-- gender, age band (int_users_featured.age_band), country (the eval_top_countries largest
-- by users in scope by name, the rest 'other', empty 'unknown') and activity
-- (number of artists before the holdout).
with users as (
    select * from {{ ref('int_users_featured') }}
),

evaluated as (
    select
        user_index,
        user_id
    from {{ ref('int_eval_users_sampled') }}
    where is_evaluated
),

largest_countries as (
    select country
    from users
    where country is not null
    group by country
    order by count(*) desc, country
    limit {{ var('eval_top_countries') | int }}
),

profiled as (
    select
        evaluated.user_index,
        coalesce(users.gender, 'unknown') as gender,
        users.age_band,
        case
            when users.country is null then 'unknown'
            when largest_countries.country is null then 'other'
            else users.country
        end as country,
        case
            when users.artists < 10 then 'under 10 artists'
            when users.artists < 20 then '10-19 artists'
            when users.artists < 50 then '20-49 artists'
            else '50+ artists'
        end as activity
    from evaluated
    inner join users
        on evaluated.user_id = users.user_id
    left join largest_countries
        on users.country = largest_countries.country
)

select
    user_index,
    segment_type,
    segment
from profiled
unpivot (
    segment for segment_type in (gender, age_band, country, activity)
)
