-- One row per user in scope: the cleaned profile, activity, and the country's
-- ISO codes and region from the countries seed (for BI maps).
with users as (
    select * from {{ ref('int_users_featured') }}
),

countries as (
    select * from {{ ref('countries') }}
)

select
    users.user_id,
    users.gender,
    users.age_raw,
    users.age,
    users.age_imputed,
    users.age_scaled,
    case
        when users.age_imputed then 'unknown'
        when users.age < 18 then 'under 18'
        when users.age < 25 then '18-24'
        when users.age < 35 then '25-34'
        when users.age < 45 then '35-44'
        when users.age < 55 then '45-54'
        else '55+'
    end as age_band,
    users.country,
    countries.iso_alpha2 as country_iso2,
    countries.iso_alpha3 as country_iso3,
    countries.region as country_region,
    countries.sub_region as country_sub_region,
    users.signup_date,
    users.artists,
    users.total_plays,
    users.is_cold
from users
left join countries
    on users.country = countries.country_name
