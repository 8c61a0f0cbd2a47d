-- Listeners and plays of each artist among the users of each country, for
-- maps and per-country charts. Users without a country are left out.
-- The plays are grouped by the integer user and artist indices (not the
-- 40- and 36-character ids): at full size 17.5 M rows hash twice as fast.
with plays as (
    select
        user_index,
        artist_index,
        plays
    from {{ ref('int_plays_normalised') }}
),

users as (
    select
        users_in_scope.user_index,
        users.country,
        users.country_iso2,
        users.country_iso3,
        users.country_region
    from {{ ref('users') }} as users
    inner join {{ ref('int_users_in_scope') }} as users_in_scope
        on users.user_id = users_in_scope.user_id
    where users.country is not null
),

artist_ids as (
    select
        artist_index,
        artist_mbid
    from {{ ref('int_artists_deduplicated_by_mbid') }}
),

countries as (
    select
        country,
        any_value(country_iso2) as country_iso2,
        any_value(country_iso3) as country_iso3,
        any_value(country_region) as country_region,
        count(*) as country_users
    from users
    group by country
),

by_country as (
    select
        users.country,
        plays.artist_index,
        count(*) as listeners,
        cast(sum(plays.plays) as bigint) as total_plays
    from plays
    inner join users
        on plays.user_index = users.user_index
    group by
        users.country,
        plays.artist_index
)

select
    by_country.country,
    countries.country_iso2,
    countries.country_iso3,
    countries.country_region,
    artist_ids.artist_mbid,
    artists.artist_name,
    by_country.listeners,
    by_country.total_plays,
    by_country.listeners / countries.country_users as listener_share,
    -- bigint on both engines (Spark's row_number is an int)
    cast(row_number() over (
        partition by by_country.country
        order by by_country.listeners desc, by_country.total_plays desc, artist_ids.artist_mbid asc
    ) as bigint) as popularity_rank
from by_country
inner join countries
    on by_country.country = countries.country
inner join artist_ids
    on by_country.artist_index = artist_ids.artist_index
inner join {{ ref('artists') }} as artists
    on artist_ids.artist_mbid = artists.artist_mbid
