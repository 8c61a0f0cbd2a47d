-- The users of the holdout evaluation: every user in scope with at least
-- eval_min_artists artists is eligible and has round(eval_holdout_fraction *
-- artists) of them held out (at least 1, never all). A deterministic random
-- subset of at most eval_max_users eligible users is evaluated (md5 of seed
-- and user id); the others still lose their held-out artists, so the fitted
-- models do not depend on the cap.
{%- set fraction = var('eval_holdout_fraction') | float %}
{%- set min_artists = var('eval_min_artists') | int %}
{%- set max_users = var('eval_max_users') %}
{%- if not (0 < fraction < 1) %}
    {{ exceptions.raise_compiler_error("var eval_holdout_fraction must be in (0, 1); got " ~ var('eval_holdout_fraction')) }}
{%- endif %}
{%- if min_artists < 2 %}
    {{ exceptions.raise_compiler_error("var eval_min_artists must be at least 2 (one artist to hold out, one to train on); got " ~ var('eval_min_artists')) }}
{%- endif %}
{%- if max_users is not none and (max_users | int) < 1 %}
    {{ exceptions.raise_compiler_error("var eval_max_users must be a positive integer or null (all users); got " ~ max_users) }}
{%- endif %}

with eligible as (
    select
        user_index,
        user_id,
        artists
    from {{ ref('int_users_featured') }}
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
            order by md5('{{ var("eval_seed") }}:' || user_id), user_id
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
