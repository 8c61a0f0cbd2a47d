-- The users of the validation split the tuning scores on, carved from the
-- training data (never the test holdout): every user with at least
-- eval_min_artists training artists is eligible and has
-- round(eval_holdout_fraction x training artists) of them held out for
-- validation; the first eval_tuning_max_users by md5 of seed, 'validation'
-- and user id are scored (macros/evaluation_splits.sql).
{%- set training_artists %}
(
    select
        user_index,
        any_value(user_id) as user_id,
        count(*) as artists
    from {{ ref('int_eval_plays_training') }}
    group by user_index
)
{%- endset %}

{{ holdout_users(training_artists, 'validation:', var('eval_tuning_max_users')) }}
