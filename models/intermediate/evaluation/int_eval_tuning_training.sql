-- What the tuning fits every trial on: the training data without the
-- validation pairs, re-normalised per user (macros/plays_rules.sql); one row
-- per user and artist. With var eval_tuning_fit_users set, only the scored
-- validation users and that many other users, the first by md5 of seed,
-- 'fit' and user id: every trial's fit is cheaper at full size (the budget
-- of the search); null = every user.
{#- checked before any model runs (lastfm_recs.project_vars) -#}
{%- set fit_users = var('eval_tuning_fit_users') %}

with tuning as (
    {{ plays_without(ref('int_eval_plays_training'), ref('int_eval_validation_held_out')) }}
),

scored as (
    select user_index
    from {{ ref('int_eval_validation_users_sampled') }}
    where is_evaluated
),

others as (
    select distinct
        tuning.user_index,
        tuning.user_id
    from tuning
    anti join scored
        on tuning.user_index = scored.user_index
),

drawn as (
    select user_index
    from others
    qualify row_number() over (
            order by md5({{ sql_string(var('eval_seed') ~ ':fit:') }} || user_id), user_id
        ) <= {{ fit_users if fit_users is not none else 0 }}
),

kept_users as (
    select user_index from scored
    union
    select user_index from drawn
)

select
    tuning.user_index,
    tuning.artist_index,
    tuning.user_id,
    tuning.artist_mbid,
    tuning.plays,
    tuning.plays_share
from tuning
{%- if fit_users is not none %}
semi join kept_users
    on tuning.user_index = kept_users.user_index
{%- endif %}
