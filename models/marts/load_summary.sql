-- What happened to the lines of each raw file: read, accepted, rejected (see
-- rejects) and out of scope (valid rows of users filtered out by the gender /
-- sample vars). read = accepted + rejected + out_of_scope, tested.
with play_lines as (
    select
        source_file,
        count(*) as lines_read,
        count(*) filter (where status = 'accepted') as lines_accepted,
        count(*) filter (where status = 'rejected') as lines_rejected,
        count(*) filter (where status = 'out_of_scope') as lines_out_of_scope
    from {{ ref('int_play_rows_triaged') }}
    group by source_file
),

profiles_in_scope as (
    select user_id from {{ ref('int_users_in_scope') }}
),

profile_lines as (
    select
        profiles.source_file,
        count(*) as lines_read,
        count(profiles_in_scope.user_id) as lines_accepted,
        count(*) filter (where profiles.reject_reason is not null) as lines_rejected,
        count(*) filter (
            where profiles.reject_reason is null and profiles_in_scope.user_id is null
        ) as lines_out_of_scope
    from {{ ref('stg_lastfm__profiles') }} as profiles
    left join profiles_in_scope
        on profiles.user_id = profiles_in_scope.user_id
        and profiles.reject_reason is null
    group by profiles.source_file
)

select * from play_lines
union all
select * from profile_lines
