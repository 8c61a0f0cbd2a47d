-- One row: the scoring settings of this build as dbt resolved them (vars
-- model, model_params, neighbors and top_n, --vars included), which the
-- PySpark scoring step reads, so that it scores as the DuckDB build would.
-- Spark builds only (docs/spark.md); on DuckDB the Python model reads them.
{{ config(enabled=target.type == 'spark') }}
{%- set model_params = tojson(var('model_params')) %}
{%- if "'" in model_params or "'" in var('model') %}
    {{ exceptions.raise_compiler_error("vars model and model_params must not contain a single quote; got " ~ var('model') ~ " " ~ model_params) }}
{%- endif %}

select
    '{{ var("model") }}' as model,
    '{{ model_params }}' as model_params,
    {{ var('neighbors') | int }} as neighbors,
    {{ var('top_n') | int }} as top_n
