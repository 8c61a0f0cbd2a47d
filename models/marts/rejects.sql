-- Every raw line that is not used, with its file, line number, fields (or the
-- raw line when it does not split into fields) and the reason.
with play_rejects as (
    select
        source_file,
        line_number,
        reject_reason,
        user_id,
        artist_mbid,
        artist_name,
        plays::{{ dbt.type_string() }} as plays,
        rejected_line as raw_line
    from {{ ref('int_play_rows_triaged') }}
    where status = 'rejected'
),

profile_rejects as (
    select
        source_file,
        line_number,
        reject_reason,
        user_id,
        null as artist_mbid,
        null as artist_name,
        null as plays,
        rejected_line as raw_line
    from {{ ref('stg_lastfm__profiles') }}
    where reject_reason is not null
)

select * from play_rejects
union all
select * from profile_rejects
