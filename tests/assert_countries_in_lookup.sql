-- Lists the countries of the users that the countries seed does not know, so
-- that BI maps show every user; a warning, since the users are still served.
{{ config(severity='warn') }}

select
    country,
    count(*) as users
from {{ ref('users') }}
where country is not null
    and country_iso2 is null
group by country
