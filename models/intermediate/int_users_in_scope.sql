-- The users in scope (SPEC 2, Scope): the first valid profile of each user,
-- optionally filtered by gender and sampled reproducibly. user_index numbers
-- them 0..n-1 in user_id order for the scoring arrays.
{%- set gender = var('gender') %}
{%- set sample_fraction = var('sample_fraction') | float %}
{%- if gender not in (none, 'm', 'f') %}
    {{ exceptions.raise_compiler_error("var gender must be 'm', 'f' or null (all users); got '" ~ gender ~ "'") }}
{%- endif %}
{%- if not (0 < sample_fraction <= 1) %}
    {{ exceptions.raise_compiler_error("var sample_fraction must be in (0, 1]; got " ~ var('sample_fraction')) }}
{%- endif %}

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
    where true
    {%- if gender is not none %}
        and gender = '{{ gender }}'
    {%- endif %}
    {%- if sample_fraction < 1 %}
        -- md5 of seed and user id: the same users for the same seed, on any machine
        and {{ md5_number_mod("'" ~ var('sample_seed') ~ ":' || user_id", 1000000) }}
            < {{ (sample_fraction * 1000000) | round | int }}
    {%- endif %}
)

select
    row_number() over (order by user_id) - 1 as user_index,
    user_id,
    gender,
    age_raw,
    country,
    signup_date
from scoped
