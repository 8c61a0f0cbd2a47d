-- The plays vector of cold users (docs/spec.md section 2, Normalised plays).
{{ cold_user_baseline(ref('int_plays_normalised')) }}
