-- The tuning fits on int_eval_tuning_training and scores on the validation
-- pairs: neither may hold a test-held-out (user, artist) pair. Rows returned
-- are leaks.
{{ config(enabled=var('evaluate'), tags=['evaluation']) }}

with test_pairs as (
    select
        user_index,
        artist_index
    from {{ ref('int_eval_plays_held_out') }}
),

seen_by_tuning as (
    select
        'int_eval_tuning_training' as model,
        user_index,
        artist_index
    from {{ ref('int_eval_tuning_training') }}
    union all
    select
        'int_eval_validation_held_out' as model,
        user_index,
        artist_index
    from {{ ref('int_eval_validation_held_out') }}
)

select
    seen_by_tuning.model,
    seen_by_tuning.user_index,
    seen_by_tuning.artist_index
from seen_by_tuning
inner join test_pairs
    on seen_by_tuning.user_index = test_pairs.user_index
    and seen_by_tuning.artist_index = test_pairs.artist_index
