{#
  The evaluation's metrics from per-user figures, in one place for
  eval_metrics and eval_metrics_by_segment (definitions in
  models/marts/evaluation/_evaluation__models.yml and the README).

  user_metrics: CTE with model, k, the group columns and, per evaluated
    user, precision, recall, ndcg, average_precision, is_hit, recommended
    and self_information (int_eval_user_metrics).
  recommended: CTE with model, k, the group columns and artist_index, one row
    per recommendation at rank <= k.
  catalogue: relation with one row per recommendable artist.
  Renders the rest of a with clause: call it after the caller's last CTE and
  its comma. The select returns the group columns, model, k, metric, value
  and users, one row per group, model, K and metric.
#}
{% macro summarise_eval_metrics(user_metrics, recommended, catalogue, group_columns=[]) %}
{%- set groups %}{% for column in group_columns %}{{ column }}, {% endfor %}{% endset -%}
averaged as (
    select
        {{ groups }}model,
        k,
        count(*) as users,
        avg(precision) as precision,
        avg(recall) as recall,
        avg(ndcg) as ndcg,
        avg(average_precision) as map,
        avg(is_hit::integer) as hit_rate,
        -- mean self-information over every recommended item (not per user)
        sum(self_information) / nullif(sum(recommended), 0) as novelty
    from {{ user_metrics }}
    group by {{ groups }}model, k
),

covered as (
    select
        {{ groups }}model,
        k,
        count(distinct artist_index) as artists
    from {{ recommended }}
    group by {{ groups }}model, k
),

catalogue as (
    select count(*) as artists
    from {{ catalogue }}
),

summarised as (
    select
        {% for column in group_columns %}averaged.{{ column }},
        {% endfor -%}
        averaged.model,
        averaged.k,
        averaged.users,
        averaged.precision,
        averaged.recall,
        averaged.ndcg,
        averaged.map,
        averaged.hit_rate,
        coalesce(covered.artists, 0) / catalogue.artists as coverage,
        averaged.novelty
    from averaged
    cross join catalogue
    left join covered
        on averaged.model = covered.model
        and averaged.k = covered.k
        {%- for column in group_columns %}
        and averaged.{{ column }} = covered.{{ column }}
        {%- endfor %}
)

select
    {{ groups }}model,
    k,
    metric,
    value,
    users
from summarised
unpivot include nulls (
    value for metric in (precision, recall, ndcg, map, hit_rate, coverage, novelty)
)
order by {{ groups }}model, k, metric
{% endmacro %}
