"""Never publish a broken warehouse (docs/reliability.md): input guards,
the warehouse whole or untouched after a failed build, vars checked before
any model runs, hostile paths, gzipped input, stale staging files.

The builds run plain `dbt` (and `make` for the paths) on small generated
data; expected users come from the independent reference of docs/spec.md
(tests/spec_reference.py), never from the warehouse itself. The tests are
in a class per concern: `make test` (pytest-xdist --dist loadscope) hands
each class to a process, so this module's builds are spread over them.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

import dbt_runs
import spec_reference as spec
from dbt_runs import REPO, output
from lastfm_recs import serving
from lastfm_recs.project_vars import VarError, check_project_vars
from lastfm_recs.sample_data import generate_dataset

#: Small builds: the fastest model, and a reject share the tiny generated
#: files stay under (their fixed dirt is a large share of 60 users' lines).
SMALL = {"model": "popularity", "max_reject_share": 0.5}


def run_dbt(workdir: Path, data_dir: Path, dbt_vars: dict | None = None, *args: str,
            db: Path | None = None, serving_db: Path | None = None,
            paths_as_given: bool = False) -> subprocess.CompletedProcess:
    """Plain `dbt build` (not make), with the SMALL vars under dbt_vars."""
    return dbt_runs.run_dbt(workdir, "build", *args, data_dir=data_dir, dbt_vars={**SMALL, **(dbt_vars or {})},
                            db=db, serving_db=serving_db, paths_as_given=paths_as_given)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def users_of(db: Path) -> set[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {row[0] for row in con.sql("select user_id from users").fetchall()}


@pytest.fixture(scope="module")
def data_a(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("data") / "a"
    generate_dataset(path, n_users=60, seed=1)
    return path


@pytest.fixture(scope="module")
def data_b(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("data") / "b"
    generate_dataset(path, n_users=50, seed=2)
    return path


def copy_files(source: Path, target: Path, plays: str | None = None, profiles: str | None = None) -> Path:
    """The raw files of ``source`` in ``target``, with either file's text replaced."""
    target.mkdir(parents=True)
    for name, text in ((spec.PLAYS_FILE, plays), (spec.PROFILE_FILE, profiles)):
        if text is None:
            shutil.copyfile(source / name, target / name)
        else:
            (target / name).write_text(text)
    return target


# --- the warehouse is whole or untouched ---------------------------------------------


class TestWholeOrUntouched:
    """A failed build leaves the last good warehouse and serving file."""

    def test_a_failed_build_leaves_the_last_successful_warehouse_whole(self, tmp_path, data_a, data_b):
        """Data A, then data B with top_n: 0 (fails before any model), then B with
        the files swapped (fails after the models, at the input guards): the
        warehouse and the serving file stay A's, every mart joining; then B
        builds and replaces both."""
        db, serving_db = tmp_path / "lastfm.duckdb", tmp_path / "lastfm_serving.duckdb"
        result = run_dbt(tmp_path, data_a)
        assert result.returncode == 0, output(result)[-3000:]
        users_a = set(spec.build(data_a).users)
        assert users_of(db) == users_a
        warehouse_a, serving_a = digest(db), digest(serving_db)

        result = run_dbt(tmp_path, data_b, {"top_n": 0})
        assert result.returncode != 0
        assert "var top_n: expected an integer [1, 1000], found 0" in output(result)
        assert "START sql" not in output(result)  # nothing ran

        swapped = copy_files(data_b, tmp_path / "swapped", plays=(data_b / spec.PROFILE_FILE).read_text(),
                             profiles=(data_b / spec.PLAYS_FILE).read_text())
        result = run_dbt(tmp_path, swapped)
        assert result.returncode != 0
        assert "the raw files look swapped" in output(result)
        assert "START python table model main.int_recommendations_scored" in output(result)  # models ran
        assert digest(db) == warehouse_a and digest(serving_db) == serving_a
        with duckdb.connect(str(db), read_only=True) as con:
            assert {row[0] for row in con.sql("select user_id from users").fetchall()} == users_a
            unjoined = con.sql(
                "select count(*) from recommendations anti join users using (user_id)"
            ).fetchall()[0][0]
            assert unjoined == 0
            lines = dict(con.sql("select source_file, lines_read from load_summary").fetchall())
        assert lines[spec.PLAYS_FILE] == len(spec.raw_lines(data_a / spec.PLAYS_FILE))

        result = run_dbt(tmp_path, data_b)
        assert result.returncode == 0, output(result)[-3000:]
        assert users_of(db) == set(spec.build(data_b).users)
        assert users_of(serving_db) == set(spec.build(data_b).users)


# --- input guards ----------------------------------------------------------------------


def scenario(name: str, data: Path, root: Path) -> tuple[Path, dict]:
    """A broken copy of ``data`` and the vars to build it with."""
    profiles = (data / spec.PROFILE_FILE).read_text()
    target = root / name
    if name == "both_empty":
        return copy_files(data, target, plays="", profiles=""), {}
    if name == "plays_empty":
        return copy_files(data, target, plays=""), {}
    if name == "every_play_line_bad":
        return copy_files(data, target, plays="".join(f"u{i}\tnot a play line\n" for i in range(50))), {}
    if name == "header":
        return copy_files(data, target, profiles="user\tgender\tage\tcountry\tsignup\n" + profiles), {}
    if name == "no_users":
        return copy_files(data, target), {"sample_fraction": 0.0001}
    if name == "reject_share":
        return copy_files(data, target), {"max_reject_share": 0.1}
    raise ValueError(name)


GUARDS = {
    "both_empty": [f"{spec.PLAYS_FILE} is empty (0 lines read)", f"{spec.PROFILE_FILE} is empty (0 lines read)"],
    "plays_empty": [f"{spec.PLAYS_FILE} is empty (0 lines read)"],
    "every_play_line_bad": [f"no accepted plays: {spec.PLAYS_FILE} has 50 lines, 50 rejected",
                            f"{spec.PLAYS_FILE}: 50 of 50 lines rejected (100.0%), above var max_reject_share (50.0%)"],
    "header": [f"line 1 of {spec.PROFILE_FILE} looks like a header row (user | gender | age | country)"],
    "no_users": ["no users in scope: usersha1-profile.tsv has 68 lines, 11 rejected, 57 left out"],
    "reject_share": [f"{spec.PROFILE_FILE}: 11 of 68 lines rejected (16.2%), above var max_reject_share (10.0%); "
                     "most frequent reason: 'duplicate profile: user already seen on an earlier line' (3 lines)"],
}


class TestInputGuards:
    """Implausible input fails the build, naming the file and the figure."""

    @pytest.mark.parametrize("name", sorted(GUARDS))
    def test_implausible_input_fails_naming_the_file_and_figure(self, tmp_path, data_a, name):
        """Only the guard and what it reads is built (the publication waits for
        the guard: tested on the swapped files above and the empty files below)."""
        data, dbt_vars = scenario(name, data_a, tmp_path)
        lines = {f: len(spec.raw_lines(data_a / f)) for f in (spec.PLAYS_FILE, spec.PROFILE_FILE)}
        assert lines[spec.PROFILE_FILE] == 68  # the figures above are this data's
        result = run_dbt(tmp_path, data, dbt_vars, "--select", "+assert_inputs_are_plausible",
                         "--indirect-selection", "cautious")
        assert result.returncode != 0
        for message in GUARDS[name]:
            assert message in output(result)
        assert "Implausible input, nothing published" in output(result)

    def test_empty_files_never_replace_a_good_serving_file(self, tmp_path, data_a):
        result = run_dbt(tmp_path, data_a)
        assert result.returncode == 0, output(result)[-3000:]
        serving_db = tmp_path / "lastfm_serving.duckdb"
        before = digest(serving_db), digest(tmp_path / "lastfm.duckdb")
        empty = copy_files(data_a, tmp_path / "empty", plays="", profiles="")
        result = run_dbt(tmp_path, empty)
        assert result.returncode != 0 and "is empty (0 lines read)" in output(result)
        assert (digest(serving_db), digest(tmp_path / "lastfm.duckdb")) == before
        # the failed build's load_summary (in the building file) has a row per file, zeros
        building = tmp_path / "lastfm.duckdb.building" / "lastfm.duckdb"
        with duckdb.connect(str(building), read_only=True) as con:
            rows = con.sql("select source_file, lines_read, lines_accepted from load_summary order by 1").fetchall()
        assert rows == [(spec.PLAYS_FILE, 0, 0), (spec.PROFILE_FILE, 0, 0)]


# --- vars --------------------------------------------------------------------------------


def project_vars() -> dict:
    return yaml.safe_load((REPO / "dbt_project.yml").read_text())["vars"]


HOSTILE = ["o'brien", "x' or '1'='1", "1); drop table users; --", "x' || user_id) % 1 = 0 or md5_number('"]
#: Vars whose value is hashed as text: any printable text is a valid seed.
SEEDS = {"sample_seed", "eval_seed"}


class TestVars:
    """Every var is checked before any model runs."""

    def test_the_defaults_pass(self):
        check_project_vars(project_vars())

    @pytest.mark.parametrize("name", sorted(set(project_vars()) - {"model_params_tuned"}))
    @pytest.mark.parametrize("value", HOSTILE)
    def test_every_var_refuses_quotes_and_injection_or_is_a_seed(self, name, value):
        values = {**project_vars(), name: value}
        if name in SEEDS:
            check_project_vars(values)  # escaped in SQL: tested end to end below
            return
        with pytest.raises(VarError, match=f"^var {name}"):
            check_project_vars(values)

    @pytest.mark.parametrize("name, value, message", [
        ("top_n", 0, "var top_n: expected an integer [1, 1000], found 0"),
        ("top_n", 1001, "var top_n: expected an integer [1, 1000], found 1001"),
        ("top_n", "abc", "var top_n: expected an integer [1, 1000], found 'abc'"),
        ("top_n", True, "var top_n"),
        ("neighbors", 0, "var neighbors: expected an integer [1, 10000], found 0"),
        ("neighbors", 2.5, "var neighbors"),
        ("sample_fraction", 0, "var sample_fraction: expected a number in (0, 1], found 0"),
        ("sample_fraction", 1.5, "var sample_fraction"),
        ("sample_fraction", "1e-06",
         "var sample_fraction: expected a number in (0, 1], found '1e-06' (text: YAML reads"),
        ("gender", "x", "var gender: expected 'm', 'f' or null"),
        ("max_reject_share", -0.1, "var max_reject_share: expected a number in [0, 1]"),
        ("sample_seed", "a\nb", "var sample_seed: expected an integer or a printable text"),
        ("model", "svd", "var model: unknown model(s) ['svd']"),
        ("model_params", {"ease": {"l2": -1.0}}, "var model_params: model ease: l2"),
        ("model_params", {"ease": {"depth": 3}}, "var model_params: model ease: unknown parameter(s) ['depth']"),
        ("model_params", {"svd": {}}, "var model_params: unknown model(s) ['svd']"),
        ("model_params", {"hybrid": {"weights": {"ease": -1.0}}}, "var model_params: model hybrid: weights[ease]"),
        ("eval_k", [10, 0], "var eval_k: expected an integer [1, 1000], found 0"),
        ("eval_models", ["ease", "svd"], "var eval_models: unknown model(s) ['svd']"),
        ("tuning_grid", {"ease": {"depth": [1]}}, "var tuning_grid: model ease: unknown parameter(s) ['depth']"),
        ("tuning_k", 5, "var tuning_k: expected one of the cut-offs of var eval_k"),
        ("eval_holdout_fraction", 1, "var eval_holdout_fraction: expected a number in (0, 1)"),
        ("eval_min_artists", 1, "var eval_min_artists: expected an integer >= 2"),
        ("eval_max_users", 0, "var eval_max_users: expected an integer >= 1 or null"),
    ])
    def test_bounds_name_the_var(self, name, value, message):
        with pytest.raises(VarError) as error:
            check_project_vars({**project_vars(), name: value})
        assert str(error.value).startswith(message)

    def test_neighbors_is_checked_for_every_model(self):
        with pytest.raises(VarError, match="^var neighbors"):
            check_project_vars({**project_vars(), "model": "ease", "neighbors": -5})

    def test_a_bad_var_fails_in_dbt_before_any_model_naming_it(self, tmp_path, data_a):
        result = run_dbt(tmp_path, data_a, {"model_params": {"ease": {"l2": -1.0}}, "model": "ease"})
        assert result.returncode != 0
        assert "var model_params: model ease: l2" in output(result)
        assert "START sql" not in output(result)

    def test_a_seed_with_quotes_samples_as_the_reference(self, tmp_path, data_a):
        """sample_seed is hashed as text, escaped: an injection attempt is just
        another seed (it used to switch sampling off)."""
        seed = HOSTILE[-1]
        result = run_dbt(tmp_path, data_a, {"sample_fraction": 0.5, "sample_seed": seed},
                         "--select", "+users", "--indirect-selection", "cautious")
        assert result.returncode == 0, output(result)[-3000:]
        expected = set(spec.build(data_a, sample_fraction=0.5, sample_seed=seed).users)
        assert 0 < len(expected) < len(spec.build(data_a).users)
        assert users_of(tmp_path / "lastfm.duckdb") == expected


# --- paths, gzip --------------------------------------------------------------------


class TestPaths:
    """Hostile paths, gzipped input, the archive's folder."""

    def test_make_build_with_spaces_quotes_and_non_ascii_in_every_path(self, tmp_path, data_a):
        """make build: gzipped raw files in a folder with a space, a quote and a
        non-ASCII letter; the warehouse and the serving file in such folders
        too. Nothing lands anywhere else."""
        data = tmp_path / "raw da'ta ü"
        data.mkdir()
        for name in (spec.PLAYS_FILE, spec.PROFILE_FILE):
            with gzip.open(data / f"{name}.gz", "wb") as out:
                out.write((data_a / name).read_bytes())
        db = tmp_path / "ware house's ü" / "lastfm ü.duckdb"
        serving_db = tmp_path / "bi \"tools\" ß" / "serving ü.duckdb"
        env = {**os.environ, "LASTFM_DATA_DIR": str(data), "LASTFM_DB": str(db), "LASTFM_SERVING_DB": str(serving_db),
               "DBT_ARGS": f"--vars '{json.dumps(SMALL)}' --target-path '{tmp_path}/target' "
                           f"--log-path '{tmp_path}/logs'"}
        result = subprocess.run(["make", "--no-print-directory", "build"], cwd=REPO, env=env, capture_output=True,
                                text=True, timeout=1800)
        assert result.returncode == 0, output(result)[-3000:]
        expected = set(spec.build(data_a).users)
        assert users_of(db) == expected and users_of(serving_db) == expected
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
            ["raw da'ta ü", "ware house's ü", "bi \"tools\" ß", "target", "logs"]
        )
        with duckdb.connect(str(db), read_only=True) as con:
            lines = dict(con.sql("select source_file, lines_read from load_summary").fetchall())
        assert lines[spec.PLAYS_FILE] == len(spec.raw_lines(data_a / spec.PLAYS_FILE))

    def test_a_quote_in_the_warehouse_file_name_fails_at_once_naming_it(self, tmp_path, data_a):
        result = run_dbt(tmp_path, data_a, db=tmp_path / 'my"warehouse.duckdb')
        assert result.returncode != 0
        assert "LASTFM_DB file name 'my\"warehouse.duckdb' holds the character '\"'" in output(result)
        assert "START sql" not in output(result)

    def test_the_archive_folder_names_where_the_files_are(self, tmp_path, data_a):
        inner = tmp_path / "download" / "lastfm-dataset-360K"
        copy_files(data_a, inner)
        result = run_dbt(tmp_path, tmp_path / "download", paths_as_given=True)
        assert result.returncode != 0
        assert f"(found {inner}/{spec.PLAYS_FILE}: set LASTFM_DATA_DIR to its folder)" in output(result)
        (inner / f"{spec.PLAYS_FILE}.gz").write_bytes(gzip.compress((data_a / spec.PLAYS_FILE).read_bytes()))
        result = run_dbt(tmp_path, inner, paths_as_given=True)
        assert result.returncode != 0
        assert f"more than one file matches {inner}/{spec.PLAYS_FILE}*" in output(result)


# --- stale staging files of the serving file ---------------------------------------


class TestStagingFiles:
    """Stale staging files of the serving file."""

    def test_publication_removes_stale_staging_files_but_not_a_running_one(self, tmp_path):
        target = tmp_path / "bi.duckdb"
        stale = tmp_path / "bi.duckdb.publishing-0123456789ab"
        duckdb.connect(str(stale)).close()
        orphan_wal = tmp_path / "bi.duckdb.publishing-ba9876543210.wal"
        orphan_wal.write_bytes(b"x")
        running = tmp_path / "bi.duckdb.publishing-running0000"
        holder = subprocess.Popen(
            [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
             "print('open', flush=True); time.sleep(60)", str(running)],
            stdout=subprocess.PIPE, text=True,
        )
        try:
            assert holder.stdout.readline().strip() == "open"
            with duckdb.connect() as con:
                serving.publish(con, {"users": "select 1 as user_id"}, target)
            assert not stale.exists() and not orphan_wal.exists()
            assert running.exists()
        finally:
            holder.kill()
            holder.wait()
        assert sorted(p.name for p in tmp_path.iterdir()) == ["bi.duckdb", running.name]


# --- lines the reader cannot give as text -------------------------------------------


def naive_invalid_lines(data: bytes, max_bytes: int) -> list[tuple[int, str]]:
    """Reference: every `\\n`-separated line decoded on its own."""
    found = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        line = line.rstrip(b"\r")
        if len(line) > max_bytes:
            found.append((number, "too long"))
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            found.append((number, line.decode("utf-8", errors="backslashreplace")))
    return found


class TestUnreadableLines:
    """Lines the reader cannot give as text."""

    @pytest.mark.parametrize("block_bytes", [7, 64, 1 << 20])
    @pytest.mark.parametrize("compressed", [False, True])
    def test_invalid_lines_match_a_line_by_line_decode(self, tmp_path, monkeypatch, block_bytes, compressed):
        from lastfm_recs import raw_files

        monkeypatch.setattr(raw_files, "BLOCK_BYTES", block_bytes)
        monkeypatch.setattr(raw_files, "MAX_LINE_BYTES", 40)
        data = (b"ok\tline\n\xffbad start\r\nfine \xc3\xa9\xe2\x82\xac\n\n" + b"L" * 41 + b"\n"
                + b"two \xc3 bad \xfe\n\xe2\x82\nlast \xc3\xa9 ok\n\xf0\x9f\x8e\xb5 end \xed\xa0\x80")
        name = "usersha1-profile.tsv"
        if compressed:
            (tmp_path / f"{name}.gz").write_bytes(gzip.compress(data))
        else:
            (tmp_path / name).write_bytes(data)
        got = raw_files.invalid_lines(str(tmp_path), name)
        expected = naive_invalid_lines(data, 40)
        assert [row["line_number"] for row in got] == [number for number, _ in expected] == [2, 5, 6, 7, 9]
        for row, (_, shown) in zip(got, expected):
            if shown == "too long":
                assert row["reason"] == "line longer than 40 bytes (41 bytes)"
            else:
                assert row["raw_line"] == shown and row["reason"].startswith("not valid UTF-8: byte 0x")
        assert got[0]["raw_line"] == "\\xffbad start"  # the bytes shown safely, the \r end removed
        assert got[0]["reason"] == "not valid UTF-8: byte 0xFF at byte 1 of the line"

    def test_invalid_utf8_lines_are_rejected_and_the_build_goes_on(self, tmp_path, data_a):
        raw = (data_a / spec.PLAYS_FILE).read_bytes().split(b"\n")
        raw[10] = raw[10].replace(b"\t", b"\t\xff\xfe", 1)
        raw[20] = raw[20] + b"\xc3"
        # plain dbt with a space, a quote and a non-ASCII letter in the paths too
        data = copy_files(data_a, tmp_path / "raw da'ta ü")
        (data / spec.PLAYS_FILE).write_bytes(b"\n".join(raw))
        db = tmp_path / "ware house's ü" / "lastfm ü.duckdb"
        result = run_dbt(tmp_path, data, {}, "--exclude", "serving_publication+",
                         db=db)
        assert result.returncode == 0, output(result)[-3000:]
        with duckdb.connect(str(db), read_only=True) as con:
            bad = con.sql(
                "select line_number, reject_reason, raw_line from rejects "
                "where reject_reason like 'not valid UTF-8%' order by line_number"
            ).fetchall()
            numbered = dict(con.sql("select line_number, artist_name from stg_lastfm__plays").fetchall())
            read = con.sql("select lines_read from load_summary where source_file = ?", params=[spec.PLAYS_FILE])
            lines_read = read.fetchall()[0][0]
        assert [(n, reason) for n, reason, _ in bad] == [
            (11, "not valid UTF-8: byte 0xFF at byte 42 of the line"),
            (21, f"not valid UTF-8: byte 0xC3 at byte {len(raw[20])} of the line"),
        ]
        assert bad[0][2] == raw[10].decode("utf-8", errors="backslashreplace")
        assert lines_read == len(spec.raw_lines(data_a / spec.PLAYS_FILE))
        # every other line keeps its number in the file
        for number in (10, 12, 20, 22):
            fields = raw[number - 1].decode().rstrip("\r").split("\t")
            assert numbered[number] == (fields[2] or None), number
