-- The validation pairs: each validation user's training artists in a random
-- order fixed by the seed (md5 of seed, 'validation', user id and MBID), the
-- first holdout_artists of them. Drawn from the training data only, so no
-- test-held-out pair can be among them.
{{ held_out_pairs(ref('int_eval_plays_training'), ref('int_eval_validation_users_sampled'), 'validation:') }}
