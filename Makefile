# The README's commands. Each sets up what it needs in .venv on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# make lambda-local listens on 3000 (as `sam local start-api`) unless PORT= is given.
LAMBDA_PORT := $(if $(filter file,$(origin PORT)),3000,$(PORT))
STAMP := $(VENV)/.installed
# SAM CLI pins its own dependency versions, so it lives in a venv of its own.
SAM_VENV := $(VENV)/sam
SAM := $(SAM_VENV)/bin/sam
SAM_VERSION := 1.170.0
# npm ci rewrites this file on every install: it stamps node_modules (axe-core).
NODE_STAMP := node_modules/.package-lock.json
# Template linters (cfn-lint + serverless rules, checkov, aws-sam-translator): their own venv
# too, as aws-sam-translator pins an older pydantic than the function's.
INFRA_VENV := $(VENV)/infra
INFRA_STAMP := $(INFRA_VENV)/.installed
# The SAM CLI would otherwise try to send usage telemetry.
export SAM_CLI_TELEMETRY := 0

.PHONY: evaluate-numbers lambda-local lambda-memory help venv sam test lint typecheck unit run train evaluate benchmark events clean infra-venv infra-lint test-js test-browser browser-deps load-soak reliability-report

help:
	@echo "make run        serve the page and the API at http://127.0.0.1:$(PORT) (PORT= to change)"
	@echo "make test       lint, type-check and run the whole test suite"
	@echo "make lambda-local  the function under the Lambda emulator behind SAM's local API Gateway,"
	@echo "                   and the page, at http://127.0.0.1:3000 (PORT= to change; no Docker)"
	@echo "make sam-local  sam build + sam local start-api with Docker, and the page, at"
	@echo "                http://127.0.0.1:3000 (PORT= to change; docs/sam-docker.md)"
	@echo "make benchmark  the function's cold start, warm latency and req/s (README)"
	@echo "make load-soak  8 clients for 60 s, then to 10k requests, on make run and the Lambda stack"
	@echo "make reliability-report  docs/RELIABILITY.md: hostile inputs, fuzzing, faults, security"
	@echo "make test-browser  only the page's browser tests (Chromium, real local server)"
	@echo "make train      train the model from MNIST and write models/ (about 30-45 min)"
	@echo "make evaluate   re-run the evaluation of the shipped model (models/REPORT.md)"

$(STAMP): function/requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(STAMP)

$(SAM):
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet aws-sam-cli==$(SAM_VERSION)

sam: $(SAM)

$(INFRA_STAMP): requirements-infra.txt
	$(PYTHON) -m venv $(INFRA_VENV)
	$(INFRA_VENV)/bin/pip install --quiet -r requirements-infra.txt
	touch $@

infra-venv: $(INFRA_STAMP)

# template.yaml: cfn-lint with the serverless rules, SAM's own validation, and checkov (its
# skips are declared and justified in the template; tests/infra checks each is still needed).
infra-lint: infra-venv sam
	$(INFRA_VENV)/bin/cfn-lint -a cfn_lint_serverless.rules -- template.yaml
	$(SAM) validate --lint --template template.yaml
	$(INFRA_VENV)/bin/checkov -f template.yaml --framework cloudformation --skip-download --compact --quiet

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/hadolint function/Dockerfile

typecheck: venv
	$(VENV)/bin/mypy

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund

# What the browser tests need besides .venv: Debian's Chromium and axe-core.
browser-deps: $(NODE_STAMP)
	scripts/ensure-chromium.sh

# The page's pure modules (frontend_static/*.js) under Node's own test runner.
test-js:
	node --test tests/frontend/js/

test-browser: venv sam browser-deps
	$(VENV)/bin/pytest -m browser tests/frontend

# sam: the Lambda runtime tests run the function under the emulator shipped in aws-sam-cli.
test: lint typecheck sam infra-lint test-js browser-deps
	$(VENV)/bin/pytest

# The page and the API on one origin, with the shipped model (tools/serve.py).
run: venv
	PORT=$(PORT) $(PY) -m tools.serve

# The deployed shape without Docker (tools/lambda_local.py): the function staged as the image,
# under the Runtime Interface Emulator, behind SAM CLI's local API Gateway, page on one origin.
lambda-local: venv sam
	$(PY) -m tools.lambda_local --port $(LAMBDA_PORT)

# --- The real SAM path with Docker (docs/sam-docker.md) ---------------------------------------
# sam-local: dockerd (started if it is not running and this is root), the Lambda base image
# (AWS's, or the labelled local stand-in of tools/aws/standin_base_image.sh), sam build, then
# sam local start-api on 127.0.0.1:3000 (PORT= to change) with the page on the same origin.
.PHONY: sam-local sam-base-image test-sam-docker bench-sam-docker
sam-local: venv sam
	$(PY) -m tools.aws.sam_docker --port $(LAMBDA_PORT)

sam-base-image:
	tools/aws/standin_base_image.sh

# Only the Docker path's tests (make test runs them too, or skips them saying why).
test-sam-docker: venv sam
	$(VENV)/bin/pytest -m sam_docker tests/sam_docker

# The function image's size and its cold start under Docker: bench/results/sam_docker.json.
bench-sam-docker: venv sam
	$(PY) bench/sam_docker.py --json bench/results/sam_docker.json

# Peak memory, cold start and latency of the function per MemorySize, CPU capped as Lambda
# shares it (README "Memory size"); a script that prints figures, not a test.
lambda-memory: venv sam
	$(PY) bench/lambda_memory.py

# Cold start, warm latency by stage, import times and req/s of the function (README).
benchmark: venv
	PYTHONPATH=function:. $(PY) bench/benchmark_function.py

# Load and soak of make run and the Docker-free Lambda stack (loopback, bounded; a few minutes):
# a bench, not a test. Its figures go to bench/results/load_soak.json for the report below.
load-soak: venv sam
	PYTHONPATH=function:. $(PY) bench/load_soak.py --target both --json bench/results/load_soak.json

# docs/RELIABILITY.md: hostile inputs, fuzzing, faults and security checks as observed now,
# with the figures of the last make load-soak.
reliability-report: venv sam browser-deps
	PYTHONPATH=function:. $(PY) bench/reliability_report.py

# Regenerate events/ (sam local generate-event + canvas PNGs drawn by Chromium).
events: venv sam browser-deps
	$(PY) -m tools.make_events

# Training imports serving's preprocessing from function/, as the tests do.
train: venv
	PYTHONPATH=function:. $(PY) -m training.train

evaluate: venv
	PYTHONPATH=function:. $(PY) -m training.evaluate

# Multi-digit numbers: segmentation + the shipped model (models/NUMBERS.md, ~10 min).
evaluate-numbers: venv
	PYTHONPATH=function:. $(PY) -m training.evaluate_numbers

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-artifacts node_modules
