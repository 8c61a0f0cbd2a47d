-- The profile features of every user in scope (docs/spec.md section 2, Profile features):
-- age valid in 0..100, invalid or empty ages imputed with the mean of the
-- valid ones, min-max scaled to [0, 1]; the one-hot country encoded as the
-- index of its 1 (null = all zeros); the age band of the cleaned age (for
-- BI and the hybrid model's profile prior); activity and the cold-user flag.
with users as (
    select * from {{ ref('int_users_in_scope') }}
),

activity as (
    select
        user_id,
        count(*) as artists,
        sum(plays)::bigint as total_plays
    from {{ ref('int_plays_summed_by_artist') }}
    group by user_id
),

aged as (
    select
        *,
        case when age_raw between 0 and 100 then age_raw end as age_valid
    from users
),

imputed as (
    select
        *,
        coalesce(age_valid, avg(age_valid) over ()) as age
    from aged
),

scaled as (
    select
        *,
        -- all ages equal (or none valid): every scaled age is 0
        coalesce(
            (age - min(age) over ()) / nullif(max(age) over () - min(age) over (), 0),
            0
        ) as age_scaled
    from imputed
)

select
    scaled.user_index,
    scaled.user_id,
    scaled.gender,
    scaled.age_raw,
    scaled.age_valid is null as age_imputed,
    scaled.age,
    scaled.age_scaled,
    case
        when scaled.age_valid is null then 'unknown'
        when scaled.age < 18 then 'under 18'
        when scaled.age < 25 then '18-24'
        when scaled.age < 35 then '25-34'
        when scaled.age < 45 then '35-44'
        when scaled.age < 55 then '45-54'
        else '55+'
    end as age_band,
    scaled.country,
    case
        when scaled.country is not null
            then dense_rank() over (partition by scaled.country is null order by scaled.country) - 1
    end as country_index,
    scaled.signup_date,
    coalesce(activity.artists, 0) as artists,
    coalesce(activity.total_plays, 0) as total_plays,
    activity.user_id is null as is_cold
from scaled
left join activity
    on scaled.user_id = activity.user_id
