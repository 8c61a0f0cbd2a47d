-- One row: the model that made this build's recommendations, its parameters
-- and whose artist weights were published (the read API reports the model and
-- folds a new listener in only when the weights are that model's own).
with weights as (
    select * from {{ ref('artist_weights') }}
),

final as (
    select
        {{ sql_string(var('model')) }} as model,
        {{ sql_string(tojson(var('model_params'))) }} as model_params,
        (select any_value(weights.model) from weights) as weights_model
)

select * from final
