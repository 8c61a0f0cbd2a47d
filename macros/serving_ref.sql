{#- ref() without the database and schema: for the serving views, whose SQL
    the publication copies into the serving file, where the tables sit under
    another catalog name. DuckDB binds a view's names in the view's own
    catalog and schema, so the view works in the warehouse as well. Spark
    binds them in the session's current schema and publishes no serving
    file: there it is plain ref(). -#}
{% macro serving_ref(model_name) %}
    {{- return(adapter.dispatch('serving_ref')(model_name)) -}}
{% endmacro %}

{% macro default__serving_ref(model_name) %}
    {{- return(ref(model_name).include(database=false, schema=false)) -}}
{% endmacro %}

{% macro spark__serving_ref(model_name) %}
    {{- return(ref(model_name)) -}}
{% endmacro %}
