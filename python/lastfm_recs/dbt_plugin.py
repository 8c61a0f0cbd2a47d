"""The project's dbt-duckdb plugin (profiles.yml, `plugins:`).

- A build (dbt build, run, seed, snapshot) writes a copy of the warehouse,
  the building file, and on-run-end moves it over LASTFM_DB only when every
  node succeeded (lastfm_recs.warehouse_files): the warehouse is whole or
  untouched, with plain `dbt` as with `make`. Other commands (dbt show,
  test, docs, ...) open LASTFM_DB itself.
- SQL functions for the hooks: lastfm_check_vars(json) (on-run-start: every
  var checked by lastfm_recs.project_vars before any model runs) and
  lastfm_replace_warehouse() (on-run-end, after a checkpoint),
  lastfm_check_memory(...) (on-run-start: lastfm_recs.memory_model's
  estimate of the build's peak, refused over LASTFM_MEMORY_LIMIT); for staging,
  lastfm_invalid_lines(data_dir, file_name) (lastfm_recs.raw_files).
"""
from __future__ import annotations

from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

from lastfm_recs.memory_model import check_build_memory
from lastfm_recs.project_vars import check_project_vars_json
from lastfm_recs.raw_files import invalid_lines, raw_file
from lastfm_recs.warehouse_files import (
    check_catalog_name,
    prepare_building_file,
    replace_warehouse,
    warehouse_path,
)

#: The dbt commands that write the warehouse, through the building file.
BUILDING_COMMANDS = ("build", "run", "seed", "snapshot")


def _command() -> str | None:
    try:
        from dbt.flags import get_flags

        return getattr(get_flags(), "WHICH", None)
    except Exception:  # noqa: BLE001 - outside a dbt invocation (tests): no command
        return None


def _invalid_lines(data_dir: str, file_name: str) -> list[dict]:
    """lastfm_recs.raw_files.invalid_lines; none for a file that is not there
    (dbt test / unit tests without the raw files; a build checks them first)."""
    if not data_dir or not raw_file(data_dir, file_name).exists():
        return []
    return invalid_lines(data_dir, file_name)


class Plugin(BasePlugin):
    """Redirects a build to the building file and registers the hook functions."""

    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self.building = None
        self._lock = None
        if self.creds is None or self.creds.path in (None, ":memory:"):
            return
        # warehouse_path: the profile's path, even if a connection of this
        # process was already redirected to the building file
        warehouse = warehouse_path(self.creds.path)
        check_catalog_name(warehouse)
        if _command() in BUILDING_COMMANDS:
            self.building, self._lock = prepare_building_file(warehouse)

    def update_connection_config(self, creds, config: dict[str, Any]) -> None:
        if self.building is not None:
            creds.path = str(self.building)

    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        conn.create_function(
            "lastfm_check_vars", check_project_vars_json, ["VARCHAR"], "BOOLEAN", side_effects=True
        )
        conn.create_function(
            "lastfm_check_memory", check_build_memory, ["VARCHAR", "VARCHAR", "VARCHAR", "BIGINT", "VARCHAR"],
            "VARCHAR", side_effects=True,
        )
        conn.create_function("lastfm_replace_warehouse", self._replace, [], "VARCHAR", side_effects=True)
        conn.create_function(
            "lastfm_invalid_lines", _invalid_lines, ["VARCHAR", "VARCHAR"],
            "STRUCT(line_number BIGINT, raw_line VARCHAR, reason VARCHAR)[]", side_effects=True,
        )

    def _replace(self) -> str:
        """Move the building file over the warehouse; '' when not building."""
        if self.building is None:
            return ""
        return str(replace_warehouse(self.building))
