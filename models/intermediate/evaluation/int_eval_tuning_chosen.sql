-- The chosen trial of every tuned model, both stages (best var tuning_metric
-- at var tuning_k on the validation split), with its parameters and timings:
-- what int_eval_recommendations_scored fits on the training data.
with metrics as (
    select * from {{ ref('int_eval_tuning_metrics') }}
    union all by name
    select * from {{ ref('int_eval_tuning_blends_metrics') }}
),

trials as (
    select distinct
        model,
        trial,
        params
    from {{ ref('int_eval_tuning_scored') }}
    union
    select distinct
        model,
        trial,
        params
    from {{ ref('int_eval_tuning_blends_scored') }}
),

chosen as (
    {{ chosen_trials('metrics') }}
)

select
    trials.model,
    trials.trial,
    trials.params
from chosen
inner join trials
    on chosen.model = trials.model
    and chosen.trial = trials.trial
