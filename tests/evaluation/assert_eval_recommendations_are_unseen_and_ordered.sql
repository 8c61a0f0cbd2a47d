-- Every model recommends only artists without training plays for the user
-- (held-out artists are fair game), to evaluated users only, with ranks
-- 1, 2, 3, ... and scores that never increase down the list.
{{ config(enabled=var('evaluate'), tags=['evaluation']) }}

with recommendations as (
    select * from {{ ref('int_eval_recommendations_scored') }}
),

evaluated as (
    select user_index
    from {{ ref('int_eval_users_sampled') }}
    where is_evaluated
),

seen as (
    select
        recommendations.model,
        recommendations.user_index,
        recommendations.rank,
        'artist in the training data' as problem
    from recommendations
    inner join {{ ref('int_eval_plays_training') }} as training
        on recommendations.user_index = training.user_index
        and recommendations.artist_index = training.artist_index
),

not_evaluated as (
    select
        recommendations.model,
        recommendations.user_index,
        recommendations.rank,
        'user not evaluated' as problem
    from recommendations
    anti join evaluated
        on recommendations.user_index = evaluated.user_index
),

ordered as (
    select
        model,
        user_index,
        rank,
        case
            when rank <> row_number() over (partition by model, user_index order by rank) then 'rank gap'
            when score > lag(score) over (partition by model, user_index order by rank) then 'score increases'
        end as problem
    from recommendations
)

select * from seen
union all
select * from not_evaluated
union all
select * from ordered
where problem is not null
