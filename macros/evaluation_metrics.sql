{#
  The evaluation's metrics from per-user figures, in one place for
  eval_metrics and eval_metrics_by_segment (definitions in
  the docs block eval_metric_definitions,
  models/marts/evaluation/_evaluation__docs.md).

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

{#
  Each evaluated user's top-K lists scored against the user's held-out
  artists, one row per list, K (var eval_k) and evaluated user; a user
  without recommendations in a list counts with zero hits. In one place for
  the test evaluation (int_eval_user_metrics) and the tuning's trials
  (int_eval_tuning_metrics). Definitions in the docs block
  eval_metric_definitions (models/marts/evaluation/_evaluation__docs.md).

  recommendations: relation with the list_columns, user_index, rank, artist_index.
  held_out: relation with user_index, artist_index (the held-out pairs).
  users: relation with user_index, holdout_artists, is_evaluated.
  catalogue: relation with artist_index, self_information.
  lists: a select of the list_columns, one row per list to score.
#}
{% macro eval_user_metrics(recommendations, held_out, users, catalogue, lists, list_columns) %}
{%- set ks = var('eval_k') %}
{%- set keys = list_columns | join(', ') %}
with users as (
    select
        users.user_index,
        users.holdout_artists
    from {{ users }} as users
    where users.is_evaluated
),

lists as (
    {{ lists }}
),

cutoffs as (
    select unnest({{ ks }}) as k
),

-- 1 / log2(rank + 1) summed over ranks 1..n: the DCG of a list whose first
-- n items are all hits, looked up at n = min(K, held-out artists).
ideal as (
    select
        position,
        sum(1 / log2(position + 1)) over (order by position) as ideal_dcg
    from generate_series(1, {{ ks | max }}) as positions(position)
),

listed as (
    select
        {% for c in list_columns %}recommendations.{{ c }},
        {% endfor -%}
        cutoffs.k,
        recommendations.user_index,
        recommendations.rank,
        held_out.artist_index is not null as is_hit,
        catalogue.self_information
    from {{ recommendations }} as recommendations
    inner join cutoffs
        on recommendations.rank <= cutoffs.k
    left join {{ held_out }} as held_out
        on recommendations.user_index = held_out.user_index
        and recommendations.artist_index = held_out.artist_index
    left join {{ catalogue }} as catalogue
        on recommendations.artist_index = catalogue.artist_index
),

hits_counted as (
    select
        *,
        count(*) filter (where is_hit) over (
            partition by {{ keys }}, k, user_index
            order by rank
        ) as hits_so_far
    from listed
),

per_list as (
    select
        {{ keys }},
        k,
        user_index,
        count(*) as recommended,
        count(*) filter (where is_hit) as hits,
        coalesce(sum(1 / log2(rank + 1)) filter (where is_hit), 0) as dcg,
        coalesce(sum(hits_so_far / rank) filter (where is_hit), 0) as precision_sum,
        sum(self_information) as self_information
    from hits_counted
    group by {{ keys }}, k, user_index
),

scored as (
    select
        {% for c in list_columns %}lists.{{ c }},
        {% endfor -%}
        cutoffs.k,
        users.user_index,
        users.holdout_artists,
        coalesce(per_list.recommended, 0) as recommended,
        coalesce(per_list.hits, 0) as hits,
        coalesce(per_list.dcg, 0) as dcg,
        ideal.ideal_dcg,
        coalesce(per_list.precision_sum, 0) as precision_sum,
        coalesce(per_list.self_information, 0) as self_information
    from users
    cross join lists
    cross join cutoffs
    inner join ideal
        on ideal.position = least(cutoffs.k, users.holdout_artists)
    left join per_list
        on cutoffs.k = per_list.k
        {%- for c in list_columns %}
        and lists.{{ c }} = per_list.{{ c }}
        {%- endfor %}
        and users.user_index = per_list.user_index
)

select
    {{ keys }},
    k,
    user_index,
    holdout_artists,
    recommended,
    hits,
    hits / k as precision,
    hits / holdout_artists as recall,
    dcg / ideal_dcg as ndcg,
    precision_sum / least(k, holdout_artists) as average_precision,
    hits > 0 as is_hit,
    self_information
from scored
{% endmacro %}

{#
  The tuning's metrics of every trial in `trials` (model, trial, user_index,
  rank, artist_index: int_eval_tuning_scored or int_eval_tuning_blends_scored)
  on the validation split, one row per trial, K and metric, computed as the
  test evaluation's (eval_user_metrics, summarise_eval_metrics).
#}
{% macro tuning_trial_metrics(trials) %}
with user_metrics as (
    {{ eval_user_metrics(
        recommendations=trials,
        held_out=ref('int_eval_validation_held_out'),
        users=ref('int_eval_validation_users_sampled'),
        catalogue=ref('int_eval_tuning_catalogue'),
        lists='select distinct model, trial from ' ~ trials,
        list_columns=['model', 'trial'],
    ) }}
),

cutoffs as (
    select unnest({{ var('eval_k') }}) as k
),

recommended as (
    select
        trials.model,
        trials.trial,
        cutoffs.k,
        trials.artist_index
    from {{ trials }} as trials
    inner join cutoffs
        on trials.rank <= cutoffs.k
),

{{ summarise_eval_metrics('user_metrics', 'recommended', ref('int_eval_tuning_catalogue'), ['trial']) }}
{% endmacro %}

{#
  Each model's chosen trial among `metrics` (model, trial, k, metric, value):
  the highest value of var tuning_metric at K = var tuning_k, ties to the
  smallest trial number, with its parameters from `trials` (model, trial,
  params, one row per recommendation). One row per model: model, trial, params.
#}
{% macro chosen_trials(metrics, trials) %}
{%- set metric = var('tuning_metric') %}
{%- set k = var('tuning_k') | int %}
{#- the vars are checked in on-run-start (macros/validate_vars.sql) #}
with best as (
    select
        model,
        trial
    from {{ metrics }}
    where metric = {{ sql_string(metric) }}
        and k = {{ k }}
    qualify row_number() over (partition by model order by value desc, trial) = 1
),

params as (
    select distinct
        model,
        trial,
        params
    from {{ trials }}
)

select
    params.model,
    params.trial,
    params.params
from best
inner join params
    on best.model = params.model
    and best.trial = params.trial
{% endmacro %}
