-- The held-out (user, artist) pairs: each eligible user's artists in a
-- random order fixed by the seed (md5 of seed, user id and MBID), the first
-- holdout_artists of them held out (macros/evaluation_splits.sql).
{{ held_out_pairs(ref('int_plays_normalised'), ref('int_eval_users_sampled'), '') }}
