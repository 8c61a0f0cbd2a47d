-- What happened to the lines of each raw file, one row per file (an empty
-- file too, with zeros): read, accepted, rejected (see rejects) and out of
-- scope (valid rows of users filtered out by the gender / sample vars).
-- read = accepted + rejected + out_of_scope, tested.
with raw_files as (
    select source_file
    from (
        values
        ('usersha1-artmbid-artname-plays.tsv'),
        ('usersha1-profile.tsv')
    ) as files (source_file)  -- noqa: AL05
),

play_lines as (
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
),

counted as (
    select * from play_lines
    union all
    select * from profile_lines
)

select
    raw_files.source_file,
    coalesce(counted.lines_read, 0) as lines_read,
    coalesce(counted.lines_accepted, 0) as lines_accepted,
    coalesce(counted.lines_rejected, 0) as lines_rejected,
    coalesce(counted.lines_out_of_scope, 0) as lines_out_of_scope
from raw_files
left join counted
    on raw_files.source_file = counted.source_file
