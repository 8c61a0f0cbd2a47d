-- The artists a model can recommend: those with at least one training
-- listener, with their self-information log2(users in scope / listeners)
-- for the novelty metric.
{{ eval_catalogue(ref('int_eval_plays_training')) }}
