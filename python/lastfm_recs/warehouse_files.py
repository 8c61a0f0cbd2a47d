"""The warehouse file and the file a build writes before it replaces it.

A `dbt build` (or run, seed, snapshot) never writes LASTFM_DB itself: it
works on a copy, the building file `<LASTFM_DB>.building/<name>` (same file
name, so the same DuckDB catalog name and the same view SQL), and the
copy replaces LASTFM_DB with one rename when every node has succeeded
(lastfm_recs.dbt_plugin, macros/publish_warehouse.sql). After any failure,
kill or full disk, LASTFM_DB is the last successful build, whole.
"""
from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path
from typing import IO

#: Characters a warehouse file name cannot hold. DuckDB names the catalog
#: after the file name (its stem), and dbt-duckdb writes that name into SQL
#: as a quoted identifier and as a string without escaping either.
UNSUPPORTED_NAME_CHARACTERS = "\"'"


class WarehouseFileError(RuntimeError):
    """The warehouse file cannot be used (bad name, another build running)."""


def building_path(warehouse: str | os.PathLike[str]) -> Path:
    """The file a build writes: lastfm.duckdb -> lastfm.duckdb.building/lastfm.duckdb."""
    final = Path(warehouse).absolute()
    return final.parent / f"{final.name}.building" / final.name


def warehouse_path(path: str | os.PathLike[str]) -> Path:
    """The warehouse file a path stands for: the building file's own
    warehouse (inverse of building_path), else the path itself."""
    path = Path(path).absolute()
    if path.parent.name == f"{path.name}.building":
        return path.parent.parent / path.name
    return path


def check_catalog_name(warehouse: str | os.PathLike[str]) -> None:
    """WarehouseFileError naming the character when the file name (the
    DuckDB catalog name) holds one DuckDB or dbt-duckdb cannot quote."""
    stem = Path(warehouse).stem
    for character in UNSUPPORTED_NAME_CHARACTERS:
        if character in stem:
            raise WarehouseFileError(
                f"LASTFM_DB file name {Path(warehouse).name!r} holds the character {character!r}: DuckDB names "
                "the database after the file name and dbt-duckdb cannot quote that character in it; "
                "rename the file (its folder may hold any character)"
            )


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def prepare_building_file(warehouse: str | os.PathLike[str]) -> tuple[Path, IO[bytes]]:
    """Lock the building folder (one build per warehouse at a time), replace
    any building file a failed build left with a copy of the warehouse (so
    that a build of a few models keeps the others), and return the building
    file and the open lock, which the caller keeps for the whole build."""
    final = Path(warehouse).absolute()
    check_catalog_name(final)
    building = building_path(final)
    building.parent.mkdir(parents=True, exist_ok=True)
    lock = open(building.parent / "lock", "wb")  # noqa: SIM115 - held until the process ends
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        raise WarehouseFileError(
            f"another dbt build is writing the warehouse {final} (its lock {building.parent / 'lock'} is held); "
            "wait for it to finish"
        ) from None
    for suffix in ("", ".wal"):
        stale = building.with_name(building.name + suffix)
        stale.unlink(missing_ok=True)
        source = final.with_name(final.name + suffix)
        if source.exists():
            shutil.copyfile(source, stale)
    return building, lock


def replace_warehouse(building: str | os.PathLike[str]) -> Path:
    """Move the finished (checkpointed) building file over its warehouse
    file with one rename and return the warehouse path. A reader that has
    the old file open keeps reading the old, whole build."""
    building = Path(building).absolute()
    final = warehouse_path(building)
    wal = building.with_name(building.name + ".wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise WarehouseFileError(f"{wal} is not empty: the building file is not checkpointed")
    _fsync(building)
    os.replace(building, final)
    final.with_name(final.name + ".wal").unlink(missing_ok=True)
    _fsync(final.parent)
    return final
