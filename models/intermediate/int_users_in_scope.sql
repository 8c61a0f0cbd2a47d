-- The users in scope (docs/spec.md section 2, Scope): the first valid profile of each user,
-- optionally filtered by gender and sampled reproducibly. user_index numbers
-- them 0..n-1 in user_id order for the scoring arrays.
-- The vars are checked in on-run-start (macros/validate_vars.sql) and reach
-- the SQL as escaped literals.
{%- set gender = var('gender') %}
{%- set sample_fraction = var('sample_fraction') | float %}

with profiles as (
    select * from {{ ref('stg_lastfm__profiles') }}
    where reject_reason is null
),

scoped as (
    select
        user_id,
        gender,
        age as age_raw,
        country,
        signup_date
    from profiles
    -- the filters come and go with the vars: the linter cannot place their indent
    -- noqa: disable=LT02
    where true
    {%- if gender is not none %}
        and gender = {{ sql_string(gender) }}
    {%- endif %}
    {%- if sample_fraction < 1 %}
        -- md5 of seed and user id: the same users for the same seed, on any machine
        and {{ md5_number_mod(sql_string(var('sample_seed') ~ ':') ~ ' || user_id', 1000000) }}
            < {{ (sample_fraction * 1000000) | round | int }}
    {%- endif %}
-- noqa: enable=LT02
)

select
    row_number() over (order by user_id) - 1 as user_index,
    user_id,
    gender,
    age_raw,
    country,
    signup_date
from scoped
