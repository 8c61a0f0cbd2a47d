"""The build's peak memory, estimated before any model runs, and the guard
that refuses a build that would not fit (docs/performance.md#memory-model).

The peak resident memory of `dbt build` (one process: dbt, DuckDB and the
dbt Python models) is modelled as

    peak = BASE
         + PYTHON_BYTES_PER_RAW_BYTE x raw bytes
         + the model's own arrays
         + min(DUCKDB_CAP_SHARE x DuckDB's memory_limit, DUCKDB_BYTES_PER_RAW_BYTE x raw bytes)

where raw bytes is the size of the plays file as text (a gzipped file's
uncompressed size). The peak comes while the scoring model runs: DuckDB
then holds buffers that grew with the raw data, up to a share of its
memory_limit (beyond it, it spills), and the Python side holds the scoring
inputs and the lists, which grow with the data too (the lists' reasons go to
DuckDB a block of users at a time, never all at once). The model's own arrays:

- ease (and ease_budget, and a hybrid over them): EASE_PEAK_BYTES_PER_ENTRY
  per entry of the dense (artists kept + profile columns)^2 matrix;
- user_knn: the neighbour lists (users x neighbors x 16 bytes) and one
  distance tile per core (user_knn's budget);
- the factor models: users x factors x 16 bytes;
- mult_vae: its two artists x hidden matrices with Adam's moments, and one
  batch's dense rows (an estimate, not fitted to measurements);
- the others hold sparse arrays of the size of the plays, inside the
  per-raw-byte term.

The constants are measured, not derived: default build (`ease`, 10,000
artists), `benchmarks/bench_build.py` peak RSS at 50,000 and 150,000
synthetic users and full size with DuckDB capped at 3GB and 2GB
(docs/performance.md lists the runs and the model's error at each: it errs
high, by up to 15% at full size with the default cap). EASE's figure is the growth
of the build's peak between 5,000 and 10,000 artists at 50,000 users: less
than the fit's own 24 bytes per entry (ease_budget.BYTES_PER_ENTRY), because
the fit's peak is not the build's peak (that comes later, when the lists
and reasons are handed to DuckDB).
"""
from __future__ import annotations

import json
import os
import re
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from lastfm_recs.raw_files import raw_file

MIB = 2**20
#: dbt, DuckDB and the Python libraries with a small warehouse (fitted).
BASE_BYTES = 1120 * MIB
#: DuckDB's memory per byte of raw plays text, below its memory_limit (fitted).
DUCKDB_BYTES_PER_RAW_BYTE = 2.22
#: The Python models' arrays per byte of raw plays text (fitted).
PYTHON_BYTES_PER_RAW_BYTE = 0.11
#: The share of its memory_limit DuckDB holds at the build's peak (fitted).
DUCKDB_CAP_SHARE = 0.92
#: Growth of the build's peak per entry of EASE's dense matrix (measured).
EASE_PEAK_BYTES_PER_ENTRY = 9.84
#: EASE's profile columns: at most the countries of the countries seed plus the age bands.
EASE_PROFILE_COLUMNS = 256
#: Bytes of a profile line (user id, gender, age, country, date) in Last.fm 360K.
PROFILE_BYTES_PER_USER = 69

PLAYS_FILE = "usersha1-artmbid-artname-plays.tsv"
PROFILE_FILE = "usersha1-profile.tsv"

_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def parse_size(text: str, what: str) -> int:
    """Bytes of a size such as `8GB`, `6 GiB`, `953.6 MiB` (decimal and binary
    units, as DuckDB's memory_limit); ValueError naming ``what`` otherwise."""
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*", str(text))
    if not match or match.group(2).lower() not in _UNITS or float(match.group(1)) <= 0:
        raise ValueError(f"{what} must be a size such as 8GB, 6GiB or 5000MB; got {text!r}")
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def text_size(path: Path) -> int:
    """Bytes of the file as text: a gzipped file's uncompressed size, from
    the gzip trailer (which holds it modulo 2^32: the smallest such size not
    below the compressed size is taken)."""
    size = path.stat().st_size
    if not path.name.endswith(".gz"):
        return size
    with open(path, "rb") as f:
        f.seek(-4, os.SEEK_END)
        modulo = struct.unpack("<I", f.read(4))[0]
    text = modulo
    while text < size:
        text += 2**32
    return text


@dataclass(frozen=True)
class MemoryEstimate:
    """The estimated peak of a build, in bytes, by part."""

    base: int
    duckdb: int
    python_data: int
    model: int
    model_detail: str

    @property
    def total(self) -> int:
        return self.base + self.duckdb + self.python_data + self.model

    def describe(self) -> str:
        gib = 2**30
        return (f"{self.total / gib:.1f} GiB = base {self.base / gib:.1f} + DuckDB {self.duckdb / gib:.1f}"
                f" + scoring data {self.python_data / gib:.1f} + {self.model_detail} {self.model / gib:.1f}")


def model_bytes(model: str, params: Mapping[str, Mapping[str, object]], users: int, neighbors: int,
                cores: int) -> tuple[int, str]:
    """The model's own arrays (module docstring) and what they are."""
    from lastfm_recs.models.ease_budget import artists_for_budget
    from lastfm_recs.models.user_knn.distances import DEFAULT_TILE_BUDGET_BYTES
    from lastfm_recs.recommenders import check_model_names, parameters

    check_model_names([model])
    own = {**parameters(model), **dict(params.get(model) or {})}
    if model == "ease":
        artists = int(own["artists"])
    elif model == "ease_budget":
        # the catalogue is not known before the build: the most the budget allows
        artists = artists_for_budget(float(own["memory_mb"]), 2**31)
    elif model == "hybrid":
        parts = [model_bytes(name, params, users, neighbors, cores) for name in (own.get("weights") or {})]
        return sum(b for b, _ in parts), "hybrid (" + ", ".join(d for _, d in parts) + ")"
    elif model == "mult_vae":
        # W1 and W3 with Adam's two moments (float32), and a batch's dense
        # rows, log-softmax, its exponential and gradient (float32); not
        # measured: the build has never run it at full size
        artists, hidden = int(own["artists"]), int(own["hidden"])
        return (3 * 2 * artists * hidden * 4 + 4 * int(own["batch_size"]) * artists * 4,
                f"mult_vae {artists:,} artists x {hidden} hidden")
    elif model == "user_knn":
        return users * neighbors * 16 + cores * DEFAULT_TILE_BUDGET_BYTES, f"user_knn neighbour lists ({neighbors})"
    elif "factors" in own:
        return users * int(own["factors"]) * 16, f"{model} factors ({own['factors']})"
    else:
        return 0, f"{model} (sparse, in scoring data)"
    side = artists + EASE_PROFILE_COLUMNS
    return int(EASE_PEAK_BYTES_PER_ENTRY * side * side), f"{model} {artists:,} artists"


def estimate_peak(raw_bytes: int, users: int, model: str, params: Mapping[str, Mapping[str, object]],
                  neighbors: int, duckdb_limit: int, cores: int = 2) -> MemoryEstimate:
    """The modelled peak (module docstring) of a build whose plays file holds
    ``raw_bytes`` of text and whose profiles ``users`` lines."""
    model_part, detail = model_bytes(model, params, users, neighbors, cores)
    return MemoryEstimate(
        base=BASE_BYTES,
        duckdb=int(min(DUCKDB_CAP_SHARE * duckdb_limit, DUCKDB_BYTES_PER_RAW_BYTE * raw_bytes)),
        python_data=int(PYTHON_BYTES_PER_RAW_BYTE * raw_bytes),
        model=model_part,
        model_detail=detail,
    )


def available_memory(meminfo: Path = Path("/proc/meminfo")) -> int:
    """The memory this machine can give a new process now: MemAvailable of
    ``meminfo``, else the physical memory."""
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def memory_limit() -> tuple[int, str]:
    """LASTFM_MEMORY_LIMIT in bytes and where it comes from; by default the
    machine's available memory."""
    text = os.environ.get("LASTFM_MEMORY_LIMIT", "").strip()
    if text:
        return parse_size(text, "LASTFM_MEMORY_LIMIT"), f"LASTFM_MEMORY_LIMIT={text}"
    return available_memory(), "the memory available on this machine (set LASTFM_MEMORY_LIMIT to change)"


def check_build_memory(data_dir: str, model: str, params_json: str, neighbors: int, duckdb_limit: str) -> str:
    """on-run-start: the estimate for this build (the raw files in
    ``data_dir``, var model and model_params, DuckDB's memory_limit as
    DuckDB shows it); MemoryError naming the estimate and what to change when
    it exceeds memory_limit(). Returns the estimate as a sentence."""
    plays = raw_file(data_dir, PLAYS_FILE)
    profiles = raw_file(data_dir, PROFILE_FILE)
    raw_bytes = text_size(plays)
    users = max(1, text_size(profiles) // PROFILE_BYTES_PER_USER)
    estimate = estimate_peak(raw_bytes, users, model, json.loads(params_json), int(neighbors),
                             parse_size(duckdb_limit, "DuckDB's memory_limit"), os.cpu_count() or 1)
    limit, source = memory_limit()
    sentence = (f"memory: this build's peak is estimated at {estimate.describe()} "
                f"({raw_bytes / 2**30:.2f} GiB of plays text, about {users:,} users); "
                f"the limit is {limit / 2**30:.1f} GiB, {source}")
    if estimate.total > limit:
        raise MemoryError(
            sentence.replace("memory: this build's", "this build would not fit in memory: its", 1)
            + ". Lower LASTFM_DUCKDB_MEMORY_LIMIT (DuckDB spills to disk beyond it) or the model's "
            "memory (model_params, e.g. ease's artists), or set LASTFM_MEMORY_LIMIT if the machine "
            "has more to give (docs/performance.md#memory-model)."
        )
    return sentence
