-- The chosen trial of every tuned model, both stages (best var tuning_metric
-- at var tuning_k on the validation split), with its parameters: what
-- int_eval_recommendations_scored fits on the training data.
{%- set metrics %}
(
    select * from {{ ref('int_eval_tuning_metrics') }}
    union all by name
    select * from {{ ref('int_eval_tuning_blends_metrics') }}
)
{%- endset %}
{%- set trials %}
(
    select model, trial, params from {{ ref('int_eval_tuning_scored') }}
    union all
    select model, trial, params from {{ ref('int_eval_tuning_blends_scored') }}
)
{%- endset %}

{{ chosen_trials(metrics, trials) }}
