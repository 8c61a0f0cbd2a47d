"""The tests' one way to run dbt (docs/testing.md).

dbt runs in the test's work directory with the repository as its project
(``--project-dir``) and profile. By default the warehouse, the serving file
and the raw files' folder are given to dbt relative to that directory
(``lastfm.duckdb``, ``lastfm_serving.duckdb`` and ``raw-data``, a symlink to
the data folder), so that in dbt's eyes two runs with the same vars have the
same profile and environment. dbt then reuses the first run's parse
(``partial_parse.msgpack``, kept per vars for the whole test session and
shared by pytest-xdist's processes) instead of parsing the project again:
about half of dbt's start on every build. dbt itself still checks every
project file against that parse, so a stale one is only slower, never wrong.

Tests that check how a path appears in dbt's messages pass
``paths_as_given=True``: their paths go to dbt as they are, and dbt parses.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample"
DBT = Path(sys.executable).parent / "dbt"

#: The session's saved parses, one per vars and environment (set by conftest.py).
PARSE_CACHE_ENV = "LASTFM_TEST_DBT_PARSE_CACHE"
#: The work directory's link to the raw files' folder.
RAW_LINK = "raw-data"


def _relative_to(path: Path, workdir: Path) -> str:
    """``path`` relative to ``workdir`` when it lies inside it, else absolute."""
    try:
        return str(path.relative_to(workdir))
    except ValueError:
        return str(path)


def _point_link(link: Path, target: Path) -> None:
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(target.resolve(), target_is_directory=True)


def _copy_atomically(source: Path, target: Path) -> None:
    """Copy under a temporary name, then rename: another process never sees half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    os.close(handle)
    shutil.copyfile(source, temporary)
    os.replace(temporary, target)


def run_dbt(workdir: Path, *args: str, data_dir: Path = SAMPLE, dbt_vars: dict | None = None,
            db: Path | None = None, serving_db: Path | None = None, target: str = "target",
            paths_as_given: bool = False, timeout: int = 1800) -> subprocess.CompletedProcess:
    """``dbt <args>`` on the raw files of ``data_dir`` into ``db`` (default
    workdir/lastfm.duckdb) and ``serving_db`` (default
    workdir/lastfm_serving.duckdb), with ``dbt_vars`` as ``--vars``; the
    artifacts in workdir/<target>, the log in workdir/logs."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    db = Path(db) if db else workdir / "lastfm.duckdb"
    serving_db = Path(serving_db) if serving_db else workdir / "lastfm_serving.duckdb"
    if paths_as_given:
        paths = {"LASTFM_DATA_DIR": str(data_dir), "LASTFM_DB": str(db), "LASTFM_SERVING_DB": str(serving_db)}
    else:
        _point_link(workdir / RAW_LINK, Path(data_dir))
        paths = {"LASTFM_DATA_DIR": RAW_LINK, "LASTFM_DB": _relative_to(db, workdir),
                 "LASTFM_SERVING_DB": _relative_to(serving_db, workdir)}
    env = {**os.environ, **paths, "DBT_PROFILES_DIR": str(REPO), "DO_NOT_TRACK": "1"}
    vars_text = json.dumps(dbt_vars or {})  # as given: a grid's key order is its trials' order
    cmd = [str(DBT), *args, "--project-dir", str(REPO), "--target-path", str(workdir / target),
           "--log-path", str(workdir / "logs")]
    if dbt_vars:
        cmd += ["--vars", vars_text]

    parse_file = workdir / target / "partial_parse.msgpack"
    saved = None
    if not paths_as_given and os.environ.get(PARSE_CACHE_ENV):
        key = hashlib.sha256(json.dumps([vars_text, paths]).encode()).hexdigest()[:16]
        saved = Path(os.environ[PARSE_CACHE_ENV]) / f"{key}.msgpack"
        if saved.exists():
            _copy_atomically(saved, parse_file)
    result = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=timeout)
    if saved is not None and not saved.exists() and parse_file.exists():
        _copy_atomically(parse_file, saved)
    return result


def output(result: subprocess.CompletedProcess) -> str:
    """What dbt printed, both streams."""
    return result.stdout + result.stderr
