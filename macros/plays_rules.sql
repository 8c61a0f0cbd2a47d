{#
  The rules of docs/spec.md on plays, in one place for the warehouse and the
  evaluation's training data.
#}

{#- p(u, a) = plays(u, a) / sum over a' of plays(u, a') (docs/spec.md section 2, Normalised plays). -#}
{% macro plays_share(plays_column='plays', user_column='user_index') -%}
    {{ plays_column }} / sum({{ plays_column }}) over (partition by {{ user_column }})
{%- endmacro %}

{#- The cold users' plays vector (docs/spec.md section 2): the column mean of the raw plays
    matrix over users with plays, L1-normalised = each artist's share of all
    plays. relation has artist_index and plays. -#}
{% macro cold_user_baseline(relation) %}
    with totals as (
        select
            artist_index,
            sum(plays)::bigint as plays
        from {{ relation }}
        group by artist_index
    )

    select
        artist_index,
        plays / sum(plays) over () as baseline_share
    from totals
{% endmacro %}
