{#
  Spark's side of reading the raw files (the DuckDB side: check_raw_files,
  split_raw_lines). Spark has no read_csv() table function, so on-run-start
  makes each `lastfm` source a view of its file read whole lines at a time
  (Spark's text reader: `\n`, `\r\n` and `\r` end a line, empty lines are
  kept as ''). A missing file fails the view, naming its path.
#}
{% macro spark__check_raw_files() %}
  {% if execute and flags.WHICH in ('build', 'run') %}
    {% for node in graph.sources.values() if node.source_name == 'lastfm' %}
      {# data_dir is a SQL string's content (quotes doubled); Spark reads the plain file, not .gz #}
      {% set path = node.meta.data_dir.replace("''", "'") ~ '/' ~ node.meta.file_name %}
      {% do run_query('create database if not exists ' ~ node.schema) %}
      {% do run_query(
          'create or replace view ' ~ node.schema ~ '.' ~ node.identifier
          ~ ' as select value as line from text.`' ~ path ~ '`'
      ) %}
    {% endfor %}
  {% endif %}
  select 1
{% endmacro %}

{#
  split_raw_lines on Spark: the same columns. A single file's lines come out
  of the reader in file order (its splits are read in offset order), so
  monotonically_increasing_id() orders them and row_number() numbers them.
  Spark arrays index from 0: fields gets an empty slot 0, so fields[1] is
  the first field on both engines and the staging models stay one copy.
#}
{% macro spark__split_raw_lines(relation, expected_fields, table_name) %}
    with lines as (
        select
            cast(row_number() over (order by monotonically_increasing_id()) as bigint) as line_number,  -- bigint as DuckDB's
            coalesce(line, '') as line
        from {{ relation }}
    ),

    split as (
        select
            line_number,
            line,
            split(line, chr(9)) as all_fields
        from lines
    )

    select
        line_number,
        line,
        size(all_fields) as field_count,
        case
            when size(all_fields) = {{ expected_fields }}
                then concat(array(cast(null as string)), all_fields)
        end as fields,
        cast(null as string) as read_error
    from split
{% endmacro %}

{#
  Spark's text reader gives every line (invalid UTF-8 bytes become U+FFFD),
  so no line is skipped: skipped_raw_lines is empty on Spark.
#}
{% macro spark__skipped_raw_lines(table_name) %}
    select
        cast(null as bigint) as line_number,
        cast(null as string) as raw_line,
        cast(null as string) as reason
    where false
{% endmacro %}

{#
  The plugin's SQL functions behind validate_vars and publish_warehouse are
  DuckDB's: on Spark, lastfm_recs.spark_build checks the vars in Python
  before dbt starts, and the Parquet tables are the warehouse.
#}
{% macro spark__validate_vars() %}
  select 1
{% endmacro %}

{% macro spark__publish_warehouse(results) %}
  select 1
{% endmacro %}
