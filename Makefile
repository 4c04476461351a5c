# Two commands matter: `make demo` and `make test`. Everything they need is
# installed into .venv/ from requirements.lock; nothing goes to $HOME.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export UV_CACHE_DIR := $(CURDIR)/.cache/uv
export PIP_NO_CACHE_DIR := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export GX_ANALYTICS_ENABLED := false
SCENARIO ?= healthy

.PHONY: demo test test-slow test-spark test-spark-cluster test-spark-connect install-examples test-examples lint format bench clean install install-spark install-browser test-browser vendor-vega vendor-data-docs

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q uv==0.13.8
	$(BIN)/uv pip sync -q --compile-bytecode --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	touch $@

## Spark (optional): dbt-spark and pyspark from requirements-spark.lock, a
## superset of requirements.lock, into the same venv. Needs Java 17.
install-spark: $(VENV)/.installed-spark

$(VENV)/.installed-spark: requirements-spark.lock pyproject.toml $(VENV)/.installed
	@command -v java >/dev/null || { echo "install-spark: needs Java 17 (apt-get install openjdk-17-jre-headless)"; exit 2; }
	$(BIN)/uv pip sync -q --compile-bytecode --python $(BIN)/python requirements-spark.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	touch $@

## The orchestrator example (examples/dagster/): dagster and dagster-dbt from
## requirements-examples.lock, a superset of requirements.lock with the same
## pins, added to the same venv (install, not sync: Spark stays if installed).
install-examples: $(VENV)/.installed-examples

$(VENV)/.installed-examples: requirements-examples.lock pyproject.toml $(VENV)/.installed
	$(BIN)/uv pip install -q --compile-bytecode --python $(BIN)/python --require-hashes -r requirements-examples.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	touch $@

## Generate the demo warehouse for SCENARIO and run the whole nightly job on it.
demo: install
	$(BIN)/mpm demo --scenario $(SCENARIO)

## The default test suite (fast; slow, Spark and browser tests run in their own steps).
test: install
	$(BIN)/python -m pytest -n 2

test-slow: install
	$(BIN)/python -m pytest -n 2 -m slow

## The same models on a local Spark session: equality with DuckDB and the
## nightly job on Spark (one process: the Derby metastore admits one JVM).
test-spark: install-spark
	SPARK_LOCAL_IP=127.0.0.1 $(BIN)/python -m pytest -n 0 -m "spark and not spark_connect" -s

## The Dagster example materialized in-process on a demo warehouse.
test-examples: install-examples
	$(BIN)/python -m pytest -n 0 -m examples

lint: install
	$(BIN)/ruff check python_checks tests $(wildcard bench) $(wildcard examples)
	$(BIN)/ruff format --check python_checks tests $(wildcard bench) $(wildcard examples)
	WAREHOUSE_PATH=$(CURDIR)/.cache/lint.duckdb $(BIN)/sqlfluff lint models

format: install
	$(BIN)/ruff format python_checks tests $(wildcard bench) $(wildcard examples)
	$(BIN)/ruff check --fix python_checks tests $(wildcard bench) $(wildcard examples)
	WAREHOUSE_PATH=$(CURDIR)/.cache/lint.duckdb $(BIN)/sqlfluff fix models

clean:
	rm -rf target dbt_packages logs .warehouse reports

## The same on a standalone cluster on 127.0.0.1 (a master and two workers,
## .ci/spark-cluster): executors in their own JVMs; stopped whatever the result.
SPARK_CLUSTER_TESTS ?= declared_master or metrics_daily_equal or every_mart_equal or nightly_job_runs
test-spark-cluster: install-spark
	.ci/spark-cluster start
	MPM_SPARK_MASTER=$$(cat .cache/spark-cluster/master-url) SPARK_LOCAL_IP=127.0.0.1 \
	  $(BIN)/python -m pytest -n 0 -m spark -s tests/test_spark.py -k "$(SPARK_CLUSTER_TESTS)"; \
	  rc=$$?; .ci/spark-cluster stop; exit $$rc

## The nightly job through a Spark Connect server on 127.0.0.1 (.ci/spark-connect,
## started and stopped by the test): this process is only its client.
test-spark-connect: install-spark
	SPARK_LOCAL_IP=127.0.0.1 $(BIN)/python -m pytest -n 0 -m spark_connect -s tests/test_spark_connect.py

## Headless Chromium and its driver for the browser test (Debian packages; needs root).
install-browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then \
	  echo "chromium and chromedriver already installed"; \
	else \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver; \
	fi

## The HTML report of precision_drop in headless Chromium (charts drawn, failing check visible).
test-browser: install
	$(BIN)/python -m pytest -m browser -s

## Re-vendor Vega's minified runtime from the npm registry (committed; runs need no npm).
VEGA_VERSION ?= $(shell $(BIN)/python -c "import vl_convert; print(vl_convert.get_vega_version())")
vendor-vega: install
	rm -rf .cache/vega && mkdir -p .cache/vega
	cd .cache/vega && npm pack --silent vega@$(VEGA_VERSION) && tar xzf vega-$(VEGA_VERSION).tgz
	cp .cache/vega/package/build/vega.min.js .cache/vega/package/LICENSE python_checks/report/vendor/
	echo $(VEGA_VERSION) > python_checks/report/vendor/VERSION
## Re-vendor the assets Great Expectations' Data Docs load (committed; listed in
## python_checks/report/vendor/data_docs/assets.json; runs need no network).
vendor-data-docs: install
	$(BIN)/python -m python_checks.report.data_docs vendor

## The benchmark (bench/run.py): small by default; ARGS="--rows-per-day 1000000 --days 90".
bench: install
	$(BIN)/python bench/run.py $(ARGS)
