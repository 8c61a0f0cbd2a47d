-- The metrics of every trial of the tuning's first stage on the validation
-- split, one row per model, trial, K and metric.
{{ tuning_trial_metrics(ref('int_eval_tuning_scored')) }}
