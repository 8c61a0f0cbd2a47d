-- One row per user and rank: each recommendation with the artist's listeners
-- and the user's gender, age band and country, for BI filters. A view; the
-- publication copies its SQL into the serving file (serving_ref: no catalog).
{{ config(materialized='view') }}

select
    recommendations.user_id,
    recommendations.rank,
    recommendations.artist_name,
    recommendations.artist_mbid,
    recommendations.score,
    artists.listeners as artist_listeners,
    users.gender as user_gender,
    users.age_band as user_age_band,
    users.country as user_country,
    users.country_iso2 as user_country_iso2,
    users.country_region as user_country_region,
    users.is_cold as user_is_cold
from {{ serving_ref('recommendations') }} as recommendations
inner join {{ serving_ref('users') }} as users
    on recommendations.user_id = users.user_id
inner join {{ serving_ref('artists') }} as artists
    on recommendations.artist_mbid = artists.artist_mbid
