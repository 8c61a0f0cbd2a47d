{#
  One row per raw line of a source, in file order: line_number (1-based),
  line ('' for an empty line; the reader already removed a trailing `\r`),
  field_count, fields (the line split on tabs; null unless the line has
  exactly expected_fields fields, so a malformed line yields no field values)
  and read_error (null, or why the reader could not give the line as text).
  DuckDB preserves insertion order, so row_number() over () numbers the lines
  the reader gives. The reader skips the lines that are not valid UTF-8 or
  too long (ignore_errors); skipped_raw_lines finds those, and the lines read
  after them are renumbered so that every line keeps its number in the file.

  relation: the source; table_name: its name in the `lastfm` source (plays,
  profiles), whose meta (data_dir, file_name) says which file it reads.
#}
{% macro split_raw_lines(relation, expected_fields, table_name) %}
    {{ return(adapter.dispatch('split_raw_lines')(relation, expected_fields, table_name)) }}
{% endmacro %}

{% macro default__split_raw_lines(relation, expected_fields, table_name) %}
    {%- set skipped_count = 0 %}
    {%- if execute %}
        {%- set skipped_count = run_query(
            'select count(*) from (' ~ skipped_raw_lines(table_name) ~ ')'
        ).columns[0].values()[0] %}
    {%- endif %}
    with read_lines as (
        select
            row_number() over () as read_index,
            coalesce(line, '') as line
        from {{ relation }}
    ),

    {%- if skipped_count == 0 %}

    lines as (
        select
            read_index as line_number,
            line
        from read_lines
    ),
    {%- else %}

    skipped as (
        {{ skipped_raw_lines(table_name) }}
    ),

    -- the i-th skipped line has line_number - i read lines before it
    skipped_counts as (
        select
            line_number - row_number() over (order by line_number) as read_before,
            row_number() over (order by line_number) as skipped_so_far
        from skipped
    ),

    shifts as (
        select
            read_before,
            max(skipped_so_far) as skipped_so_far
        from skipped_counts
        group by read_before
    ),

    lines as (
        select
            read_lines.read_index + coalesce(shifts.skipped_so_far, 0) as line_number,
            read_lines.line
        from read_lines
        asof left join shifts
            on read_lines.read_index > shifts.read_before
    ),
    {%- endif %}

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
        case when len(all_fields) = {{ expected_fields }} then all_fields end as fields,
        null::varchar as read_error
    from split
    {%- if skipped_count > 0 %}

    union all

    select
        line_number,
        raw_line as line,
        null as field_count,
        null as fields,
        reason as read_error
    from skipped
    {%- endif %}
{% endmacro %}

{#-
  The lines of the `lastfm` source table_name's raw file that DuckDB's
  reader skips (not valid UTF-8, or too long): line_number, raw_line (the
  bytes shown safely, invalid ones as \xNN) and reason, found by
  lastfm_recs.raw_files through the plugin's SQL function.
-#}
{% macro skipped_raw_lines(table_name) %}
    {{ return(adapter.dispatch('skipped_raw_lines')(table_name)) }}
{% endmacro %}

{% macro default__skipped_raw_lines(table_name) %}
    {%- set meta = {'data_dir': '', 'file_name': ''} %}
    {%- if execute %}
        {#- unit tests have no sources in the graph: nothing skipped #}
        {%- for node in graph.get('sources', {}).values() if node.source_name == 'lastfm' and node.name == table_name %}
            {%- do meta.update(node.meta) %}
        {%- endfor %}
    {%- endif %}
    {#- data_dir is already a SQL string's content (quotes doubled) #}
    select unnest(
        lastfm_invalid_lines('{{ meta.data_dir }}', {{ sql_string(meta.file_name) }}),
        recursive := true
    )
{% endmacro %}
