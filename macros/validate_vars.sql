{#
  on-run-start: every var of dbt_project.yml checked before any model runs,
  by lastfm_recs.project_vars (the SQL function lastfm_check_vars comes
  from the project's dbt-duckdb plugin, lastfm_recs.dbt_plugin). A bad value
  fails the build at once with the var's name, what was expected and what
  was found. The list below is every var the project reads.
#}
{% macro validate_vars() %}
  {{ return(adapter.dispatch('validate_vars')()) }}
{% endmacro %}

{% macro default__validate_vars() %}
  {% if execute %}
    {% set names = [
        'gender', 'sample_fraction', 'sample_seed', 'neighbors', 'top_n', 'max_reject_share',
        'model', 'model_params', 'evaluate', 'eval_seed', 'eval_holdout_fraction',
        'eval_min_artists', 'eval_max_users', 'eval_k', 'eval_models', 'tuning_grid',
        'tuning_metric', 'tuning_k', 'eval_tuning_max_users', 'eval_top_countries',
        'reasons_per_recommendation', 'artist_weights_top_k', 'similar_artists_top_n',
        'similar_artists_min_listeners', 'eval_bootstrap_replicates', 'eval_tuning_fit_users',
    ] %}
    {% set values = {} %}
    {% for name in names %}
      {% do values.update({name: var(name)}) %}
    {% endfor %}
    {% do run_query('select lastfm_check_vars(' ~ sql_string(tojson(values)) ~ ')') %}
  {% endif %}
  select 1
{% endmacro %}

{#- A value as a SQL string literal: quotes doubled, so any text (a seed,
    a path) reaches SQL as data, never as SQL. -#}
{% macro sql_string(value) -%}
  '{{ (value | string).replace("'", "''") }}'
{%- endmacro %}
