-- The chosen trial of each model of the tuning's first stage (best var
-- tuning_metric at var tuning_k on the validation split) and its parameters:
-- the components the blends of the second stage are made of.
with chosen as (
    {{ chosen_trials(ref('int_eval_tuning_metrics')) }}
),

trials as (
    select distinct
        model,
        trial,
        params
    from {{ ref('int_eval_tuning_scored') }}
)

select
    trials.model,
    trials.trial,
    trials.params
from chosen
inner join trials
    on chosen.model = trials.model
    and chosen.trial = trials.trial
