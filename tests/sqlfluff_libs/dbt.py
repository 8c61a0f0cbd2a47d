"""dbt's cross-database macros for sqlfluff's jinja templater, as DuckDB renders them."""


def type_string() -> str:
    return "varchar"
