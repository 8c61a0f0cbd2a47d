"""The evaluation report: the metrics marts of the warehouse rendered to one
self-contained HTML page with charts (inline SVG), and optionally a PNG
overview for the README.

    python -m lastfm_recs.report --db warehouse/lastfm.duckdb --out reports/evaluation.html [--png docs/evaluation.png]

Reads eval_metrics, eval_metrics_by_segment and eval_holdout (built by
`make evaluate`) through a read-only connection; the figures are pure
functions of the metrics tables.
"""
from __future__ import annotations

import argparse
import datetime as dt
import html
import io
import numbers
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

METRICS = ["precision", "recall", "ndcg", "map", "hit_rate", "coverage", "novelty"]
METRIC_LABELS = {
    "precision": "precision@K",
    "recall": "recall@K",
    "ndcg": "NDCG@K",
    "map": "MAP@K",
    "hit_rate": "hit rate@K",
    "coverage": "catalogue coverage@K",
    "novelty": "novelty@K (bits)",
}
SEGMENT_TYPES = ["gender", "age_band", "country", "activity"]
#: The metric definitions, written once as the dbt docs block
#: eval_metric_definitions (shown on every `metric` column of the dbt docs).
METRIC_DOCS = Path(__file__).resolve().parents[2] / "models" / "marts" / "evaluation" / "_evaluation__docs.md"
METRIC_DOCS_BLOCK = "eval_metric_definitions"
# Fixed colours per model so that every chart and every run reads the same
# way; models without one take the next free colour of PALETTE.
MODEL_COLOURS = {"user_knn": "#4c72b0", "user_knn_plays_only": "#dd8452", "popularity": "#55a868", "random": "#c44e52"}
PALETTE = ["#8172b3", "#937860", "#da8bc3", "#8c8c8c", "#ccb974", "#64b5cd"]

plt.rcParams.update({"svg.fonttype": "none", "font.size": 9, "axes.spines.top": False, "axes.spines.right": False})


@dataclass(frozen=True)
class EvaluationTables:
    """The evaluation marts as data frames (long format, as in the warehouse)."""

    metrics: pd.DataFrame  # model, k, metric, value, users
    segments: pd.DataFrame  # segment_type, segment, model, k, metric, value, users
    held_out_pairs: int  # held-out pairs of the evaluated users
    models: pd.DataFrame  # model, params, params_source, fit_seconds, recommend_seconds (eval_models)
    tuning: pd.DataFrame  # model, trials, chosen trial and params, validation NDCG@10 best / worst (eval_tuning)
    # eval_metrics' 95% bootstrap intervals (model, k, metric, ci_low, ci_high)
    intervals: pd.DataFrame = field(default_factory=pd.DataFrame)
    # eval_default_comparison: the default against the others, paired
    comparison: pd.DataFrame = field(default_factory=pd.DataFrame)


def load_tables(db_path: Path) -> EvaluationTables:
    """Read the evaluation marts from the DuckDB file (read-only)."""
    if not Path(db_path).exists():
        raise FileNotFoundError(f"{db_path}: no such warehouse; run `make evaluate` first")
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        tables = {r[0] for r in con.sql("select table_name from information_schema.tables").fetchall()}
        missing = {"eval_metrics", "eval_metrics_by_segment", "eval_holdout"} - tables
        if missing:
            raise LookupError(f"{db_path} has no {', '.join(sorted(missing))}; run `make evaluate` first")
        metrics = con.sql("select model, k, metric, value, users from eval_metrics").df()
        segments = con.sql(
            "select segment_type, segment, model, k, metric, value, users from eval_metrics_by_segment"
        ).df()
        pairs = con.sql("select count(*) from eval_holdout where is_evaluated_user").fetchall()[0][0]
        models = con.sql(
            "select model, params_source, params, fit_seconds, recommend_seconds from eval_models"
        ).df() if "eval_models" in tables else pd.DataFrame()
        tuning = con.sql("""
            select
                model,
                count(distinct trial) as trials,
                any_value(trial) filter (where is_chosen) as chosen_trial,
                any_value(params) filter (where is_chosen) as chosen_params,
                max(value) as best_validation_ndcg_at_10,
                min(value) as worst_validation_ndcg_at_10,
                sum(fit_seconds + recommend_seconds) as seconds{edge}
            from eval_tuning
            where metric = 'ndcg' and k = 10
            group by model
        """.format(edge=",\n                any_value(edge_warning) filter (where is_chosen) as edge_warning"
                   if _has_column(con, "eval_tuning", "edge_warning") else "")).df() \
            if "eval_tuning" in tables else pd.DataFrame()
        intervals = con.sql("select model, k, metric, ci_low, ci_high from eval_metrics").df() \
            if _has_column(con, "eval_metrics", "ci_low") else pd.DataFrame()
        comparison = con.sql("select * from eval_default_comparison").df() \
            if "eval_default_comparison" in tables else pd.DataFrame()
    finally:
        con.close()
    return EvaluationTables(metrics, segments, int(pairs), models, tuning, intervals, comparison)


def _has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    """True when the warehouse's ``table`` has ``column`` (older runs lack the newer ones)."""
    return bool(con.execute("select count(*) from information_schema.columns where table_name = ? and column_name = ?",
                            [table, column]).fetchall()[0][0])


def default_verdict(comparison: pd.DataFrame, metric: str = "ndcg", k: int = 10) -> str:
    """One sentence: does the default beat the runner-up by ``metric``@``k``
    beyond the paired bootstrap noise (eval_default_comparison)?"""
    rows = comparison[(comparison["metric"] == metric) & (comparison["k"] == k) & comparison["is_runner_up"]] \
        if len(comparison) else comparison
    if not len(rows):
        return "The default model is not among the evaluated models: no paired comparison."
    row = rows.iloc[0]
    label = f"{METRIC_LABELS[metric].replace('@K', f'@{k}')}"
    interval = f"{row['difference']:+.4f} (95% paired bootstrap interval {row['ci_low']:+.4f} to {row['ci_high']:+.4f})"
    if row["ci_low"] > 0:
        verdict = "beats it by more than the noise"
    elif row["ci_high"] < 0:
        verdict = "is worse than it beyond the noise"
    else:
        verdict = "does not beat it by more than the noise"
    return (f"Default {row['default_model']} against the runner-up {row['model']} by {label}: "
            f"{row['default_value']:.4f} vs {row['value']:.4f}, difference {interval}: the default {verdict}.")


def intervals_wide(metrics: pd.DataFrame, intervals: pd.DataFrame, metric: str = "ndcg") -> pd.DataFrame:
    """Per model (best first): ``metric`` at every K as 'value [low, high]'."""
    merged = metrics[metrics["metric"] == metric].merge(intervals, on=["model", "k", "metric"], how="left")
    merged["cell"] = [f"{v:.4f} [{lo:.4f}, {hi:.4f}]" for v, lo, hi in zip(merged["value"], merged["ci_low"],
                                                                           merged["ci_high"])]
    wide = merged.pivot_table(index="model", columns="k", values="cell", aggfunc="first")
    wide.columns = [f"{METRIC_LABELS[metric].replace('@K', f'@{k}')} [95% interval]" for k in wide.columns]
    order = model_order(metrics)
    return wide.reindex([m for m in order if m in wide.index]).reset_index()


def model_order(metrics: pd.DataFrame) -> list[str]:
    """Models in a stable order: the best (mean) NDCG at the smallest K first,
    then by name."""
    k = metrics["k"].min()
    ndcg = metrics[(metrics["metric"] == "ndcg") & (metrics["k"] == k)].groupby("model")["value"].mean()
    others = sorted(set(metrics["model"]) - set(ndcg.index))
    ranked = sorted(ndcg.index, key=lambda m: (-ndcg[m], m))
    return ranked + others


def colours(models: list[str]) -> dict[str, str]:
    others = sorted(m for m in models if m not in MODEL_COLOURS)
    extra = {m: PALETTE[i % len(PALETTE)] for i, m in enumerate(others)}
    return {m: MODEL_COLOURS.get(m) or extra[m] for m in models}


def metrics_wide(metrics: pd.DataFrame) -> pd.DataFrame:
    """One row per model and K, one column per metric, plus users."""
    wide = metrics.pivot_table(index=["model", "k"], columns="metric", values="value", aggfunc="first")
    wide = wide.reindex(columns=[m for m in METRICS if m in wide.columns])
    users = metrics.groupby(["model", "k"])["users"].first()
    wide.insert(0, "users", users)
    order = {m: i for i, m in enumerate(model_order(metrics))}
    return wide.reset_index().sort_values(["k", "model"], key=lambda s: s.map(order) if s.name == "model" else s)


def figure_metrics_by_model(metrics: pd.DataFrame) -> plt.Figure:
    """One panel per metric: a bar per model and K."""
    models = model_order(metrics)
    ks = sorted(metrics["k"].unique())
    colour = colours(models)
    fig, axes = plt.subplots(2, 4, figsize=(12, 5.6), layout="constrained")
    width = 0.8 / len(ks)
    for ax, metric in zip(axes.flat, METRICS):
        data = metrics[metrics["metric"] == metric].set_index(["model", "k"])["value"]
        for j, k in enumerate(ks):
            values = [data.get((m, k), float("nan")) for m in models]
            xs = [i + (j - (len(ks) - 1) / 2) * width for i in range(len(models))]
            ax.bar(xs, values, width=width * 0.95, color=[colour[m] for m in models],
                   alpha=1.0 if j == 0 else 0.55, label=f"K = {k}")
        ax.set_title(METRIC_LABELS[metric].replace("@K", ""))
        ax.set_xticks(range(len(models)), models, rotation=50, ha="right", rotation_mode="anchor", fontsize=7)
    legend_ax = axes.flat[-1]
    legend_ax.axis("off")
    handles = [plt.Rectangle((0, 0), 1, 1, color="#555555", alpha=1.0 if j == 0 else 0.55) for j in range(len(ks))]
    legend_ax.legend(handles, [f"K = {k} ({'solid' if j == 0 else 'light'})" for j, k in enumerate(ks)],
                     loc="center", frameon=False, title="bars per model")
    fig.suptitle("Metrics by model", fontsize=11)
    return fig


def figure_precision_recall(metrics: pd.DataFrame, ax: plt.Axes | None = None, legend: bool = True) -> plt.Figure:
    """Precision against recall, one line per model through its K values;
    the legend (if any) beside the axes, off the lines."""
    models = model_order(metrics)
    colour = colours(models)
    own = ax is None
    if own:
        fig, ax = plt.subplots(figsize=(7, 4.2), layout="constrained")
    else:
        fig = ax.figure
    for m in models:
        rows = metrics[metrics["model"] == m].pivot_table(index="k", columns="metric", values="value")
        if not {"precision", "recall"} <= set(rows.columns):
            continue
        rows = rows.sort_index()
        ax.plot(rows["recall"], rows["precision"], marker="o", color=colour[m], label=m)
        for k, r in rows.iterrows():
            ax.annotate(f"@{k}", (r["recall"], r["precision"]), textcoords="offset points", xytext=(4, 3), fontsize=8)
    ax.set_xlabel("recall@K")
    ax.set_ylabel("precision@K")
    ax.set_title("Precision and recall at K")
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    if legend:
        ax.legend(frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    return fig


def segment_order(segments: pd.DataFrame, segment_type: str) -> list[str]:
    """Segments of one type in a readable order: age and activity bands in
    their natural order, the others by users (largest first), catch-alls last."""
    seg = segments[segments["segment_type"] == segment_type]
    users = seg.groupby("segment")["users"].max()
    names = list(users.index)

    def band_start(s: str) -> float:
        digits = "".join(ch if ch.isdigit() else " " for ch in s).split()
        if s.startswith("under"):
            return -1.0
        return float(digits[0]) if digits else float("inf")

    if segment_type in ("age_band", "activity"):
        return sorted(names, key=lambda s: (s == "unknown", band_start(s), s))
    return sorted(names, key=lambda s: (s in ("other", "unknown"), -users[s], s))


def figure_segments(segments: pd.DataFrame, metric: str = "ndcg", k: int | None = None,
                    segment_types: list[str] | None = None, axes=None) -> plt.Figure:
    """One panel per segment type: the metric per segment, a bar per model;
    tick labels carry the segment's number of evaluated users."""
    k = int(segments["k"].min()) if k is None else k
    types = [t for t in (segment_types or SEGMENT_TYPES) if t in set(segments["segment_type"])]
    models = model_order(segments[(segments["segment_type"] == types[0])]) if types else []
    colour = colours(models)
    own = axes is None
    if own:
        fig, axes = plt.subplots(len(types), 1, figsize=(12, 2.8 * len(types)), squeeze=False, layout="constrained")
        axes = axes[:, 0]
    fig = axes[0].figure
    width = 0.8 / max(len(models), 1)
    for ax, segment_type in zip(axes, types):
        seg = segments[(segments["segment_type"] == segment_type) & (segments["metric"] == metric)
                       & (segments["k"] == k)]
        order = segment_order(segments, segment_type)
        values = seg.set_index(["segment", "model"])["value"]
        users = seg.groupby("segment")["users"].max()
        for j, m in enumerate(models):
            xs = [i + (j - (len(models) - 1) / 2) * width for i in range(len(order))]
            ax.bar(xs, [values.get((s, m), float("nan")) for s in order], width=width * 0.95,
                   color=colour[m], label=m)
        ax.set_xticks(range(len(order)), [f"{s}\n{users.get(s, 0):,} users" for s in order], fontsize=7.5)
        ax.set_title(f"{METRIC_LABELS[metric].replace('@K', f'@{k}')} by {segment_type.replace('_', ' ')}",
                     loc="left")
        ax.margins(y=0.05)
    # one legend for every panel, outside the axes, so that it covers no bar
    handles = [plt.Rectangle((0, 0), 1, 1, color=colour[m]) for m in models]
    if own:
        fig.legend(handles, models, loc="outside upper center", ncols=min(len(models), 5), frameon=False,
                   fontsize=8)
    else:
        axes[-1].legend(handles, models, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False,
                        fontsize=7.5, title="model", title_fontsize=8)
    return fig


def figure_overview(tables: EvaluationTables) -> plt.Figure:
    """The README picture: NDCG and recall by model, precision against
    recall, and NDCG by gender and by age band."""
    metrics, segments = tables.metrics, tables.segments
    models = model_order(metrics)
    colour = colours(models)
    k = int(metrics["k"].min())
    fig = plt.figure(figsize=(12, 7.5), layout="constrained")
    grid = fig.add_gridspec(2, 3, height_ratios=[1, 1])
    for col, metric in enumerate(["ndcg", "recall"]):
        ax = fig.add_subplot(grid[0, col])
        data = metrics[(metrics["metric"] == metric) & (metrics["k"] == k)].set_index("model")["value"]
        # horizontal bars, the best on top: the names of many models stay readable
        ax.barh(range(len(models)), [data.get(m, float("nan")) for m in models], color=[colour[m] for m in models])
        ax.set_yticks(range(len(models)), models, fontsize=8)
        ax.invert_yaxis()
        ax.set_title(f"{METRIC_LABELS[metric].replace('@K', f'@{k}')} by model")
    # the models' colours are in the segments' legend, bottom right
    figure_precision_recall(metrics, ax=fig.add_subplot(grid[0, 2]), legend=False)
    seg_axes = [fig.add_subplot(grid[1, 0:2]), fig.add_subplot(grid[1, 2])]
    figure_segments(segments, "ndcg", k, ["age_band", "gender"], axes=seg_axes)
    users = int(metrics["users"].max()) if len(metrics) else 0
    fig.suptitle(f"Holdout evaluation: {users:,} users, {tables.held_out_pairs:,} held-out artists", fontsize=11)
    return fig


def svg(fig: plt.Figure) -> str:
    """The figure as an inline SVG element (text kept as text)."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]


def _table_html(frame: pd.DataFrame, digits: int = 4, column_digits: dict[str, int] | None = None) -> str:
    """The frame as an HTML table: floats to `digits` decimals (or those of
    column_digits for a column), integers with thousands separators. Column
    names may break after an underscore, and the table scrolls inside its
    own box instead of running off the page."""
    places = [(column_digits or {}).get(str(c), digits) for c in frame.columns]

    def cell(v, places: int) -> str:
        if isinstance(v, float):
            return f"{v:,.{places}f}"
        if isinstance(v, numbers.Integral) and not isinstance(v, bool):
            return f"{int(v):,}"
        return html.escape(str(v))

    head = "".join(f"<th>{html.escape(str(c)).replace('_', '_<wbr>')}</th>" for c in frame.columns)
    def td(v, places: int) -> str:
        # text (names, parameters) left, numbers right
        numeric = isinstance(v, numbers.Number) and not isinstance(v, bool)
        return f"<td>{cell(v, places)}</td>" if numeric else f"<td class='text'>{cell(v, places)}</td>"

    body = "".join(
        "<tr>" + "".join(td(v, p) for v, p in zip(row, places)) + "</tr>"
        for row in frame.astype(object).itertuples(index=False)
    )
    return f"<div class='table'><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"


def segments_wide(segments: pd.DataFrame, metric: str, k: int) -> pd.DataFrame:
    """segment_type, segment, users, then one column per model."""
    seg = segments[(segments["metric"] == metric) & (segments["k"] == k)]
    wide = seg.pivot_table(index=["segment_type", "segment"], columns="model", values="value", aggfunc="first")
    wide = wide.reindex(columns=[m for m in model_order(segments) if m in wide.columns])
    wide.insert(0, "users", seg.groupby(["segment_type", "segment"])["users"].max())
    wide = wide.reset_index()
    rank = {t: i for i, t in enumerate(SEGMENT_TYPES)}
    orders = {t: {s: i for i, s in enumerate(segment_order(segments, t))} for t in wide["segment_type"].unique()}
    wide["_t"] = wide["segment_type"].map(lambda t: rank.get(t, len(rank)))
    wide["_s"] = [orders[t][s] for t, s in zip(wide["segment_type"], wide["segment"])]
    return wide.sort_values(["_t", "_s"]).drop(columns=["_t", "_s"])


STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1200px;
       color: #222; padding: 0 1rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
.table { max-width: 100%; overflow-x: auto; margin: 0.8rem 0; }
table { border-collapse: collapse; font-size: 0.8rem; }
th, td { border: 1px solid #ddd; padding: 0.2rem 0.4rem; text-align: right; }
th { vertical-align: bottom; max-width: 7rem; } td { max-width: 28rem; }
th { background: #f4f4f4; } td.text { text-align: left; }
.note { color: #555; font-size: 0.88rem; max-width: 60rem; }
figure { margin: 1rem 0; } svg { max-width: 100%; height: auto; }
"""

HOLDOUT_NOTE = (
    "<p class='note'>Holdout: a random share of the artists of every eligible user is hidden (by default 20% "
    "of the artists of every user with at least 5, deterministic by seed); every model is fitted on the rest "
    "and recommends its top max(K) artists without training plays. The run's figures are in the warehouse "
    "tables eval_metrics and eval_metrics_by_segment.</p>"
)


def read_docs_block(path: Path, name: str) -> str:
    """The text of the dbt docs block `name` ({% docs name %} ... {% enddocs %}) of a Markdown file."""
    text = Path(path).read_text(encoding="utf-8")
    match = re.search(r"{%-?\s*docs\s+" + re.escape(name) + r"\s*-?%}(.*?){%-?\s*enddocs\s*-?%}", text, re.DOTALL)
    if match is None:
        raise LookupError(f"{path}: no docs block {name}")
    return match.group(1).strip()


def metric_definitions(path: Path = METRIC_DOCS) -> dict[str, str]:
    """metric -> its definition, from the rows `| `metric` | definition |` of
    the docs block eval_metric_definitions, in the block's order."""
    definitions = {}
    for line in read_docs_block(path, METRIC_DOCS_BLOCK).splitlines():
        match = re.match(r"^\|\s*`(\w+)`\s*\|(.*)\|\s*$", line)
        if match:
            definitions[match.group(1)] = match.group(2).strip().replace("\\|", "|")
    missing = [metric for metric in METRICS if metric not in definitions]
    if missing:
        raise LookupError(f"{path}: docs block {METRIC_DOCS_BLOCK} defines no {', '.join(missing)}")
    return definitions


def definitions_html(path: Path = METRIC_DOCS) -> str:
    """The metric definitions of the docs block as an HTML list."""
    intro = read_docs_block(path, METRIC_DOCS_BLOCK).split("\n\n")[0]
    items = "".join(
        f"<li><b>{html.escape(METRIC_LABELS.get(metric, metric))}</b>: {html.escape(text)}</li>"
        for metric, text in metric_definitions(path).items()
    )
    return f"<p class='note'>{html.escape(' '.join(intro.split()))}</p><ul class='note'>{items}</ul>"


def render_html(tables: EvaluationTables, source: str, segment_metric: str = "ndcg") -> str:
    """The report page as one self-contained HTML string."""
    metrics, segments = tables.metrics, tables.segments
    ks = sorted(int(k) for k in metrics["k"].unique())
    k = ks[0]
    users = int(metrics["users"].max()) if len(metrics) else 0
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<title>lastfm-recs: evaluation</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>lastfm-recs: how good are the recommendations, and for whom</h1>",
        f"<p class='note'>Warehouse <code>{html.escape(source)}</code>, rendered "
        f"{dt.datetime.now().strftime('%Y-%m-%d %H:%M')}. {users:,} users evaluated, "
        f"{tables.held_out_pairs:,} held-out artists, K = {', '.join(map(str, ks))}.</p>",
        HOLDOUT_NOTE,
        definitions_html(),
        "<h2>Metrics by model</h2>",
    ]
    wide = metrics_wide(metrics)
    for kk in ks:
        parts.append(f"<h3>K = {kk}</h3>")
        parts.append(_table_html(wide[wide["k"] == kk].drop(columns=["k"])))
    if len(tables.intervals):
        parts.append("<h2>Uncertainty</h2>")
        parts.append("<p class='note'>95% bootstrap intervals over the evaluated users (eval_metrics.ci_low, "
                     "ci_high: every metric has one); the default against the others on the same resampled "
                     "users: eval_default_comparison.</p>")
        parts.append(f"<p><b>{html.escape(default_verdict(tables.comparison, k=k))}</b></p>")
        parts.append(_table_html(intervals_wide(metrics, tables.intervals)))
    parts.append(f"<figure>{svg(figure_metrics_by_model(metrics))}</figure>")
    parts.append("<h2>Precision and recall at K</h2>")
    parts.append(f"<figure>{svg(figure_precision_recall(metrics))}</figure>")
    parts.append(f"<h2>By segment: {METRIC_LABELS[segment_metric].replace('@K', f'@{k}')}</h2>")
    parts.append("<p class='note'>Evaluated users per segment under each label; small segments are noisy. "
                 "eval_metrics_by_segment holds every metric at every K.</p>")
    parts.append(f"<figure>{svg(figure_segments(segments, segment_metric, k))}</figure>")
    parts.append(_table_html(segments_wide(segments, segment_metric, k), digits=3))
    order = {m: i for i, m in enumerate(model_order(metrics))}
    if len(tables.models):
        parts.append("<h2>Models: parameters and cost</h2>")
        parts.append("<p class='note'>Parameters chosen by this run's tuning (<code>tuned</code>) or the "
                     "project's var model_params; wall seconds to fit on the training data and to recommend to "
                     "the evaluated users (eval_models).</p>")
        parts.append(_table_html(tables.models.sort_values("model", key=lambda c: c.map(order)), digits=1))
    if len(tables.tuning):
        parts.append("<h2>Tuning on the validation split</h2>")
        parts.append("<p class='note'>Every trial of var tuning_grid, fitted on the training data without a "
                     "validation share of it and scored on that share, never on the test holdout; the best by "
                     "NDCG@10 is the one evaluated above. Every trial and metric: eval_tuning.</p>")
        parts.append(_table_html(tables.tuning.sort_values("model", key=lambda c: c.map(order)),
                                 column_digits={"seconds": 1, "chosen_trial": 0, "trials": 0}))
        if "edge_warning" in tables.tuning and tables.tuning["edge_warning"].notna().any():
            edges = tables.tuning[tables.tuning["edge_warning"].notna()]
            parts.append("<p><b>Chosen at the edge of the grid (widen it in var tuning_grid):</b> "
                         + "; ".join(f"{html.escape(m)}: {html.escape(w)}"
                                     for m, w in zip(edges["model"], edges["edge_warning"])) + "</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def markdown_table(tables: EvaluationTables) -> str:
    """The README's evaluation table: every model's metrics at the smallest
    K, NDCG and recall at the others, fit and recommend seconds, best first."""
    metrics = tables.metrics
    ks = sorted(int(k) for k in metrics["k"].unique())
    value = metrics.set_index(["model", "k", "metric"])["value"]
    cost = tables.models.set_index("model") if len(tables.models) else pd.DataFrame()
    head = [f"{METRIC_LABELS[m].replace('@K', f'@{ks[0]}')}" for m in METRICS]
    head += [f"{METRIC_LABELS[m].replace('@K', f'@{k}')}" for k in ks[1:] for m in ("ndcg", "recall")]
    head += ["fit (s)", "recommend (s)"]
    lines = ["| model | " + " | ".join(head) + " |", "| --- |" + " ---: |" * len(head)]
    for model in model_order(metrics):
        cells = [f"{value.get((model, ks[0], m), float('nan')):.{2 if m == 'novelty' else 4}f}" for m in METRICS]
        cells += [f"{value.get((model, k, m), float('nan')):.4f}" for k in ks[1:] for m in ("ndcg", "recall")]
        for column in ("fit_seconds", "recommend_seconds"):
            cells.append(f"{cost.loc[model, column]:,.1f}" if model in cost.index else "")
        lines.append(f"| `{model}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m lastfm_recs.report", description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, required=True, help="the DuckDB warehouse built by `make evaluate`")
    ap.add_argument("--out", type=Path, required=True, help="HTML file to write")
    ap.add_argument("--png", type=Path, help="also write the overview chart as PNG (the README picture)")
    ap.add_argument("--segment-metric", default="ndcg", choices=METRICS, help="metric of the segment charts")
    ap.add_argument("--markdown", action="store_true", help="also print the models' table in Markdown (the README's)")
    args = ap.parse_args(argv)
    try:
        tables = load_tables(args.db)
    except (FileNotFoundError, LookupError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render_html(tables, str(args.db), args.segment_metric), encoding="utf-8")
    print(f"evaluation report: {args.out.resolve()}")
    if args.markdown:
        print(markdown_table(tables))
        if len(tables.intervals):
            print()
            wide = intervals_wide(tables.metrics, tables.intervals)
            print("| " + " | ".join(wide.columns) + " |\n|" + " --- |" * len(wide.columns))
            for row in wide.itertuples(index=False):
                print("| " + " | ".join(str(c) for c in row) + " |")
            print()
            print(default_verdict(tables.comparison, k=int(tables.metrics["k"].min())))
    if "edge_warning" in tables.tuning and tables.tuning["edge_warning"].notna().any():
        for model, warning in zip(tables.tuning["model"], tables.tuning["edge_warning"]):
            if isinstance(warning, str):
                print(f"warning: tuning of {model}: {warning}")
    if args.png:
        args.png.parent.mkdir(parents=True, exist_ok=True)
        fig = figure_overview(tables)
        fig.savefig(args.png, dpi=80)
        plt.close(fig)
        print(f"overview chart: {args.png.resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
