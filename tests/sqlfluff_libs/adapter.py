"""dbt's `adapter` for sqlfluff's jinja templater (.sqlfluff): dispatch gives
a placeholder of the same SQL kind as the macro's output, so the models
around a dispatched macro lint; the macros' own SQL is linted in macros/."""

#: Dispatched macros whose output is a whole query, or a relation name;
#: every other one renders an expression.
_QUERIES = {"split_raw_lines", "skipped_raw_lines"}
_RELATIONS = {"scored_recommendations": "int_recommendations_scored"}
#: Dispatched macros that name the relation of their first argument (a model name).
_NAMED_RELATIONS = {"serving_ref"}


def dispatch(macro_name: str, macro_namespace: str | None = None):
    """A callable standing for the adapter's implementation of macro_name."""

    def placeholder(*args, **kwargs) -> str:
        if macro_name in _QUERIES:
            return "select 1 as placeholder"
        if macro_name in _NAMED_RELATIONS:
            return str(args[0])
        return _RELATIONS.get(macro_name, "(null)")

    return placeholder
