-- The chosen trial of each model of the tuning's first stage (best var
-- tuning_metric at var tuning_k on the validation split) and its parameters:
-- the components the blends of the second stage are made of.
{{ chosen_trials(ref('int_eval_tuning_metrics'), ref('int_eval_tuning_scored')) }}
