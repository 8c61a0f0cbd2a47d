-- One row per country (null = users without one) and recommended artist: how
-- many of the country's users get the artist recommended, and the mean rank.
-- A view; the publication copies its SQL into the serving file.
{{ config(materialized='view') }}

select
    users.country,
    users.country_iso2,
    users.country_region,
    recommendations.artist_mbid,
    recommendations.artist_name,
    count(*) as users_recommended,
    avg(recommendations.rank) as mean_rank
from {{ serving_ref('recommendations') }} as recommendations
inner join {{ serving_ref('users') }} as users
    on recommendations.user_id = users.user_id
group by
    users.country,
    users.country_iso2,
    users.country_region,
    recommendations.artist_mbid,
    recommendations.artist_name
