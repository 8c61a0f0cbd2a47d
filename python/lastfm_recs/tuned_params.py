"""Store the parameters a `make evaluate` run chose in the project's config.

    python -m lastfm_recs.tuned_params --db warehouse/lastfm.duckdb --data-dir data/sample [--project dbt_project.yml]

Reads eval_tuning (each model's chosen trial, on the validation split) and
eval_metrics (NDCG@10 on the test holdout) from the warehouse, read-only, and
rewrites the block of dbt_project.yml between the lines "# BEGIN tuned
parameters" and "# END tuned parameters": var `model` becomes the best model
by NDCG@10, var `model_params` the chosen parameters (models not tuned in the
run keep theirs), var `model_params_tuned` the date and the data they were
tuned on. Nothing else in the file changes. `make tuned-params` runs it.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from pathlib import Path

import duckdb
import yaml

BEGIN = "# BEGIN tuned parameters"
END = "# END tuned parameters"


def read_run(db: Path) -> dict:
    """The chosen parameters, the test NDCG@10 per model and what the run was on."""
    if not db.exists():
        raise FileNotFoundError(f"{db}: no such warehouse; run `make evaluate` first")
    with duckdb.connect(str(db), read_only=True) as con:
        tables = {r[0] for r in con.sql("select table_name from information_schema.tables").fetchall()}
        missing = {"eval_tuning", "eval_metrics", "int_users_featured", "int_play_rows_triaged"} - tables
        if missing:
            raise LookupError(f"{db} has no {', '.join(sorted(missing))}; run `make evaluate` first")
        chosen = dict(
            con.sql("select model, any_value(params) from eval_tuning where is_chosen group by model").fetchall()
        )
        ndcg = con.sql(
            "select model, value, users from eval_metrics where metric = 'ndcg' and k = 10 order by value desc, model"
        ).fetchall()
        validation_users = con.sql("select max(users) from eval_tuning").fetchall()[0][0]
        users = con.sql("select count(*) from int_users_featured").fetchall()[0][0]
        play_rows = con.sql("select count(*) from int_play_rows_triaged where status = 'accepted'").fetchall()[0][0]
    if not chosen:
        raise LookupError(f"{db}: eval_tuning has no chosen trial; is var tuning_grid empty?")
    if not ndcg:
        raise LookupError(f"{db}: eval_metrics has no NDCG@10; is 10 in var eval_k?")
    return {"chosen": {m: json.loads(p) for m, p in chosen.items()}, "ndcg": ndcg,
            "validation_users": validation_users, "users": users, "play_rows": play_rows}


def flow(value) -> str:
    """A YAML flow value (JSON is YAML)."""
    return json.dumps(value, sort_keys=True)


def tuned_block(run: dict, configured: dict, data_dir: str, today: dt.date, indent: str) -> list[str]:
    """The lines between the markers."""
    params = {**configured, **run["chosen"]}
    best, best_value, test_users = run["ndcg"][0]
    ranking = ", ".join(f"{m} {v:.4f}" for m, v, _ in run["ndcg"][:4])
    lines = [
        f"# NDCG@10 on the test holdout ({test_users:,} users): {ranking}",
        f"model: {best}",
        "model_params_tuned:",
        f"  date: {flow(today.isoformat())}",
        f"  data: {flow(data_dir)}",
        f"  users_in_scope: {run['users']}",
        f"  play_rows: {run['play_rows']}",
        f"  validation_users: {run['validation_users']}",
        "model_params:",
        *[f"  {name}: {flow(params[name])}" for name in sorted(params)],
    ]
    return [indent + line for line in lines]


def rewrite(project: Path, run: dict, data_dir: str, today: dt.date) -> str:
    """The text of ``project`` with the tuned block replaced."""
    text = project.read_text(encoding="utf-8")
    lines = text.splitlines()
    begin = [i for i, line in enumerate(lines) if line.strip() == BEGIN]
    end = [i for i, line in enumerate(lines) if line.strip() == END]
    if len(begin) != 1 or len(end) != 1 or end[0] < begin[0]:
        raise ValueError(f"{project}: expected one '{BEGIN}' line and one '{END}' line after it")
    indent = re.match(r"\s*", lines[begin[0]]).group(0)
    configured = yaml.safe_load(text)["vars"].get("model_params") or {}
    block = tuned_block(run, configured, data_dir, today, indent)
    new = lines[:begin[0] + 1] + block + lines[end[0]:]
    yaml.safe_load("\n".join(new))  # still valid YAML
    return "\n".join(new) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="the warehouse of a `make evaluate` run")
    parser.add_argument("--data-dir", required=True,
                        help="the LASTFM_DATA_DIR the run read (recorded relative to the project when inside it)")
    parser.add_argument("--project", type=Path, default=Path("dbt_project.yml"))
    args = parser.parse_args(argv)
    try:
        run = read_run(args.db)
        data_dir = Path(args.data_dir).resolve()
        # a path inside the repository is recorded relative to it, so the config reads the same anywhere
        root = args.project.resolve().parent
        shown = str(data_dir.relative_to(root)) if data_dir.is_relative_to(root) else str(data_dir)
        args.project.write_text(rewrite(args.project, run, shown, dt.date.today()), encoding="utf-8")
    except (FileNotFoundError, LookupError, ValueError) as error:
        print(f"tuned-params: {error}", file=sys.stderr)
        return 1
    best = run["ndcg"][0][0]
    print(f"{args.project}: model {best}, parameters of {', '.join(sorted(run['chosen']))} from {args.db}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
