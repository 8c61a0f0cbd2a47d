-- The users of the holdout evaluation: every user in scope with at least
-- eval_min_artists artists is eligible and has round(eval_holdout_fraction *
-- artists) of them held out (at least 1, never all). A deterministic random
-- subset of at most eval_max_users eligible users is evaluated (md5 of seed
-- and user id); the others still lose their held-out artists, so the fitted
-- models do not depend on the cap (macros/evaluation_splits.sql).
{{ holdout_users(ref('int_users_featured'), '', var('eval_max_users')) }}
