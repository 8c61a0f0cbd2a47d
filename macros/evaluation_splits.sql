{#
  The evaluation's splits, in one place for the test holdout (int_eval_*)
  and the validation split the tuning carves from the training data
  (int_eval_validation_*, int_eval_tuning_*). `salt` tells the two draws
  apart: '' for the test holdout, 'validation:' for the validation split,
  so the same eval_seed gives independent draws.
#}

{#- The users of a holdout: every user of `users` (user_index, user_id,
    artists) with at least eval_min_artists artists is eligible and has
    round(eval_holdout_fraction x artists) of them held out (at least 1,
    never all); the first `max_users` by md5(eval_seed, salt, user id) are
    evaluated (none = all). -#}
{% macro holdout_users(users, salt, max_users) %}
{%- set fraction = var('eval_holdout_fraction') | float %}
{%- set min_artists = var('eval_min_artists') | int %}
{#- the vars are checked in on-run-start (macros/validate_vars.sql) #}
with eligible as (
    select
        user_index,
        user_id,
        artists
    from {{ users }}
    where artists >= {{ min_artists }}
),

sized as (
    select
        user_index,
        user_id,
        artists,
        least(
            artists - 1,
            greatest(1, round({{ fraction }} * artists)::integer)
        ) as holdout_artists,
        row_number() over (
            order by md5({{ sql_string(var('eval_seed') ~ ':' ~ salt) }} || user_id), user_id
        ) as draw_order
    from eligible
)

select
    user_index,
    user_id,
    artists,
    holdout_artists,
    {%- if max_users is none %}
    true as is_evaluated
    {%- else %}
    draw_order <= {{ max_users | int }} as is_evaluated
    {%- endif %}
from sized
{% endmacro %}

{#- The held-out (user, artist) pairs: each user's artists of `plays`
    (user_index, artist_index, user_id, artist_mbid, plays) in the order of
    md5(eval_seed, salt, user id, MBID), the first holdout_artists of them
    (`users`: holdout_users). -#}
{% macro held_out_pairs(plays, users, salt) %}
with drawn as (
    select
        plays.user_index,
        plays.artist_index,
        plays.user_id,
        plays.artist_mbid,
        plays.plays,
        users.holdout_artists,
        users.is_evaluated,
        row_number() over (
            partition by plays.user_index
            order by md5({{ sql_string(var('eval_seed') ~ ':' ~ salt) }} || plays.user_id || ':' || plays.artist_mbid), plays.artist_mbid
        ) as draw_order
    from {{ plays }} as plays
    inner join {{ users }} as users
        on plays.user_index = users.user_index
)

select
    user_index,
    artist_index,
    user_id,
    artist_mbid,
    plays,
    is_evaluated
from drawn
where draw_order <= holdout_artists
{% endmacro %}

{#- `plays` without the `held_out` pairs, p(u, a) recomputed over each
    user's remaining plays with the rule of docs/spec.md (plays_share). -#}
{% macro plays_without(plays, held_out) %}
with kept as (
    select
        plays.user_index,
        plays.artist_index,
        plays.user_id,
        plays.artist_mbid,
        plays.plays
    from {{ plays }} as plays
    anti join {{ held_out }} as held_out
        on plays.user_index = held_out.user_index
        and plays.artist_index = held_out.artist_index
)

select
    user_index,
    artist_index,
    user_id,
    artist_mbid,
    plays,
    {{ plays_share('plays', 'user_index') }} as plays_share
from kept
{% endmacro %}

{#- The artists a model fitted on `training` can recommend - those with at
    least one listener there - with their self-information log2(users in
    scope / listeners) for the novelty metric. -#}
{% macro eval_catalogue(training) %}
with listened as (
    select
        artist_index,
        artist_mbid,
        count(*) as listeners
    from {{ training }}
    group by artist_index, artist_mbid
),

users as (
    select count(*) as users
    from {{ ref('int_users_featured') }}
)

select
    listened.artist_index,
    listened.artist_mbid,
    listened.listeners,
    log2(users.users / listened.listeners) as self_information
from listened
cross join users
{% endmacro %}
