-- Every trial of the tuning with its validation metrics, one row per model,
-- trial, K and metric; is_chosen marks the trial each model is evaluated with,
-- edge_warning its parameters at the edge of their grid.
with metrics as (
    select * from {{ ref('int_eval_tuning_metrics') }}
    union all by name
    select * from {{ ref('int_eval_tuning_blends_metrics') }}
),

trials as (
    select
        model,
        trial,
        any_value(params) as params,
        any_value(fit_seconds) as fit_seconds,
        any_value(recommend_seconds) as recommend_seconds
    from (
        select * from {{ ref('int_eval_tuning_scored') }}
        union all by name
        select * from {{ ref('int_eval_tuning_blends_scored') }}
    )
    group by model, trial
),

chosen as (
    select * from {{ ref('int_eval_tuning_chosen') }}
),

edges as (
    select * from {{ ref('int_eval_tuning_edges') }}
)

select
    trials.model,
    trials.trial,
    trials.params,
    metrics.k,
    metrics.metric,
    metrics.value,
    metrics.users,
    trials.fit_seconds,
    trials.recommend_seconds,
    chosen.trial is not null as is_chosen,
    edges.edge_warning
from trials
inner join metrics
    on trials.model = metrics.model
    and trials.trial = metrics.trial
left join chosen
    on trials.model = chosen.model
    and trials.trial = chosen.trial
left join edges
    on trials.model = edges.model
    and trials.trial = edges.trial
order by
    trials.model,
    trials.trial,
    metrics.k,
    metrics.metric
