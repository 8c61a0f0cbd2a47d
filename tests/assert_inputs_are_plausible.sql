-- The guards before publication (docs/reliability.md): a build whose raw
-- files are empty, give no users or no accepted plays, reject more than
-- var max_reject_share of a file's lines, look swapped or start with a
-- header row fails here, with a message naming the file and the figure.
-- serving_publication refs load_summary and rejects, so it does not run and
-- the serving file stays as it was; the warehouse is not replaced either.
{%- set max_share = var('max_reject_share') | float %}

with summary as (
    select * from {{ ref('load_summary') }}
),

rejects as (
    select * from {{ ref('rejects') }}
),

users as (
    select count(*) as users from {{ ref('int_users_in_scope') }}
),

reason_counts as (
    select
        source_file,
        reject_reason,
        count(*) as lines
    from rejects
    group by source_file, reject_reason
),

-- the most frequent reject reason of each file, with its count (ranked over
-- the counts, not count(*) in the window: Spark cannot resolve that)
top_reasons as (
    select *
    from reason_counts
    qualify row_number() over (partition by source_file order by lines desc, reject_reason asc) = 1
),

-- lines with the field count of the other file: 5 fields in the plays file
-- (a profile line), 4 in the profile file (a play line)
swapped_lines as (
    select
        source_file,
        count(*) filter (
            where (
                source_file = 'usersha1-artmbid-artname-plays.tsv' and reject_reason like 'wrong field count: 5 fields%'
            )
            or (source_file = 'usersha1-profile.tsv' and reject_reason like 'wrong field count: 4 fields%')
        ) as lines
    from rejects
    group by source_file
),

first_lines as (
    select
        'usersha1-artmbid-artname-plays.tsv' as source_file,
        plays_lines.raw_line as line
    from rejects as plays_lines
    where plays_lines.source_file = 'usersha1-artmbid-artname-plays.tsv'
        and plays_lines.line_number = 1
        and plays_lines.reject_reason like 'plays is not an integer%'
    union all
    select
        'usersha1-profile.tsv' as source_file,
        concat_ws(chr(9), user_id, gender, age_text, country) as line
    from {{ ref('stg_lastfm__profiles') }}
    where line_number = 1
        and reject_reason is null
        and coalesce(gender, '') not in ('', 'm', 'f')
        and age is null
        and age_text is not null
),

failures as (
    select
        1 as check_order,
        summary.source_file || ' is empty (0 lines read): expected the Last.fm 360K file of that name' as message
    from summary
    where summary.lines_read = 0

    union all

    select
        2 as check_order,
        'the raw files look swapped: ' || swapped_lines.lines || ' of ' || summary.lines_read
        || ' lines of ' || summary.source_file || ' have the field count of the other file' as message
    from swapped_lines
    inner join summary
        on swapped_lines.source_file = summary.source_file
    where swapped_lines.lines > 0.5 * summary.lines_read

    union all

    select
        3 as check_order,
        'line 1 of ' || source_file || ' looks like a header row (' || replace(line, chr(9), ' | ')
        || '): the dataset''s files have no header; remove that line' as message
    from first_lines

    union all

    select
        4 as check_order,
        'no users in scope: usersha1-profile.tsv has ' || summary.lines_read || ' lines, '
        || summary.lines_rejected || ' rejected, ' || summary.lines_out_of_scope
        || ' left out by the gender / sample vars' as message
    from summary
    cross join users
    where summary.source_file = 'usersha1-profile.tsv'
        and users.users = 0
        and summary.lines_read > 0

    union all

    select
        5 as check_order,
        'no accepted plays: usersha1-artmbid-artname-plays.tsv has ' || summary.lines_read || ' lines, '
        || summary.lines_rejected || ' rejected, ' || summary.lines_out_of_scope || ' out of scope' as message
    from summary
    where summary.source_file = 'usersha1-artmbid-artname-plays.tsv'
        and summary.lines_accepted = 0
        and summary.lines_read > 0

    union all

    select
        6 as check_order,
        summary.source_file || ': ' || summary.lines_rejected || ' of ' || summary.lines_read
        || ' lines rejected (' || round(100.0 * summary.lines_rejected / summary.lines_read, 1)
        || '%), above var max_reject_share ({{ (max_share * 100) | round(2) }}%); most frequent reason: '''
        || top_reasons.reject_reason || ''' (' || top_reasons.lines || ' lines); see the rejects table' as message
    from summary
    inner join top_reasons
        on summary.source_file = top_reasons.source_file
    where summary.lines_rejected > {{ max_share }} * summary.lines_read
),

summarised as (
    select
        count(*) as failure_count,
        {{ ordered_string_agg('message', "'; '", 'check_order, message') }} as messages
    from failures
)

select {{ raise_sql_error("'Implausible input, nothing published: ' || messages") }} as failure
from summarised
where failure_count > 0
