# lastfm-recs: `make build` builds the warehouse, `make test` runs every test.
# Both create the virtualenv and install the pinned requirements when missing.
PYTHON ?= python3
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum < requirements.txt | cut -d' ' -f1)

# dbt runs from the repository root with the repository's profiles.yml.
export DBT_PROFILES_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
export LASTFM_DATA_DIR ?= $(CURDIR)/data/sample
export LASTFM_DB ?= $(CURDIR)/warehouse/lastfm.duckdb
# The file BI tools open; a successful build publishes the marts to it
# (README "BI tools"). Default: beside LASTFM_DB, <name>_serving.duckdb.
export LASTFM_SERVING_DB ?= $(dir $(LASTFM_DB))$(basename $(notdir $(LASTFM_DB)))_serving.duckdb

# Extra dbt arguments, e.g. make build DBT_ARGS="--vars '{gender: f}'"
DBT_ARGS ?=
# make evaluate: dbt vars added to {evaluate: true, ...}, e.g.
# make evaluate EVAL_VARS="eval_max_users: 5000, neighbors: 50"
EVAL_VARS ?=
# make report / make evaluate: the HTML report (git-ignored).
REPORT ?= $(CURDIR)/reports/evaluation.html

.PHONY: build test venv sample clean help evaluate report bench tuned-params build-spark test-spark venv-spark

help:
	@echo "make build   build the warehouse (LASTFM_DB) from LASTFM_DATA_DIR (default: bundled sample)"
	@echo "            and publish the serving file for BI tools (LASTFM_SERVING_DB)"
	@echo "make test    run every test (pytest: package, dbt unit/data tests, end to end)"
	@echo "make evaluate  holdout evaluation of the models into LASTFM_DB (eval_* tables), then make report"
	@echo "make report  render the evaluation tables of LASTFM_DB to REPORT (reports/evaluation.html)"
	@echo "make tuned-params  store the parameters and the best model of the last make evaluate (LASTFM_DB) in dbt_project.yml"
	@echo "make bench   full-size dbt build benchmark (BENCH_USERS, BENCH_REPEATS, BENCH_BASELINE) and the seed comparison at 50,000 users"
	@echo "make build-spark  the same build on Apache Spark (SPARK_MASTER, LASTFM_SPARK_WAREHOUSE; docs/spark.md)"
	@echo "make test-spark   Spark's answers equal DuckDB's (local Spark, a few minutes)"
	@echo "make sample  regenerate the bundled sample data (2,000 users, seed 42)"
	@echo "make clean   remove dbt artifacts and the default warehouse"

venv: $(STAMP)

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $@

build: $(STAMP)
	mkdir -p "$(dir $(LASTFM_DB))"
	$(BIN)/dbt build $(DBT_ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest

# The evaluation models and what they need, without the full recommendations;
# tests of models outside that selection are left out (cautious).
evaluate: $(STAMP)
	mkdir -p "$(dir $(LASTFM_DB))"
	$(BIN)/dbt build --select +tag:evaluation --indirect-selection cautious --vars '{evaluate: true, $(EVAL_VARS)}' $(DBT_ARGS)
	@$(MAKE) --no-print-directory report

report: $(STAMP)
	PYTHONPATH=python $(BIN)/python -m lastfm_recs.report --db "$(LASTFM_DB)" --out "$(REPORT)"

# The chosen parameters of eval_tuning and the best model of eval_metrics
# (NDCG@10) into the tuned block of dbt_project.yml, with the date and data.
tuned-params: $(STAMP)
	PYTHONPATH=python $(BIN)/python -m lastfm_recs.tuned_params --db "$(LASTFM_DB)" --data-dir "$(LASTFM_DATA_DIR)"

# Benchmarks (README "Performance"): synthetic data in data/bench/ (git-ignored,
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

# Apache Spark (docs/spark.md): its packages on top of the default ones, only
# for these targets. The build runs in one process: dbt (target spark) up to
# the intermediate models, the PySpark scoring step, dbt again for the marts.
SPARK_STAMP := $(VENV)/.installed-spark-$(shell cksum < requirements-spark.txt | cut -d' ' -f1)
export SPARK_MASTER ?= local[2]
export LASTFM_SPARK_WAREHOUSE ?= $(CURDIR)/warehouse/spark

venv-spark: $(SPARK_STAMP)

$(SPARK_STAMP): $(STAMP) requirements-spark.txt
	$(BIN)/python -m pip install --quiet -r requirements-spark.txt
	touch $@

build-spark: $(SPARK_STAMP)
	mkdir -p "$(LASTFM_SPARK_WAREHOUSE)"
	PYTHONPATH=python $(BIN)/python -m lastfm_recs.spark_build $(DBT_ARGS)

# its own --basetemp: pytest's shared temporary folder keeps only the last 3 runs
test-spark: $(SPARK_STAMP)
	$(BIN)/python -m pytest tests_spark --basetemp="$(CURDIR)/warehouse/test-spark"

sample: $(STAMP)
	PYTHONPATH=python $(BIN)/python -m lastfm_recs.sample_data --users 2000 --seed 42 --out data/sample

clean:
	rm -rf target logs warehouse
