-- One row per artist MBID among the accepted plays of the users in scope.
select
    artist_mbid,
    artist_name,
    spellings,
    listeners,
    total_plays
from {{ ref('int_artists_deduplicated_by_mbid') }}
