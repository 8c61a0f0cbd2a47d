-- Every line of the profile file, typed, with the reason it is not used
-- (null for the first valid profile of its user).
with source as (
    {{ split_raw_lines(source('lastfm', 'profiles'), 5, 'profiles') }}
),

typed as (
    select
        line_number,
        line,
        field_count,
        read_error,
        fields[1] as user_id,
        nullif(fields[2], '') as gender,
        nullif(fields[3], '') as age_text,
        nullif(fields[4], '') as country,
        nullif(fields[5], '') as signup_text
    from source
),

categorised as (
    select
        *,
        case
            when read_error is not null then read_error
            when line = '' then 'empty line'
            when field_count <> 5
                then 'wrong field count: ' || field_count || ' fields, expected 5'
            when user_id = '' then 'empty user id'
        end as parse_error
    from typed
),

deduplicated as (
    select
        *,
        -- the first valid row of a user wins; later ones are duplicates
        case
            when parse_error is null
                and row_number() over (
                    partition by user_id order by line_number
                ) > 1
                then 'duplicate profile: user already seen on an earlier line'
        end as duplicate_error
    from categorised
)

select
    'usersha1-profile.tsv' as source_file,
    line_number,
    user_id,
    gender,
    age_text,
    case
        when {{ full_match('age_text', "'-?[0-9]{1,9}'") }} then age_text::integer
    end as age,
    country,
    {{ try_parse_date('signup_text', '%b %d, %Y') }} as signup_date,
    coalesce(parse_error, duplicate_error) as reject_reason,
    case when parse_error is not null then line end as rejected_line
from deduplicated
