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
    users.age_band,
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
