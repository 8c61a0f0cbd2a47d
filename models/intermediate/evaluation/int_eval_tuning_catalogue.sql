-- The artists a trial of the tuning can recommend - those with a listener in
-- the tuning data - with their self-information, for the trial metrics.
{{ eval_catalogue(ref('int_eval_tuning_training')) }}
