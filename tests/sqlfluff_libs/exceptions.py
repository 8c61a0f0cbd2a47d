"""dbt's `exceptions` for sqlfluff's jinja templater (.sqlfluff): lint renders
the models without raising the errors a real dbt run raises on bad vars."""


def raise_compiler_error(message: str) -> str:
    """Render nothing: the check itself runs in dbt, not in the linter."""
    return ""


def warn(message: str) -> str:
    """Render nothing."""
    return ""
