-- Listeners and plays of each artist among the users of each country, for
-- maps and per-country charts. Users without a country are left out.
with plays as (
    select
        user_id,
        artist_mbid,
        plays
    from {{ ref('int_plays_summed_by_artist') }}
),

users as (
    select
        user_id,
        country,
        country_iso2,
        country_iso3,
        country_region
    from {{ ref('users') }}
    where country is not null
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
        plays.artist_mbid,
        count(*) as listeners,
        cast(sum(plays.plays) as bigint) as total_plays
    from plays
    inner join users
        on plays.user_id = users.user_id
    group by
        users.country,
        plays.artist_mbid
)

select
    by_country.country,
    countries.country_iso2,
    countries.country_iso3,
    countries.country_region,
    by_country.artist_mbid,
    artists.artist_name,
    by_country.listeners,
    by_country.total_plays,
    by_country.listeners / countries.country_users as listener_share,
    -- bigint on both engines (Spark's row_number is an int)
    cast(row_number() over (
        partition by by_country.country
        order by by_country.listeners desc, by_country.total_plays desc, by_country.artist_mbid asc
    ) as bigint) as popularity_rank
from by_country
inner join countries
    on by_country.country = countries.country
inner join {{ ref('artists') }} as artists
    on by_country.artist_mbid = artists.artist_mbid
