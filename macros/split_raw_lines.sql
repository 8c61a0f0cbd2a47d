{#
  One row per raw line of a source, in file order: line_number (1-based),
  line ('' for an empty line; the reader already removed a trailing `\r`),
  field_count, and fields (the line split on tabs; null unless the line has
  exactly expected_fields fields, so a malformed line yields no field values).
  DuckDB preserves insertion order, so row_number() over () is the line number.
#}
{% macro split_raw_lines(relation, expected_fields) %}
    {{ return(adapter.dispatch('split_raw_lines')(relation, expected_fields)) }}
{% endmacro %}

{% macro default__split_raw_lines(relation, expected_fields) %}
    with lines as (
        select
            row_number() over () as line_number,
            coalesce(line, '') as line
        from {{ relation }}
    ),

    split as (
        select
            line_number,
            line,
            string_split(line, chr(9)) as all_fields
        from lines
    )

    select
        line_number,
        line,
        len(all_fields) as field_count,
        case when len(all_fields) = {{ expected_fields }} then all_fields end as fields
    from split
{% endmacro %}
