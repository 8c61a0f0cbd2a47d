{#
  The few SQL expressions that DuckDB and Spark spell differently, each
  dispatched by adapter (default__ = DuckDB, spark__ = Spark SQL), so every
  model exists once and runs on both engines (docs/spark.md).
#}

{#- True when the whole of `value` matches the regular expression `pattern`
    (both SQL expressions; pattern a string literal). -#}
{% macro full_match(value, pattern) -%}
    {{ return(adapter.dispatch('full_match')(value, pattern)) }}
{%- endmacro %}

{% macro default__full_match(value, pattern) -%}
    regexp_full_match({{ value }}, {{ pattern }})
{%- endmacro %}

{#- Java's rlike finds a match anywhere: anchored to the whole string. -#}
{% macro spark__full_match(value, pattern) -%}
    ({{ value }} rlike concat('^(?:', {{ pattern }}, ')$'))
{%- endmacro %}

{#- The date in `value` (a SQL expression) written as `format` (strftime
    codes %b %d %m %Y), null when it does not parse. -#}
{% macro try_parse_date(value, format) -%}
    {{ return(adapter.dispatch('try_parse_date')(value, format)) }}
{%- endmacro %}

{% macro default__try_parse_date(value, format) -%}
    try_strptime({{ value }}, '{{ format }}')::date
{%- endmacro %}

{% macro spark__try_parse_date(value, format) -%}
    {%- set java = format | replace('%b', 'MMM') | replace('%d', 'd') | replace('%m', 'M') | replace('%Y', 'yyyy') -%}
    {%- if '%' in java %}
        {{ exceptions.raise_compiler_error("try_parse_date: unsupported strftime code in '" ~ format ~ "' (known: %b %d %m %Y)") }}
    {%- endif -%}
    try_to_date({{ value }}, '{{ java }}')
{%- endmacro %}

{#- md5_number(value) mod `modulus` (a positive integer): DuckDB's md5_number
    reads the 16 bytes of the MD5 digest as one unsigned little-endian
    128-bit integer. Spark has no 128-bit integer, so it takes the two 64-bit
    halves (hi * 2^64 + lo) mod m = ((hi mod m) (2^64 mod m) + lo mod m) mod m:
    the same number, so the same users are sampled on both engines. -#}
{% macro md5_number_mod(value, modulus) -%}
    {{ return(adapter.dispatch('md5_number_mod')(value, modulus)) }}
{%- endmacro %}

{% macro default__md5_number_mod(value, modulus) -%}
    (md5_number({{ value }}) % {{ modulus }})
{%- endmacro %}

{% macro spark__md5_number_mod(value, modulus) -%}
    {%- set m = modulus | int -%}
    {%- set hex = 'md5(' ~ value ~ ')' -%}
    {#- bytes 16..9 and 8..1, most significant first (little-endian digest) -#}
    {%- set high = [] -%}{%- set low = [] -%}
    {%- for byte in range(16, 8, -1) %}{% do high.append('substr(' ~ hex ~ ', ' ~ (2 * byte - 1) ~ ', 2)') %}{% endfor -%}
    {%- for byte in range(8, 0, -1) %}{% do low.append('substr(' ~ hex ~ ', ' ~ (2 * byte - 1) ~ ', 2)') %}{% endfor -%}
    (
        (
            pmod(cast(conv(concat({{ high | join(', ') }}), 16, 10) as decimal(20, 0)), {{ m }})
            * {{ (2 ** 64) % m }}
            + pmod(cast(conv(concat({{ low | join(', ') }}), 16, 10) as decimal(20, 0)), {{ m }})
        ) % {{ m }}
    )
{%- endmacro %}

{#- The scored top-n lists (user_index, rank, artist_index, score) the
    recommendations mart reads: the dbt Python model on DuckDB, the PySpark
    step's table on Spark (source spark_scoring, docs/spark.md). -#}
{% macro scored_recommendations() -%}
    {{ return(adapter.dispatch('scored_recommendations')()) }}
{%- endmacro %}

{% macro default__scored_recommendations() -%}
    {{ return(ref('int_recommendations_scored')) }}
{%- endmacro %}

{% macro spark__scored_recommendations() -%}
    {{ return(source('spark_scoring', 'int_recommendations_scored')) }}
{%- endmacro %}

{#- The values of `value` joined by `separator` in the order of `order_by`
    (SQL expressions; an aggregate). -#}
{% macro ordered_string_agg(value, separator, order_by) -%}
    {{ return(adapter.dispatch('ordered_string_agg')(value, separator, order_by)) }}
{%- endmacro %}

{% macro default__ordered_string_agg(value, separator, order_by) -%}
    string_agg({{ value }}, {{ separator }} order by {{ order_by }})
{%- endmacro %}

{% macro spark__ordered_string_agg(value, separator, order_by) -%}
    string_agg({{ value }}, {{ separator }}) within group (order by {{ order_by }})
{%- endmacro %}

{#- Fails the query with `message` (a SQL string expression) when evaluated. -#}
{% macro raise_sql_error(message) -%}
    {{ return(adapter.dispatch('raise_sql_error')(message)) }}
{%- endmacro %}

{% macro default__raise_sql_error(message) -%}
    error({{ message }})
{%- endmacro %}

{% macro spark__raise_sql_error(message) -%}
    raise_error({{ message }})
{%- endmacro %}
