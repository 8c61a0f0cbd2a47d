{#
  on-run-start: fail at once, before any model runs, when a raw file the
  `lastfm` sources read is missing. The paths come from the sources' own
  meta (data_dir and external_location), so they are defined in one place.
#}
{% macro check_raw_files() %}
  {{ return(adapter.dispatch('check_raw_files')()) }}
{% endmacro %}

{% macro default__check_raw_files() %}
  {% if execute and flags.WHICH in ('build', 'run') %}
    {% set missing = [] %}
    {% set expected = [] %}
    {% set data_dirs = [] %}
    {% for node in graph.sources.values() if node.source_name == 'lastfm' %}
      {% set location = node.meta.external_location | replace('%(data_dir)s', node.meta.data_dir) %}
      {% set path = modules.re.search("read_csv\('([^']+)'", location).group(1) %}
      {% do expected.append(path.split('/')[-1]) %}
      {% do data_dirs.append(node.meta.data_dir) %}
      {% set found = run_query("select count(*) from glob('" ~ path ~ "')").columns[0].values()[0] %}
      {% if found == 0 %}
        {% do missing.append(path) %}
      {% endif %}
    {% endfor %}
    {% if missing %}
      {{ exceptions.raise_compiler_error(
          "Raw Last.fm file(s) not found: " ~ missing | join(', ') ~ ". "
          ~ "LASTFM_DATA_DIR (now '" ~ data_dirs | unique | join(', ') ~ "') must be a directory "
          ~ "holding the files " ~ expected | sort | join(' and ')
          ~ " of the Last.fm 360K dataset (see README, 'Using the real dataset')."
      ) }}
    {% endif %}
  {% endif %}
  select 1
{% endmacro %}
