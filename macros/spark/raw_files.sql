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
      {% set location = node.meta.external_location | replace('%(data_dir)s', node.meta.data_dir) %}
      {% set path = modules.re.search("read_csv\('([^']+)'", location).group(1) %}
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
{% macro spark__split_raw_lines(relation, expected_fields) %}
    with lines as (
        select
            row_number() over (order by monotonically_increasing_id()) as line_number,
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
        end as fields
    from split
{% endmacro %}
