# lastfm-recs: `make build` builds the warehouse, `make test` runs every test.
# Both create the virtualenv and install the pinned requirements when missing.
PYTHON ?= python3
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt pyproject.toml | cksum | cut -d' ' -f1)
# Apache Spark's packages (requirements-spark.txt), on top: for the Spark
# targets and make test (its Spark tests compare Spark's answers with DuckDB's).
SPARK_STAMP := $(VENV)/.installed-spark-$(shell cksum < requirements-spark.txt | cut -d' ' -f1)

# dbt runs from the repository root with the repository's profiles.yml.
export DBT_PROFILES_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
export LASTFM_DATA_DIR ?= $(CURDIR)/data/sample
export LASTFM_DB ?= $(CURDIR)/warehouse/lastfm.duckdb
# The file BI tools open; a successful build publishes the marts to it
# (docs/bi-tools.md). Unset = beside LASTFM_DB, <name>_serving.duckdb
# (python/lastfm_recs/serving.py). Recipes use the paths as "$$LASTFM_DB"
# (the shell's copy of the exported variable), never $(LASTFM_DB): make
# splits on spaces and a quote would end the recipe's string
# (docs/reliability.md).

# Extra dbt arguments, e.g. make build DBT_ARGS="--vars '{gender: f}'"
DBT_ARGS ?=
# make evaluate: dbt vars added to {evaluate: true, ...}, e.g.
# make evaluate EVAL_VARS="eval_max_users: 5000, neighbors: 50"
EVAL_VARS ?=
# make report / make evaluate: the HTML report (git-ignored).
REPORT ?= $(CURDIR)/reports/evaluation.html

.PHONY: build test venv sample clean help evaluate report bench tuned-params docs docs-generate lint data-stats export serve hetrec build-spark test-spark venv-spark

help:
	@echo "make build   build the warehouse (LASTFM_DB) from LASTFM_DATA_DIR (default: bundled sample)"
	@echo "            and publish the serving file for BI tools (LASTFM_SERVING_DB)"
	@echo "make test    run every test (pytest: package, dbt unit/data tests, end to end), with progress and durations"
	@echo "make lint    ruff (Python) and sqlfluff (SQL of models/, macros/, tests/)"
	@echo "make docs    generate the dbt docs (evaluation models included) and serve them on DOCS_HOST:DOCS_PORT"
	@echo "make evaluate  holdout evaluation of the models into LASTFM_DB (eval_* tables), then make report"
	@echo "make report  render the evaluation tables of LASTFM_DB to REPORT (reports/evaluation.html)"
	@echo "make tuned-params  store the parameters and the best model of the last make evaluate (LASTFM_DB) in dbt_project.yml"
	@echo "make bench   full-size dbt build benchmark (BENCH_USERS, BENCH_REPEATS, BENCH_BASELINE) and the seed comparison at 50,000 users"
	@echo "make export  write the serving file's lists to EXPORT_DIR as DynamoDB JSON (*.json.gz) and Parquet"
	@echo "make serve   read API over the serving file on HOST:PORT (default 127.0.0.1:8000), docs at /docs"
	@echo "make hetrec HETREC_DIR=... [HETREC_OUT=...]  convert the HetRec 2011 Last.fm files into the raw files (docs/real-data.md)"
	@echo "make build-spark  the same build on Apache Spark (SPARK_MASTER, LASTFM_SPARK_WAREHOUSE; docs/spark.md)"
	@echo "make test-spark   only the Spark tests of make test: Spark's answers equal DuckDB's (local Spark, a few minutes)"
	@echo "make sample  regenerate the bundled sample data (2,000 users, seed 42)"
	@echo "make data-stats HETREC_DIR=...  real-vs-synthetic table (HetRec user_artists.dat vs as many generated users)"
	@echo "make clean   remove dbt artifacts and the default warehouse"

venv: $(STAMP)

# The package itself is installed editable: the one way it gets on the path
# (dbt's Python models, tests, benchmarks and the python -m commands).
$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $@

build: $(STAMP)
	$(BIN)/dbt build $(DBT_ARGS)

# -v: one line per test as it finishes, with the share done; the slowest
# tests and the total time at the end (README: about 13 minutes on 2 cores).
# The tests run in TEST_WORKERS processes (pytest-xdist), a module (or a
# test class) per process (--dist loadscope), as most of their time is dbt
# builds of the sample, one core's work each, and a module's builds are
# shared by its tests; TEST_WORKERS=0 runs them in this process. The Spark
# tests need Java 17+ (docs/spark.md).
TEST_WORKERS ?= 2
test: $(SPARK_STAMP)
	@echo "make test: about 13 minutes on 2 idle cores, longer on busy ones (dbt builds the sample on DuckDB and on Spark several times)"
	$(BIN)/python -m pytest -v -n $(TEST_WORKERS) --dist loadscope

# Python (ruff, configured in pyproject.toml) and SQL (sqlfluff, .sqlfluff).
lint: $(STAMP)
	$(BIN)/ruff check python tests benchmarks
	$(BIN)/sqlfluff lint models macros tests --processes 2

# The dbt docs site: generated with the evaluation models enabled (they are
# disabled in a plain build) into target/docs, then served on loopback.
# The catalog (column types) covers what LASTFM_DB holds; without a build the
# pages still show every model, its docs and the lineage.
DOCS_HOST ?= 127.0.0.1
DOCS_PORT ?= 8080
DOCS_TARGET := $(CURDIR)/target/docs
docs-generate: $(STAMP)
	mkdir -p "$$(dirname "$$LASTFM_DB")"
	$(BIN)/dbt docs generate --vars '{evaluate: true}' --target-path "$(DOCS_TARGET)" $(DBT_ARGS)

docs: docs-generate
	@echo "dbt docs: http://$(DOCS_HOST):$(DOCS_PORT) (Ctrl-C stops the server)"
	$(BIN)/dbt docs serve --host $(DOCS_HOST) --port $(DOCS_PORT) --no-browser --target-path "$(DOCS_TARGET)"

# The evaluation models and what they need, without the full recommendations;
# tests of models outside that selection are left out (cautious).
evaluate: $(STAMP)
	$(BIN)/dbt build --select +tag:evaluation --indirect-selection cautious --vars '{evaluate: true, $(EVAL_VARS)}' $(DBT_ARGS)
	@$(MAKE) --no-print-directory report

report: $(STAMP)
	$(BIN)/python -m lastfm_recs.report --db "$$LASTFM_DB" --out "$(REPORT)"

# The chosen parameters of eval_tuning and the best model of eval_metrics
# (NDCG@10) into the tuned block of dbt_project.yml, with the date and data.
tuned-params: $(STAMP)
	$(BIN)/python -m lastfm_recs.tuned_params --db "$$LASTFM_DB" --data-dir "$$LASTFM_DATA_DIR"

# Benchmarks (docs/performance.md): synthetic data in data/bench/ (git-ignored,
# generated once), the full dbt build at BENCH_USERS users, then the seed's
# method against ours on the warehouse arrays of a 50,000-user build.
# BENCH_BASELINE: dbt vars of a baseline build run beside each build, for
# ratios (default: the seed's model); empty = no baseline.
BENCH_USERS ?= 359347
BENCH_REPEATS ?= 1
BENCH_BASELINE ?= {model: user_knn}
SEED_COMPARE_USERS ?= 50000
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_build.py --users $(BENCH_USERS) --repeats $(BENCH_REPEATS) $(if $(BENCH_BASELINE),--baseline-vars '$(BENCH_BASELINE)')
	$(BIN)/python benchmarks/bench_build.py --users $(SEED_COMPARE_USERS)
	$(BIN)/python benchmarks/bench_knn.py --warehouse data/bench/users-$(SEED_COMPARE_USERS)-seed-1/build/lastfm.duckdb --repeats 3 --compare-seed --quiet

# The key-value export of the serving file (docs/api.md): DynamoDB JSON
# (DynamoDB's import format) and Parquet, user_id -> list, artist -> similar.
EXPORT_DIR ?= $(CURDIR)/warehouse/export
export: $(STAMP)
	$(BIN)/python -m lastfm_recs.export --out "$(EXPORT_DIR)"

# The read API over the serving file (docs/api.md); loopback by default.
HOST ?= 127.0.0.1
PORT ?= 8000
serve: $(STAMP)
	$(BIN)/python -m lastfm_recs.api --host "$(HOST)" --port "$(PORT)"
# The HetRec 2011 Last.fm files (user_artists.dat, artists.dat in HETREC_DIR)
# as the two raw files in HETREC_OUT; then LASTFM_DATA_DIR=$(HETREC_OUT) make
# build / make evaluate (docs/real-data.md).
HETREC_OUT ?= $(CURDIR)/data/hetrec
hetrec: $(STAMP)
	@test -n "$(HETREC_DIR)" || { echo "make hetrec: set HETREC_DIR to the unzipped HetRec 2011 Last.fm directory"; exit 2; }
	$(BIN)/python -m lastfm_recs.hetrec --hetrec-dir "$(HETREC_DIR)" --out "$(HETREC_OUT)"

# Apache Spark (docs/spark.md): its packages on top of the default ones, only
# for these targets. The build runs in one process: dbt (target spark) up to
# the intermediate models, the PySpark scoring step, dbt again for the marts.
export SPARK_MASTER ?= local[2]
export LASTFM_SPARK_WAREHOUSE ?= $(CURDIR)/warehouse/spark

venv-spark: $(SPARK_STAMP)

$(SPARK_STAMP): $(STAMP) requirements-spark.txt
	$(BIN)/python -m pip install --quiet -r requirements-spark.txt
	touch $@

build-spark: $(SPARK_STAMP)
	mkdir -p "$(LASTFM_SPARK_WAREHOUSE)"
	$(BIN)/python -m lastfm_recs.spark_build $(DBT_ARGS)

# The Spark tests alone: Spark's build equals DuckDB's, als_mllib.
SPARK_TESTS := tests/test_spark_same_answers.py tests/test_als_mllib.py tests/test_spark_scoring.py
test-spark: $(SPARK_STAMP)
	$(BIN)/python -m pytest -v $(SPARK_TESTS)

sample: $(STAMP)
	$(BIN)/python -m lastfm_recs.sample_data --users 2000 --seed 42 --out data/sample

# The real-vs-synthetic table of docs/synthetic-data.md: HETREC_DIR holds a
# HetRec 2011 user_artists.dat; the generator writes STATS_USERS users (the
# development half's 946) into data/bench/ (git-ignored) beside it.
HETREC_DIR ?=
STATS_USERS ?= 946
data-stats: $(STAMP)
	@test -n "$(HETREC_DIR)" || { echo "make data-stats: set HETREC_DIR to a directory holding user_artists.dat" >&2; exit 2; }
	$(BIN)/python -m lastfm_recs.sample_data --users $(STATS_USERS) --seed 42 --out data/bench/stats-$(STATS_USERS) --quiet > /dev/null
	$(BIN)/python -m lastfm_recs.data_stats --hetrec "$(HETREC_DIR)" --lastfm360k data/bench/stats-$(STATS_USERS)

clean:
	rm -rf target logs warehouse
