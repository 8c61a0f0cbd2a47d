-- Each evaluated user's top-K list of each model scored against the user's
-- held-out artists, one row per model, K and evaluated user. A user without
-- recommendations counts with zero hits. The definitions are in the YAML.
{%- set ks = var('eval_k') %}

with users as (
    select
        users.user_index,
        users.holdout_artists
    from {{ ref('int_eval_users_sampled') }} as users
    where users.is_evaluated
),

models as (
    select unnest({{ var('eval_models') }}) as model
),

cutoffs as (
    select unnest({{ ks }}) as k
),

-- 1 / log2(rank + 1) summed over ranks 1..n: the DCG of a list whose first
-- n items are all hits, looked up at n = min(K, held-out artists).
ideal as (
    select
        position,
        sum(1 / log2(position + 1)) over (order by position) as ideal_dcg
    from generate_series(1, {{ ks | max }}) as positions(position)
),

listed as (
    select
        recommendations.model,
        cutoffs.k,
        recommendations.user_index,
        recommendations.rank,
        held_out.artist_index is not null as is_hit,
        catalogue.self_information
    from {{ ref('int_eval_recommendations_scored') }} as recommendations
    inner join cutoffs
        on recommendations.rank <= cutoffs.k
    left join {{ ref('int_eval_plays_held_out') }} as held_out
        on recommendations.user_index = held_out.user_index
        and recommendations.artist_index = held_out.artist_index
    left join {{ ref('int_eval_catalogue') }} as catalogue
        on recommendations.artist_index = catalogue.artist_index
),

hits_counted as (
    select
        *,
        count(*) filter (where is_hit) over (
            partition by model, k, user_index
            order by rank
        ) as hits_so_far
    from listed
),

per_list as (
    select
        model,
        k,
        user_index,
        count(*) as recommended,
        count(*) filter (where is_hit) as hits,
        coalesce(sum(1 / log2(rank + 1)) filter (where is_hit), 0) as dcg,
        coalesce(sum(hits_so_far / rank) filter (where is_hit), 0) as precision_sum,
        sum(self_information) as self_information
    from hits_counted
    group by model, k, user_index
),

scored as (
    select
        models.model,
        cutoffs.k,
        users.user_index,
        users.holdout_artists,
        coalesce(per_list.recommended, 0) as recommended,
        coalesce(per_list.hits, 0) as hits,
        coalesce(per_list.dcg, 0) as dcg,
        ideal.ideal_dcg,
        coalesce(per_list.precision_sum, 0) as precision_sum,
        coalesce(per_list.self_information, 0) as self_information
    from users
    cross join models
    cross join cutoffs
    inner join ideal
        on ideal.position = least(cutoffs.k, users.holdout_artists)
    left join per_list
        on models.model = per_list.model
        and cutoffs.k = per_list.k
        and users.user_index = per_list.user_index
)

select
    model,
    k,
    user_index,
    holdout_artists,
    recommended,
    hits,
    hits / k as precision,
    hits / holdout_artists as recall,
    dcg / ideal_dcg as ndcg,
    precision_sum / least(k, holdout_artists) as average_precision,
    hits > 0 as is_hit,
    self_information
from scored
