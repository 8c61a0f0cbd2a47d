"""``python -m lastfm_recs.sample_data``: see ``main``."""
from lastfm_recs.sample_data import main

raise SystemExit(main())
