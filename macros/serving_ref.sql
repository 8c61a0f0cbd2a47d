{#- ref() without the database and schema: for the serving views, whose SQL
    the publication copies into the serving file, where the tables sit under
    another catalog name. DuckDB binds a view's names in the view's own
    catalog and schema, so the view works in the warehouse as well. -#}
{% macro serving_ref(model_name) %}
    {{- return(ref(model_name).include(database=false, schema=false)) -}}
{% endmacro %}
