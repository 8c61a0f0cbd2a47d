"""lastfm_recs.memory_model: the peak-memory estimate and the guard that
refuses, before any model runs, a build that would not fit.

The expected figures are written out by hand from the model's documented
terms (docs/performance.md#memory-model); the build-level test runs dbt.
"""
from __future__ import annotations

import gzip
import json
import os

import pytest

from dbt_runs import output, run_dbt
from lastfm_recs import memory_model as mm

MIB = 2**20
GIB = 2**30
EASE_10K = {"ease": {"artists": 10000, "country_weight": 3.0, "l2": 500.0, "weighting": "binary"}}


@pytest.mark.parametrize(("text", "expected"), [
    ("8GB", 8_000_000_000),
    ("6 GiB", 6 * GIB),
    ("953.6 MiB", int(953.6 * MIB)),
    ("2.7 GiB", int(2.7 * GIB)),
    ("500mb", 500_000_000),
])
def test_sizes_parse_in_decimal_and_binary_units(text, expected):
    assert mm.parse_size(text, "X") == expected


@pytest.mark.parametrize("text", ["", "lots", "-1GB", "0GB", "8 XB", "GB"])
def test_a_bad_size_names_the_setting(text):
    with pytest.raises(ValueError, match="^LASTFM_MEMORY_LIMIT must be a size such as 8GB"):
        mm.parse_size(text, "LASTFM_MEMORY_LIMIT")


def test_text_size_of_a_gzipped_file_is_its_uncompressed_size(tmp_path):
    content = b"user\tartist\tname\t12\n" * 50_000
    (tmp_path / "plain.tsv").write_bytes(content)
    with gzip.open(tmp_path / "packed.tsv.gz", "wb") as f:
        f.write(content)
    assert mm.text_size(tmp_path / "plain.tsv") == len(content) == 1_000_000
    assert mm.text_size(tmp_path / "packed.tsv.gz") == len(content)


def test_the_full_size_default_build_by_hand():
    # 1,691,133,180 bytes of plays text (the full-size synthetic file), ease
    # with 10,000 artists, DuckDB capped at 2.7 GiB (DuckDB's '3GB', int:
    # 2,899,102,924): DuckDB 2.22 x 1.69 GB = 3.75 GB > 0.92 x the cap =
    # 2,667,174,690.08, so the latter; the Python data 0.11 x 1,691,133,180 =
    # 186,024,649.8; ease 9.84 x 10,256^2 = 9.84 x 105,185,536 = 1,035,025,674.24
    estimate = mm.estimate_peak(1_691_133_180, 359_347, "ease", EASE_10K, 99, int(2.7 * GIB), cores=2)
    assert estimate.base == 1120 * MIB
    assert estimate.duckdb == 2_667_174_690
    assert estimate.python_data == 186_024_649
    assert estimate.model == 1_035_025_674
    assert estimate.total == 1_174_405_120 + 2_667_174_690 + 186_024_649 + 1_035_025_674
    assert estimate.describe().startswith(
        "4.7 GiB = base 1.1 + DuckDB 2.5 + scoring data 0.2 + ease 10,000 artists 1.0")


def test_duckdb_grows_with_the_data_only_up_to_a_share_of_its_cap():
    small = mm.estimate_peak(100_000_000, 20_000, "popularity", {}, 99, 3 * GIB)
    assert small.duckdb == 222_000_000 and small.model == 0
    twice = mm.estimate_peak(200_000_000, 20_000, "popularity", {}, 99, 300_000_000)
    assert twice.duckdb == 276_000_000  # 0.92 x 300,000,000
    assert twice.python_data == 22_000_000
    # full size with DuckDB's '2GB' (1.8 GiB, int 1,932,735,283): 0.92 x that = 1,778,116,460.36
    capped = mm.estimate_peak(1_691_133_180, 359_347, "ease", EASE_10K, 99, int(1.8 * GIB), cores=2)
    assert capped.duckdb == 1_778_116_460


def test_each_model_adds_its_own_arrays():
    users, raw, cap = 100_000, 10**9, GIB
    knn = mm.estimate_peak(raw, users, "user_knn", {}, 50, cap, cores=2)
    assert knn.model == 100_000 * 50 * 16 + 2 * 160 * MIB
    als = mm.estimate_peak(raw, users, "als", {"als": {"factors": 32}}, 99, cap)
    assert als.model == 100_000 * 32 * 16
    ease_default = mm.estimate_peak(raw, users, "ease", {}, 99, cap)   # fit_ease's default: 5,000 artists
    assert ease_default.model == int(9.84 * 5256 * 5256)
    budget = mm.estimate_peak(raw, users, "ease_budget", {"ease_budget": {"memory_mb": 24.0}}, 99, cap)
    assert budget.model == int(9.84 * (1024 + 256) ** 2)   # sqrt(24 MiB / 24 B) = 1,024 artists
    hybrid = mm.estimate_peak(raw, users, "hybrid",
                              {**EASE_10K, "hybrid": {"weights": {"ease": 1.0, "user_knn": 0.5}}}, 50, cap)
    assert hybrid.model == int(9.84 * 10256 * 10256) + knn.model
    assert mm.estimate_peak(raw, users, "item_knn", {}, 99, cap).model == 0


def test_the_guard_refuses_a_build_over_the_limit_with_the_estimate(tmp_path, monkeypatch):
    (tmp_path / mm.PLAYS_FILE).write_bytes(b"x" * 1_000_000)
    (tmp_path / mm.PROFILE_FILE).write_bytes(b"y" * 69_000)
    params = json.dumps(EASE_10K)
    monkeypatch.setenv("LASTFM_MEMORY_LIMIT", "2GB")
    with pytest.raises(MemoryError) as refused:
        mm.check_build_memory(str(tmp_path), "ease", params, 99, "2.7 GiB")
    message = str(refused.value)
    assert message.startswith("this build would not fit in memory: its peak is estimated at 2.1 GiB")
    assert "about 1,000 users" in message and "the limit is 1.9 GiB, LASTFM_MEMORY_LIMIT=2GB" in message
    assert "LASTFM_DUCKDB_MEMORY_LIMIT" in message and "ease's artists" in message
    monkeypatch.setenv("LASTFM_MEMORY_LIMIT", "3GB")
    fits = mm.check_build_memory(str(tmp_path), "ease", params, 99, "2.7 GiB")
    assert fits.startswith("memory: this build's peak is estimated at 2.1 GiB")
    assert "the limit is 2.8 GiB, LASTFM_MEMORY_LIMIT=3GB" in fits
    monkeypatch.setenv("LASTFM_MEMORY_LIMIT", "plenty")
    with pytest.raises(ValueError, match="LASTFM_MEMORY_LIMIT must be a size"):
        mm.check_build_memory(str(tmp_path), "ease", params, 99, "2.7 GiB")


def test_the_default_limit_is_the_memory_the_machine_has_free(tmp_path, monkeypatch):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       24000000 kB\nMemFree:         1000000 kB\nMemAvailable:    5000000 kB\n")
    assert mm.available_memory(meminfo) == 5_000_000 * 1024
    # without MemAvailable (not Linux): the physical memory
    assert mm.available_memory(tmp_path / "absent") == os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    monkeypatch.delenv("LASTFM_MEMORY_LIMIT", raising=False)
    monkeypatch.setattr(mm, "available_memory", lambda: 5_000_000 * 1024)
    limit, source = mm.memory_limit()
    assert limit == 5_120_000_000
    assert source.startswith("the memory available on this machine")


def test_dbt_stops_before_any_model_when_the_build_would_not_fit(tmp_path, monkeypatch):
    monkeypatch.setenv("LASTFM_MEMORY_LIMIT", "1GB")
    result = run_dbt(tmp_path, "build", dbt_vars={"model": "ease"})
    assert result.returncode != 0
    assert "this build would not fit in memory: its peak is estimated at" in output(result)
    assert "LASTFM_MEMORY_LIMIT=1GB" in output(result)
    assert "START sql" not in output(result)
    assert not (tmp_path / "lastfm.duckdb").exists()
