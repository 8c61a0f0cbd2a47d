-- What the tuning fits every trial on: the training data without the
-- validation pairs, re-normalised per user (macros/plays_rules.sql).
{{ plays_without(ref('int_eval_plays_training'), ref('int_eval_validation_held_out')) }}
