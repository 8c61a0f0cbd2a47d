{#
  on-run-start: fail at once, before any model runs, when the raw files the
  `lastfm` sources read cannot be read as they should. The folder and file
  names come from the sources' own meta (data_dir, file_name), so they are
  defined in one place. Each file is `<file_name>` or, gzipped as
  downloaded, `<file_name>.gz`: exactly one of them must be there. When
  neither is, the sub-folders (two levels) are searched, so that pointing
  at the archive's parent folder says where the files are.
#}
{% macro check_raw_files() %}
  {{ return(adapter.dispatch('check_raw_files')()) }}
{% endmacro %}

{% macro default__check_raw_files() %}
  {% if execute and flags.WHICH in ('build', 'run') %}
    {% set problems = [] %}
    {% set expected = [] %}
    {% set data_dirs = [] %}
    {% for node in graph.sources.values() if node.source_name == 'lastfm' %}
      {# data_dir is a SQL string's content (quotes doubled): the path itself for messages #}
      {% set data_dir = node.meta.data_dir.replace("''", "'") %}
      {% set name = node.meta.file_name %}
      {% do expected.append(name) %}
      {% do data_dirs.append(data_dir) %}
      {% for character in ['*', '?', '['] if character in data_dir %}
        {{ exceptions.raise_compiler_error(
            "LASTFM_DATA_DIR ('" ~ data_dir ~ "') holds the character '" ~ character ~ "', which DuckDB "
            ~ "reads as a file-name pattern (glob); move the raw files to a folder without * ? [ in its path."
        ) }}
      {% endfor %}
      {% set matches = run_query(
          "select file, parse_filename(file) as base from glob("
          ~ sql_string(data_dir ~ '/' ~ name ~ '*') ~ ") order by file"
      ) %}
      {% set found = matches.columns[0].values() | list %}
      {% set readable = matches.columns[1].values() | select('in', [name, name ~ '.gz']) | list %}
      {% if readable | length == 0 %}
        {% set elsewhere = run_query(
            "select file from glob(" ~ sql_string(data_dir ~ '/*/' ~ name ~ '*') ~ ")"
            ~ " union all select file from glob(" ~ sql_string(data_dir ~ '/*/*/' ~ name ~ '*') ~ ")"
            ~ " order by file limit 3"
        ).columns[0].values() | list %}
        {% do problems.append(
            data_dir ~ '/' ~ name ~ " not found"
            ~ (" (found " ~ elsewhere | join(', ') ~ ": set LASTFM_DATA_DIR to its folder)" if elsewhere else "")
            ~ (" (the folder holds " ~ found | join(', ') ~ ")" if found else "")
        ) %}
      {% elif found | length > 1 %}
        {% do problems.append(
            "more than one file matches " ~ data_dir ~ '/' ~ name ~ "*: " ~ found | join(', ')
            ~ "; keep only " ~ name ~ " or " ~ name ~ ".gz"
        ) %}
      {% endif %}
    {% endfor %}
    {% if problems %}
      {{ exceptions.raise_compiler_error(
          "Raw Last.fm file(s) not usable: " ~ problems | join('; ') ~ ". "
          ~ "LASTFM_DATA_DIR (now '" ~ data_dirs | unique | join(', ') ~ "') must be a directory "
          ~ "holding the files " ~ expected | sort | join(' and ')
          ~ " (or the same names with .gz) of the Last.fm 360K dataset (see README, 'Using the real dataset')."
      ) }}
    {% endif %}
  {% endif %}
  select 1
{% endmacro %}
