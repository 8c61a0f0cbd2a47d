-- Each evaluated user's top-K list of each model scored against the user's
-- held-out artists, one row per model, K and evaluated user. A user without
-- recommendations counts with zero hits. The definitions are in the YAML.
{{ eval_user_metrics(
    recommendations=ref('int_eval_recommendations_scored'),
    held_out=ref('int_eval_plays_held_out'),
    users=ref('int_eval_users_sampled'),
    catalogue=ref('int_eval_catalogue'),
    lists='select unnest(' ~ var('eval_models') ~ ') as model',
    list_columns=['model'],
) }}
