"""Session set-up shared by every test module."""
from __future__ import annotations

import os
import shutil
import tempfile

from dbt_runs import PARSE_CACHE_ENV

_OWN_PARSE_CACHE: list[str] = []


def pytest_configure(config):
    """One folder of saved dbt parses for the session (tests/dbt_runs.py).
    Made by the first process; pytest-xdist's worker processes inherit the
    variable, so they share it."""
    if not os.environ.get(PARSE_CACHE_ENV):
        os.environ[PARSE_CACHE_ENV] = tempfile.mkdtemp(prefix="lastfm-recs-dbt-parse-")
        _OWN_PARSE_CACHE.append(os.environ[PARSE_CACHE_ENV])


def pytest_unconfigure(config):
    for folder in _OWN_PARSE_CACHE:
        shutil.rmtree(folder, ignore_errors=True)
        os.environ.pop(PARSE_CACHE_ENV, None)


#: The modules with the longest builds, started first: pytest-xdist hands out
#: modules in collection order, and one of these started last would run alone
#: at the end while the other process idles.
LONGEST_FIRST = ("test_spark_same_answers.py", "test_evaluation.py")


def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: the rest keep their order
