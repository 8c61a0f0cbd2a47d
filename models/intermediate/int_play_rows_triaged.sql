-- Every line of the plays file with its fate: accepted (used), rejected
-- (with the reason) or out_of_scope (a valid row of a user filtered out by
-- the gender / sample vars).
{{ config(materialized='view') }}

with plays as (
    select * from {{ ref('stg_lastfm__plays') }}
),

-- every user with a valid profile, and whether the gender / sample vars keep them
profiled_users as (
    select
        profiles.user_id,
        users_in_scope.user_id is not null as in_scope
    from {{ ref('stg_lastfm__profiles') }} as profiles
    left join {{ ref('int_users_in_scope') }} as users_in_scope
        on profiles.user_id = users_in_scope.user_id
    where profiles.reject_reason is null
),

triaged as (
    select
        plays.source_file,
        plays.line_number,
        plays.user_id,
        plays.artist_mbid,
        plays.artist_name,
        plays.plays,
        plays.rejected_line,
        case
            when plays.reject_reason is not null then plays.reject_reason
            when profiled_users.user_id is null then 'user has no profile'
            when not profiled_users.in_scope then null
            when plays.artist_mbid is null then 'empty artist MBID: not used for recommendations'
        end as reject_reason,
        coalesce(profiled_users.in_scope, false) as user_in_scope
    from plays
    left join profiled_users
        on plays.user_id = profiled_users.user_id
)

select
    source_file,
    line_number,
    user_id,
    artist_mbid,
    artist_name,
    plays,
    rejected_line,
    reject_reason,
    case
        when reject_reason is not null then 'rejected'
        when not user_in_scope then 'out_of_scope'
        else 'accepted'
    end as status
from triaged
