-- The plays vector of cold users (SPEC 2, Normalised plays).
{{ cold_user_baseline(ref('int_plays_normalised')) }}
