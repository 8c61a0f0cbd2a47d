"""The dbt project keeps the habits of well-kept projects (read from the
manifest of `dbt parse` with the evaluation models enabled):

- every model has a grain test (`unique` on a column or `unique_combination`)
  and a description, and so has every column it documents;
- the published marts are `access: public` with enforced contracts;
- no intermediate model reads a mart;
- every macro and seed is documented; the docs site opens on our overview;
- the metric definitions are one docs block, used by every `metric` column
  and by the report;
- every var of dbt_project.yml and every environment variable the project
  reads is in docs/configuration.md.
"""
from __future__ import annotations

import json
import re

import pytest
import yaml

from dbt_runs import REPO, run_dbt

#: What BI tools read (the serving file's tables and views).
PUBLISHED = {
    "recommendations", "users", "artists", "rejects", "load_summary", "artist_popularity_by_country",
    "user_recommendations", "recommended_artists_by_country",
    "recommendation_reasons", "artist_weights", "similar_artists", "model_info",
}


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    workdir = tmp_path_factory.mktemp("parse")
    result = run_dbt(workdir, "parse", dbt_vars={"evaluate": True}, db=workdir / "parse.duckdb", timeout=900)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    return json.loads((workdir / "target" / "manifest.json").read_text())


def models(manifest: dict) -> dict[str, dict]:
    return {uid: node for uid, node in manifest["nodes"].items() if node["resource_type"] == "model"}


def test_the_evaluation_models_are_in_the_manifest(manifest):
    names = {node["name"] for node in models(manifest).values()}
    assert {"eval_metrics", "eval_metrics_by_segment", "int_eval_users_segmented"} <= names


def test_every_model_has_a_grain_test(manifest):
    grained = {
        node["attached_node"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test"
        and (node.get("test_metadata") or {}).get("name") in {"unique", "unique_combination"}
    }
    missing = sorted(node["name"] for uid, node in models(manifest).items() if uid not in grained)
    assert not missing, f"models without a grain (primary-key uniqueness) test: {missing}"


def test_every_model_and_column_is_described(manifest):
    undescribed = []
    for node in models(manifest).values():
        if not node["description"].strip():
            undescribed.append(node["name"])
        undescribed += [f"{node['name']}.{c}" for c, col in node["columns"].items() if not col["description"].strip()]
    assert not undescribed, f"without a description: {undescribed}"


def test_published_marts_are_public_with_contracts(manifest):
    by_name = {node["name"]: node for node in models(manifest).values()}
    for name in sorted(PUBLISHED):
        node = by_name[name]
        assert node["access"] == "public", name
        assert node["config"]["contract"]["enforced"], f"{name} has no enforced contract"
        assert all(col.get("data_type") for col in node["columns"].values()), f"{name}: a column without data_type"


def test_no_intermediate_model_reads_a_mart(manifest):
    nodes = models(manifest)
    readers = []
    for node in nodes.values():
        if "/intermediate/" not in "/" + node["original_file_path"]:
            continue
        for parent in node["depends_on"]["nodes"]:
            if parent in nodes and "/marts/" in "/" + nodes[parent]["original_file_path"]:
                readers.append(f"{node['name']} reads {nodes[parent]['name']}")
    assert not readers, readers


def test_macros_and_seeds_are_documented(manifest):
    ours = [m for m in manifest["macros"].values() if m["package_name"] == "lastfm_recs"]
    assert ours
    assert not [m["name"] for m in ours if not m["description"].strip()], "undocumented macros"
    seeds = [n for n in manifest["nodes"].values() if n["resource_type"] == "seed"]
    assert seeds and all(s["description"].strip() for s in seeds), "undocumented seed"
    assert all(all(c["description"].strip() for c in s["columns"].values()) and s["columns"] for s in seeds)


def test_the_docs_site_opens_on_our_overview(manifest):
    overview = manifest["docs"]["doc.lastfm_recs.__overview__"]["block_contents"]
    assert "lastfm-recs" in overview and "Lineage" in overview


def test_metric_definitions_are_one_docs_block_used_everywhere(manifest):
    block = manifest["docs"]["doc.lastfm_recs.eval_metric_definitions"]["block_contents"]
    metric_columns = [
        (node["name"], node["columns"]["metric"]["description"])
        for node in models(manifest).values() if "metric" in node["columns"]
    ]
    assert len(metric_columns) >= 3
    for name, description in metric_columns:
        assert description == block, f"{name}.metric does not show the docs block eval_metric_definitions"
    from lastfm_recs import report

    definitions = report.metric_definitions()
    assert list(definitions) == ["precision", "recall", "ndcg", "map", "hit_rate", "coverage", "novelty"]
    for metric, text in definitions.items():
        assert text.replace("|", "\\|") in block, metric


def test_every_var_and_environment_variable_is_documented():
    page = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    project = yaml.safe_load((REPO / "dbt_project.yml").read_text(encoding="utf-8"))
    missing = [var for var in project["vars"] if f"`{var}`" not in page]
    env_vars = set()
    for path in [*REPO.glob("*.yml"), *REPO.glob("models/**/*.yml"), *REPO.glob("models/**/*.sql"),
                 *REPO.glob("macros/*.sql")]:
        env_vars |= set(re.findall(r"env_var\(\s*['\"](\w+)['\"]", path.read_text(encoding="utf-8")))
    env_vars |= set(re.findall(r"^export (\w+)", (REPO / "Makefile").read_text(encoding="utf-8"), re.MULTILINE))
    assert {"LASTFM_DATA_DIR", "LASTFM_DB", "LASTFM_SERVING_DB"} <= env_vars
    missing += [name for name in sorted(env_vars) if f"`{name}`" not in page]
    assert not missing, f"not in docs/configuration.md: {missing}"
