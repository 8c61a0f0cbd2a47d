-- The metrics of eval_metrics per segment of the evaluated users
-- (int_eval_users_segmented: gender, age band, country, activity), one row
-- per segment, model, K and metric.
with segments as (
    select * from {{ ref('int_eval_users_segmented') }}
),

user_metrics as (
    select
        segments.segment_type,
        segments.segment,
        per_user.*
    from {{ ref('int_eval_user_metrics') }} as per_user
    inner join segments
        on per_user.user_index = segments.user_index
),

cutoffs as (
    select unnest({{ var('eval_k') }}) as k
),

recommended as (
    select
        segments.segment_type,
        segments.segment,
        recommendations.model,
        cutoffs.k,
        recommendations.artist_index
    from {{ ref('int_eval_recommendations_scored') }} as recommendations
    inner join cutoffs
        on recommendations.rank <= cutoffs.k
    inner join segments
        on recommendations.user_index = segments.user_index
),

{{ summarise_eval_metrics('user_metrics', 'recommended', ref('int_eval_catalogue'), ['segment_type', 'segment']) }}
