-- plays(u, a) (docs/spec.md section 2, Plays): the accepted rows of a user summed per MBID,
-- so several spellings of one artist add up.
select
    user_id,
    artist_mbid,
    sum(plays)::bigint as plays,
    count(*) as source_rows
from {{ ref('int_play_rows_triaged') }}
where status = 'accepted'
group by user_id, artist_mbid
