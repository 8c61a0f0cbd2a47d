-- Every evaluated model with the parameters it ran with (tuned in this run
-- or from var model_params) and how long it took to fit on the training data
-- and to recommend to the evaluated users.
select
    model,
    any_value(params) as params,
    any_value(params_source) as params_source,
    any_value(fit_seconds) as fit_seconds,
    any_value(recommend_seconds) as recommend_seconds,
    count(distinct user_index) as users_recommended
from {{ ref('int_eval_recommendations_scored') }}
group by model
order by model
