"""dbt's `target` for sqlfluff's jinja templater: the DuckDB target."""
type = "duckdb"  # noqa: A001 (dbt's attribute name)
name = "default"
