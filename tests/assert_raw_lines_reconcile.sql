-- Every raw line is accounted for, per file: the lines the reader sees in the
-- raw file = rows used + rows in rejects + valid rows out of scope. Each count
-- comes from the model that holds those rows, not from load_summary. The
-- reader skips lines that are not valid UTF-8 (skipped_raw_lines).
with lines_read as (
    select
        'usersha1-artmbid-artname-plays.tsv' as source_file,
        count(*) as lines
    from (
        select 1 from {{ source('lastfm', 'plays') }}
        union all
        select 1 from ({{ skipped_raw_lines('plays') }})
    )
    union all
    select
        'usersha1-profile.tsv' as source_file,
        count(*) as lines
    from (
        select 1 from {{ source('lastfm', 'profiles') }}
        union all
        select 1 from ({{ skipped_raw_lines('profiles') }})
    )
),

accepted as (
    select
        'usersha1-artmbid-artname-plays.tsv' as source_file,
        sum(source_rows) as lines
    from {{ ref('int_plays_summed_by_artist') }}
    union all
    select
        'usersha1-profile.tsv' as source_file,
        count(*) as lines
    from {{ ref('users') }}
),

rejected as (
    select
        source_file,
        count(*) as lines
    from {{ ref('rejects') }}
    group by source_file
),

out_of_scope as (
    select
        source_file,
        lines_out_of_scope as lines
    from {{ ref('load_summary') }}
)

select
    lines_read.source_file,
    lines_read.lines as lines_read,
    coalesce(accepted.lines, 0) as accepted,
    coalesce(rejected.lines, 0) as rejected,
    coalesce(out_of_scope.lines, 0) as out_of_scope
from lines_read
left join accepted using (source_file)
left join rejected using (source_file)
left join out_of_scope using (source_file)
where lines_read.lines
    <> coalesce(accepted.lines, 0) + coalesce(rejected.lines, 0) + coalesce(out_of_scope.lines, 0)
