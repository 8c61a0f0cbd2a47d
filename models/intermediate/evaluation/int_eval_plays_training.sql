-- The training data: plays(u, a) of every user in scope without the held-out
-- pairs, re-normalised per user with the rule of docs/spec.md (macros/plays_rules.sql).
{{ plays_without(ref('int_plays_normalised'), ref('int_eval_plays_held_out')) }}
