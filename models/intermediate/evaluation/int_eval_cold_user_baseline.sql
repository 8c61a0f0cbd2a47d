-- The cold users' plays vector (docs/spec.md section 2) computed from the training data only.
{{ cold_user_baseline(ref('int_eval_plays_training')) }}
