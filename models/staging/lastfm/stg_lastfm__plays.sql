-- Every line of the plays file, typed, with the reason it cannot be used
-- (null when it parses; later steps add the reasons that need other files).
with source as (
    {{ split_raw_lines(source('lastfm', 'plays'), 4, 'plays') }}
),

typed as (
    select
        line_number,
        line,
        field_count,
        read_error,
        fields[1] as user_id,
        lower(nullif(fields[2], '')) as artist_mbid,
        nullif(fields[3], '') as artist_name,
        fields[4] as plays_text,
        case
            when {{ full_match('fields[4]', "'-?[0-9]{1,18}'") }} then fields[4]::bigint
        end as plays
    from source
),

categorised as (
    select
        *,
        case
            when read_error is not null then read_error
            when line = '' then 'empty line'
            when field_count <> 4
                then 'wrong field count: ' || field_count || ' fields, expected 4'
            when user_id = '' then 'empty user id'
            when plays is null then 'plays is not an integer: ' || chr(39) || plays_text || chr(39)
            when plays <= 0 then 'plays <= 0'
            when artist_mbid is not null
                and not {{ full_match(
                    'artist_mbid', "'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'"
                ) }}
                then 'artist MBID is not a UUID'
        end as reject_reason
    from typed
)

select
    'usersha1-artmbid-artname-plays.tsv' as source_file,
    line_number,
    user_id,
    artist_mbid,
    artist_name,
    plays,
    reject_reason,
    -- the raw line is kept only where the fields cannot show what was wrong
    case when reject_reason is not null then line end as rejected_line
from categorised
