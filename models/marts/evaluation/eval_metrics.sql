-- The offline metrics of every model at every K over all evaluated users,
-- one row per model, K and metric (definitions in the YAML and the README),
-- with the metric's 95% bootstrap interval over the users.
with point_estimates as (
    with user_metrics as (
        select * from {{ ref('int_eval_user_metrics') }}
    ),

    cutoffs as (
        select unnest({{ var('eval_k') }}) as k
    ),

    recommended as (
        select
            recommendations.model,
            cutoffs.k,
            recommendations.artist_index
        from {{ ref('int_eval_recommendations_scored') }} as recommendations
        inner join cutoffs
            on recommendations.rank <= cutoffs.k
    ),

    {{ summarise_eval_metrics('user_metrics', 'recommended', ref('int_eval_catalogue')) }}
),

intervals as (
    select * from {{ ref('int_eval_metrics_bootstrap') }}
)

select
    point_estimates.model,
    point_estimates.k,
    point_estimates.metric,
    point_estimates.value,
    point_estimates.users,
    intervals.ci_low,
    intervals.ci_high
from point_estimates
left join intervals
    on point_estimates.model = intervals.model
    and point_estimates.k = intervals.k
    and point_estimates.metric = intervals.metric
order by
    point_estimates.model,
    point_estimates.k,
    point_estimates.metric
