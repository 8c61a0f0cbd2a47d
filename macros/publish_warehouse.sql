{#
  on-run-end: a build writes a copy of the warehouse (the building file,
  lastfm_recs.warehouse_files); when every node of the run succeeded it is
  checkpointed and moved over LASTFM_DB with one rename. Otherwise LASTFM_DB
  stays the last successful build, whole, and the failed build is left in
  the building file to inspect.
#}
{% macro publish_warehouse(results) %}
  {{ return(adapter.dispatch('publish_warehouse')(results)) }}
{% endmacro %}

{% macro default__publish_warehouse(results) %}
  {% if execute and flags.WHICH in ('build', 'run', 'seed', 'snapshot') %}
    {% set failed = [] %}
    {% for result in results if result.status in ('error', 'fail', 'skipped', 'runtime error') %}
      {% do failed.append(result.node.name ~ ' (' ~ result.status ~ ')') %}
    {% endfor %}
    {# a selected node without a result never ran (an interrupted build) #}
    {% set finished = results | map(attribute='node') | map(attribute='unique_id') | list %}
    {% for unique_id in selected_resources
        if unique_id.split('.')[0] in ('model', 'seed', 'snapshot', 'test') and unique_id not in finished %}
      {% do failed.append(unique_id ~ ' (did not run)') %}
    {% endfor %}
    {% if failed %}
      {{ log("The warehouse (LASTFM_DB) is left as the last successful build: " ~ failed | length
             ~ " node(s) did not succeed: " ~ failed[:5] | join(', ')
             ~ ". This build's tables are in the building file beside it (<LASTFM_DB>.building/).", info=true) }}
    {% else %}
      {% do run_query('checkpoint') %}
      {% set published = run_query('select lastfm_replace_warehouse()').columns[0].values()[0] %}
      {% if published %}
        {{ log("Published the warehouse: " ~ published, info=true) }}
      {% endif %}
    {% endif %}
  {% endif %}
  select 1
{% endmacro %}
