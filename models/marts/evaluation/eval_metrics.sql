-- The offline metrics of every model at every K over all evaluated users,
-- one row per model, K and metric (definitions in the YAML and the README).
with user_metrics as (
    select * from {{ ref('int_eval_user_metrics') }}
),

cutoffs as (
    select unnest({{ var('eval_k') }}) as k
),

recommended as (
    select
        recommendations.model,
        cutoffs.k,
        recommendations.artist_index
    from {{ ref('int_eval_recommendations_scored') }} as recommendations
    inner join cutoffs
        on recommendations.rank <= cutoffs.k
),

{{ summarise_eval_metrics('user_metrics', 'recommended', ref('int_eval_catalogue')) }}
