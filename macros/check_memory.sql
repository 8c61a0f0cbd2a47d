{#
  on-run-start, after check_raw_files: estimate this build's peak memory
  from the raw plays file's size, the model and its parameters and DuckDB's
  memory_limit (lastfm_recs.memory_model, through the plugin's SQL function
  lastfm_check_memory), print it, and stop at once when it exceeds
  LASTFM_MEMORY_LIMIT (default: the memory available on the machine).
#}
{% macro check_memory() %}
  {{ return(adapter.dispatch('check_memory')()) }}
{% endmacro %}

{% macro default__check_memory() %}
  {% if execute and flags.WHICH in ('build', 'run') %}
    {% set data_dirs = [] %}
    {% for node in graph.sources.values() if node.source_name == 'lastfm' %}
      {% do data_dirs.append(node.meta.data_dir) %}
    {% endfor %}
    {#- data_dir is already a SQL string's content (quotes doubled) #}
    {% set estimate = run_query(
        "select lastfm_check_memory('" ~ data_dirs[0] ~ "', " ~ sql_string(var('model')) ~ ", "
        ~ sql_string(tojson(var('model_params'))) ~ ", " ~ (var('neighbors') | int)
        ~ ", current_setting('memory_limit'))"
    ).columns[0].values()[0] %}
    {{ log(estimate, info=True) }}
  {% endif %}
  select 1
{% endmacro %}

{#- Spark: memory is the cluster's, sized by its own settings (docs/spark.md) -#}
{% macro spark__check_memory() %}
  select 1
{% endmacro %}
